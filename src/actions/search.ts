import { canReadChat, requireChatRead } from '../access.js'
import { keysetCursor, parseKeysetCursor } from './keyset.js'
import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { fail } from '../errors.js'
import { parseTagged } from '../ids.js'
import { searchableText, snippetOf, wordsOf, type SearchTerms } from '../search-text.js'
import { listChatReadCandidates } from '../store/repos/chats.js'
import { searchMessages as searchStore } from '../store/repos/messages.js'
import { parseDateParam } from '../time.js'
import { chatAddress, resolveExistingChat } from './chats.js'

/** Limits of `query`: its length in characters (UTF-16 units, as JSON Schema counts) and its number of distinct words. */
export const SEARCH_QUERY_LIMITS = { length: 256, words: 16 } as const

export interface SearchInput {
  query: string
  chat?: string
  from?: string
  hasFile?: boolean
  after?: string
  before?: string
  cursor?: string
  limit: number
}

export interface SearchHit {
  chat: string
  timestamp: number
  sender: string
  threadTimestamp?: number
  snippet: string
  highlights: Array<{ start: number; end: number }>
}

export interface SearchPage {
  messages: SearchHit[]
  nextCursor?: string
}

/**
 * The caller's text as search terms: its words (letters, marks and digits; everything else only
 * separates them), all required, the last one also as a prefix. Operators, quotes and the
 * engines' special characters are never passed on: the store quotes each word itself.
 */
export function parseSearchQuery(query: string): SearchTerms {
  if (query.length > SEARCH_QUERY_LIMITS.length) fail('invalid_request', `query: must be at most ${SEARCH_QUERY_LIMITS.length} characters`)
  const words = [...new Set(wordsOf(query).map((w) => w.folded))]
  if (words.length === 0) fail('invalid_request', 'query: must contain at least one letter or digit')
  if (words.length > SEARCH_QUERY_LIMITS.words) fail('invalid_request', `query: must have at most ${SEARCH_QUERY_LIMITS.words} distinct words`)
  return { words, prefixLast: true }
}

function parseDate(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined
  const at = parseDateParam(value)
  if (at === undefined) fail('invalid_request', `${field}: must be YYYY-MM-DD or an RFC 3339 date-time`)
  return at
}

/**
 * `GET /atrium/search.messages` (an Atrium extension): live messages containing every word of
 * `query`, in the chats the caller may read by the rule chat.history applies (access.canReadChat),
 * newest first by message key. `chat` narrows to one chat (403 as chat.history when it is not
 * readable); `from` to a sender; `hasFile` to messages with (or without) attached items;
 * `after` (inclusive) and `before` (exclusive) to a key range. Keyset paging on (key, chat).
 */
export async function searchMessages(ctx: Context, principal: Principal, input: SearchInput): Promise<SearchPage> {
  const terms = parseSearchQuery(input.query)
  if (input.from !== undefined) {
    const tag = parseTagged(input.from)?.tag
    if (tag !== 'U' && tag !== 'B') fail('invalid_request', 'from: must be a user (U-) or bot (B-) id')
  }
  const after = parseDate(input.after, 'after')
  const before = parseDate(input.before, 'before')
  const parsed = input.cursor === undefined ? undefined : parseKeysetCursor(input.cursor, 'search.messages')
  const cursor = parsed && { ts: parsed.at, chatId: parsed.id }

  const addresses = new Map<string, string>()
  if (input.chat !== undefined) {
    const target = await resolveExistingChat(ctx.db, principal, input.chat)
    requireChatRead(principal, target.facts)
    addresses.set(target.chat.id, target.address)
  } else {
    for (const c of await listChatReadCandidates(ctx.db, principal.orgId, principal.address)) {
      const facts = { kind: c.chat.kind, groupPrivate: c.groupPrivate, groupArchived: c.groupArchived, member: c.member }
      if (canReadChat(principal, facts)) addresses.set(c.chat.id, chatAddress(c.chat))
    }
  }

  const rows = await searchStore(ctx.db, {
    words: terms.words,
    prefixLast: terms.prefixLast,
    chatIds: [...addresses.keys()],
    ...(input.from !== undefined ? { sender: input.from } : {}),
    ...(input.hasFile !== undefined ? { hasFile: input.hasFile } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(cursor ? { cursor } : {}),
    limit: input.limit,
  })
  const page = rows.slice(0, input.limit)
  const messages = page.map((m): SearchHit => {
    const thread = m.threadTs ?? m.replyTs
    const snippet = snippetOf(searchableText(m), terms)
    return {
      chat: addresses.get(m.chatId)!,
      timestamp: m.ts,
      sender: m.sender,
      ...(thread !== null ? { threadTimestamp: thread } : {}),
      snippet: snippet.text,
      highlights: snippet.highlights,
    }
  })
  const last = page[page.length - 1]
  return rows.length > input.limit && last ? { messages, nextCursor: keysetCursor(last.ts, last.chatId) } : { messages }
}
