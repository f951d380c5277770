import { useEffect, useState } from 'react'

/**
 * Emoji shortcodes (`:wave:` → 👋) from emojibase-data: the names Slack uses (iamcal's preset,
 * e.g. `:thumbsup:`, `:+1:`), emojibase's own, and CLDR's (`:thumbs_up:`, the names reactions
 * use). The data (about 0.9 MB of JSON) is loaded on first use with a dynamic import, so it is a chunk of its
 * own and the main bundle does not carry it.
 */
export interface Emoji {
  unicode: string
  label: string
  /** The first is the preferred name. */
  shortcodes: string[]
  tags: string[]
}

export interface EmojiIndex {
  emojis: Emoji[]
  /** Emoji of a shortcode (without colons, lower case). */
  byShortcode: Map<string, Emoji>
}

interface CompactEmoji {
  hexcode: string
  label: string
  unicode: string
  tags?: string[]
  order?: number
}
type Shortcodes = Record<string, string | string[]>

let loading: Promise<EmojiIndex> | null = null
let loaded: EmojiIndex | null = null

export function buildIndex(compact: CompactEmoji[], presets: Shortcodes[]): EmojiIndex {
  const byShortcode = new Map<string, Emoji>()
  const emojis: Emoji[] = []
  for (const e of [...compact].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))) {
    const codes: string[] = []
    for (const preset of presets) {
      const c = preset[e.hexcode]
      for (const code of c === undefined ? [] : Array.isArray(c) ? c : [c]) if (!codes.includes(code.toLowerCase())) codes.push(code.toLowerCase())
    }
    if (codes.length === 0) continue
    const emoji: Emoji = { unicode: e.unicode, label: e.label, shortcodes: codes, tags: e.tags ?? [] }
    emojis.push(emoji)
    for (const code of codes) if (!byShortcode.has(code)) byShortcode.set(code, emoji)
  }
  return { emojis, byShortcode }
}

/** Loads the emoji data once (a separate chunk); later calls share the same promise. */
export function loadEmoji(): Promise<EmojiIndex> {
  loading ??= Promise.all([
    import('emojibase-data/en/compact.json'),
    import('emojibase-data/en/shortcodes/iamcal.json'),
    import('emojibase-data/en/shortcodes/emojibase.json'),
    import('emojibase-data/en/shortcodes/cldr.json'),
  ]).then(([compact, iamcal, emojibase, cldr]) => {
    loaded = buildIndex(compact.default as unknown as CompactEmoji[], [iamcal.default, emojibase.default, cldr.default] as unknown as Shortcodes[])
    return loaded
  })
  loading.catch(() => {
    loading = null
  })
  return loading
}

/** The emoji index once loaded (null before); `wanted` false neither loads nor waits. */
export function useEmoji(wanted = true): EmojiIndex | null {
  const [index, setIndex] = useState<EmojiIndex | null>(loaded)
  useEffect(() => {
    if (!wanted || index) return
    let live = true
    void loadEmoji().then((i) => live && setIndex(i))
    return () => {
      live = false
    }
  }, [wanted, index])
  return index
}

const SHORTCODE = /:([a-z0-9_+-]+):/gi

/** Whether text may hold a shortcode (worth loading the data for). */
export function mayHaveShortcodes(text: string): boolean {
  return /:[a-z0-9_+-]+:/i.test(text)
}

/** Replaces every known `:shortcode:` in plain text by its emoji; unknown ones stay as written. */
export function replaceShortcodes(text: string, index: EmojiIndex): string {
  return text.replace(SHORTCODE, (whole, code: string) => index.byShortcode.get(code.toLowerCase())?.unicode ?? whole)
}

/**
 * Emoji whose shortcode starts with the query (shortest names first), then those whose shortcode,
 * name or tags contain it.
 */
export function searchEmoji(index: EmojiIndex, query: string, limit: number): Emoji[] {
  const q = query.trim().toLowerCase()
  if (!q) return index.emojis.slice(0, limit)
  const starts: Array<[number, Emoji]> = []
  const contains: Emoji[] = []
  for (const e of index.emojis) {
    const prefix = e.shortcodes.filter((c) => c.startsWith(q))
    if (prefix.length > 0) starts.push([Math.min(...prefix.map((c) => c.length)), e])
    else if (e.shortcodes.some((c) => c.includes(q)) || e.label.toLowerCase().includes(q) || e.tags.some((t) => t.startsWith(q))) contains.push(e)
  }
  starts.sort((a, b) => a[0] - b[0])
  return [...starts.map(([, e]) => e), ...contains].slice(0, limit)
}

/** The shortcode a caret is completing: `:` then at least two name characters, at a word start. */
export function shortcodeQuery(beforeCaret: string): string | null {
  const m = /(^|[\s([{"']):([a-z0-9_+-]{2,})$/i.exec(beforeCaret)
  return m ? m[2]! : null
}

/** A shortcode just closed before the caret (`… :wave:`), if it names an emoji. */
export function closedShortcode(beforeCaret: string, index: EmojiIndex): { length: number; emoji: Emoji } | null {
  const m = /(^|[\s([{"']):([a-z0-9_+-]+):$/i.exec(beforeCaret)
  if (!m) return null
  const emoji = index.byShortcode.get(m[2]!.toLowerCase())
  return emoji ? { length: m[2]!.length + 2, emoji } : null
}

/** As replaceShortcodes, leaving code (`inline` and fenced blocks) as written. */
export function replaceShortcodesOutsideCode(text: string, index: EmojiIndex): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : replaceShortcodes(part, index)))
    .join('')
}

interface MdNode {
  type: string
  value?: string
  children?: MdNode[]
}

/** A remark plugin: known shortcodes in the text of a message become emoji (never in code or URLs). */
export function remarkShortcodes(index: EmojiIndex | null) {
  return () => (tree: MdNode) => {
    if (!index) return
    const walk = (node: MdNode) => {
      if (node.type === 'text' && node.value) node.value = replaceShortcodes(node.value, index)
      node.children?.forEach(walk)
    }
    walk(tree)
  }
}
