import { blocksToText } from './blockkit/text.js'
import type { Message } from './domain.js'

/**
 * What message search sees of a message, and how words are compared. Both databases index the
 * same words, produced here rather than by their own parsers (SQLite's unicode61 tokenizer and
 * PostgreSQL's text search parser disagree on URLs, e-mail addresses, hyphens and, under the C
 * locale, on every non-ASCII letter), so a query finds the same messages on either.
 *
 * A word is a maximal run of letters, combining marks and digits. Words are folded: decomposed
 * (NFD), combining non-spacing marks removed (so `café` and `cafe` match), lower-cased, and cut
 * to MAX_WORD_LENGTH code points. Everything else (spaces, punctuation, symbols, emoji) separates
 * words and is never searched. Scripts written without spaces (Chinese, Japanese) form one word
 * per run, so they are found by their first characters (the last query word is a prefix) but not
 * from the middle of a run.
 */

/** Longest word kept, in code points; longer words are cut to this length in messages and queries alike. */
export const MAX_WORD_LENGTH = 64

const wordRe = /[\p{L}\p{M}\p{N}]+/gu
/** Mention markup (`<@U-…>`, `<@all>`, Roam's `<!@U-…>`): shown as names, so its id is not searched. */
const mentionRe = /<!?@[^>\s]{0,80}>/g

export function foldWord(word: string): string {
  const folded = word.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().normalize('NFC')
  const points = Array.from(folded)
  return points.length > MAX_WORD_LENGTH ? points.slice(0, MAX_WORD_LENGTH).join('') : folded
}

export interface Word {
  /** UTF-16 offsets into the text. */
  start: number
  end: number
  folded: string
}

/** The words of `text`, with where they are; mention markup is skipped (offsets stay those of `text`). */
export function wordsOf(text: string): Word[] {
  const masked = text.replace(mentionRe, (m) => ' '.repeat(m.length))
  const out: Word[] = []
  for (const m of masked.matchAll(wordRe)) {
    const folded = foldWord(m[0])
    if (folded !== '') out.push({ start: m.index, end: m.index + m[0].length, folded })
  }
  return out
}

/**
 * The text a message shows, as search reads it: a text message's text (Markdown source, whose
 * punctuation separates words anyway), the visible text of Block Kit blocks (headers, sections,
 * fields, context and button labels, as the Roomlio facade and the export render them), a poll's
 * question and options. Attached files are not searched by name (filter with `hasFile`).
 */
export function searchableText(m: Pick<Message, 'contentType' | 'text' | 'blocks' | 'poll'>): string {
  if (m.contentType === 'block') return blocksToText(m.blocks === null ? null : JSON.stringify(m.blocks))
  if (m.contentType === 'poll' && m.poll) return [m.poll.question, ...m.poll.options.map((o) => o.text)].join('\n')
  return m.text ?? ''
}

/** The distinct folded words of a text, as both databases index them. */
export function indexedWords(text: string): string[] {
  return [...new Set(wordsOf(text).map((w) => w.folded))]
}

export interface SearchTerms {
  /** Folded, distinct, in the order given; all must occur. */
  words: string[]
  /** The last word also matches as a prefix (search while typing). */
  prefixLast: boolean
}

export function matchesTerms(folded: string, terms: SearchTerms): boolean {
  const last = terms.words.length - 1
  return terms.words.some((w, i) => folded === w || (terms.prefixLast && i === last && folded.startsWith(w)))
}

/** How much of a message a result shows around its first match, in UTF-16 units (an ellipsis marks a cut). */
export const SNIPPET_LENGTH = 200
const SNIPPET_LEAD = 60

export interface Snippet {
  text: string
  /** Ranges of `text` (UTF-16 offsets, end exclusive) holding a matched word, in order. */
  highlights: Array<{ start: number; end: number }>
}

const isLowSurrogate = (s: string, i: number) => i > 0 && i < s.length && /[\uDC00-\uDFFF]/.test(s[i]!)

/**
 * A plain-text window of `text` (white space flattened to single spaces) around its first word
 * matching `terms`, with the ranges of every matching word inside it. Clients render the ranges
 * as highlights over escaped text, so no markup travels.
 */
export function snippetOf(text: string, terms: SearchTerms): Snippet {
  const flat = text.replace(/\s/g, ' ')
  const words = wordsOf(flat)
  const first = words.find((w) => matchesTerms(w.folded, terms))
  let start = first ? Math.max(0, first.start - SNIPPET_LEAD) : 0
  if (start > 0) {
    // Begin at a word boundary when one is near, never inside a surrogate pair.
    const space = flat.indexOf(' ', start)
    if (space !== -1 && first && space < first.start) start = space + 1
    if (isLowSurrogate(flat, start)) start++
  }
  let end = Math.min(flat.length, start + SNIPPET_LENGTH)
  if (first && end < first.end) end = Math.min(flat.length, first.end)
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end)
    if (space > (first?.end ?? start)) end = space
    if (isLowSurrogate(flat, end)) end--
  }
  const lead = start > 0 ? '…' : ''
  const body = flat.slice(start, end)
  const out = `${lead}${body}${end < flat.length ? '…' : ''}`
  const highlights = words
    .filter((w) => w.start >= start && w.end <= end && matchesTerms(w.folded, terms))
    .map((w) => ({ start: w.start - start + lead.length, end: w.end - start + lead.length }))
  return { text: out, highlights }
}
