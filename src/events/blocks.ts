/**
 * Finding interactive buttons in a message's Block Kit blocks. A button is interactive when it has
 * an `action_id` and no `url` (roam-block-kit.txt); it sits in an `actions` block or as a section's
 * `accessory`. A block's id is its `block_id`, or else `<type>-<n>` with n counting blocks of that
 * type from 1 (the first actions block is `actions-1`, as in Roam's example payload).
 */

export interface InteractiveButton {
  blockId: string
  actionId: string
  value: string
}

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function interactive(element: unknown): element is Json {
  return isObject(element) && element.type === 'button' && typeof element.action_id === 'string' && element.url === undefined
}

/** Every interactive button of the blocks, in order. */
export function interactiveButtons(blocks: unknown[]): InteractiveButton[] {
  const counts = new Map<string, number>()
  const out: InteractiveButton[] = []
  for (const block of blocks) {
    if (!isObject(block)) continue
    const type = String(block.type)
    const n = (counts.get(type) ?? 0) + 1
    counts.set(type, n)
    const blockId = typeof block.block_id === 'string' ? block.block_id : `${type}-${n}`
    const candidates = type === 'actions' && Array.isArray(block.elements) ? block.elements : type === 'section' ? [block.accessory] : []
    for (const element of candidates) {
      if (interactive(element)) out.push({ blockId, actionId: element.action_id as string, value: typeof element.value === 'string' ? element.value : '' })
    }
  }
  return out
}
