/**
 * Plain text of stored Block Kit: what the text-only facades (Roomlio `body`, the compliance
 * export) show and what message search indexes. A pure function of the stored JSON, so every layer
 * may use it.
 */

interface TextObject {
  text?: unknown
}

function textOf(value: unknown): string | undefined {
  if (value && typeof value === 'object' && typeof (value as TextObject).text === 'string') return (value as TextObject).text as string
  return undefined
}

/** The visible text of a Block Kit message (headers, sections, fields, context), one block per line. */
export function blocksToText(blocksJson: string | null): string {
  if (!blocksJson) return ''
  let blocks: unknown
  try {
    blocks = JSON.parse(blocksJson)
  } catch {
    return ''
  }
  if (!Array.isArray(blocks)) return ''
  const lines: string[] = []
  for (const block of blocks as Array<Record<string, unknown>>) {
    const parts: string[] = []
    const own = textOf(block.text)
    if (own !== undefined) parts.push(own)
    for (const list of [block.fields, block.elements]) {
      if (!Array.isArray(list)) continue
      for (const el of list) {
        const t = typeof el === 'object' && el !== null && 'type' in el && (el as { type: unknown }).type === 'button' ? textOf((el as { text?: unknown }).text) : textOf(el)
        if (t !== undefined) parts.push(t)
      }
    }
    if (parts.length > 0) lines.push(parts.join(' '))
  }
  return lines.join('\n')
}
