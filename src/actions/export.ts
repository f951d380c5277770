import { createHash } from 'node:crypto'
import type { Context } from '../context.js'
import type { MessagePersona } from '../domain.js'
import { fail } from '../errors.js'
import { messageEventPage, type EventPosition, type MessageEventKind, type MessageEventRecord } from '../store/repos/exports.js'
import { listAttachedItems, type AttachedItem } from '../store/repos/messages.js'
import { findSenders, type SenderInfo } from '../store/repos/rooms.js'
import { blocksToText } from '../blockkit/text.js'
import { itemUrl } from './message-text.js'
import { numericRoamId } from './v1.js'

/**
 * `messageevent.export`: the compliance export of one UTC day as NDJSON, one line per message
 * event (`sent`, `edited`, `deleted`) in the organization's chats, ordered by when the event
 * happened. It is produced as a stream: three keyset-paged scans (one per event kind, each on its
 * own index) are merged in time order, and each batch of lines is written before the next page is
 * read, so memory stays bounded by the page size whatever the size of the day.
 *
 * Choices where Roam's documentation is silent:
 * - Every day can be exported, also the current one (what has happened so far) and days without
 *   messages (an empty body).
 * - Atrium keeps the latest edit and the deletion instant of a message: a message edited several
 *   times in a day yields one `edited` event, at its last edit, with its current content.
 * - `timestamp` is the message key (µs, the original send time); `messageId` is a name-based UUID
 *   (version 5) of (chat, timestamp), the same for every event of one message and every export.
 * - System messages (membership notices) are not messages and are left out.
 */

export const EXPORT_PAGE_SIZE = 500

const DAY_US = 86_400_000_000
const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/

/** `YYYY-MM-DD` → the day's [start, end) in µs, or undefined when it is not a calendar date. */
export function parseExportDate(date: string): { from: number; to: number } | undefined {
  const m = dateRe.exec(date)
  if (!m) return undefined
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (new Date(ms).toISOString().slice(0, 10) !== date) return undefined
  return { from: ms * 1000, to: ms * 1000 + DAY_US }
}

type Participant =
  | { participantType: 'email'; id: string; displayName: string; email: string }
  | { participantType: 'bot'; id: string; displayName: string; roamId: number; integrationId: string; botCode: string }
  | { participantType: 'occupant'; id: string; displayName: string }

export interface MessageEventLine {
  eventType: MessageEventKind
  chatId: string
  threadTimestamp?: number
  timestamp: number
  messageId: string
  sender: Participant
  contentType: 'text'
  content: { text: string; markdownText: string; attachments: Array<{ itemUrl: string; itemType: string; name: string }> }
}

/** A stable UUID (version 5, SHA-1 name-based) for the message (chat, µs key). */
export function exportMessageId(chatId: string, ts: number): string {
  const hash = createHash('sha1').update(`atrium-message:${chatId}:${ts}`).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

const kindOrder: Record<MessageEventKind, number> = { sent: 0, edited: 1, deleted: 2 }

function before(a: MessageEventRecord, b: MessageEventRecord): boolean {
  if (a.at !== b.at) return a.at < b.at
  if (a.chatId !== b.chatId) return a.chatId < b.chatId
  if (a.ts !== b.ts) return a.ts < b.ts
  return kindOrder[a.kind] < kindOrder[b.kind]
}

/** One kind's events of the day, page by page on its index. */
async function* scan(ctx: Context, orgId: string, kind: MessageEventKind, range: { from: number; to: number }, pageSize: number): AsyncGenerator<MessageEventRecord> {
  let after: EventPosition | undefined
  for (;;) {
    const page = await messageEventPage(ctx.db, orgId, kind, { ...range, after, limit: pageSize })
    yield* page
    const last = page[page.length - 1]
    if (!last || page.length < pageSize) return
    after = { at: last.at, chatId: last.chatId, ts: last.ts }
  }
}

/** The three scans merged in event order. */
async function* merged(streams: Array<AsyncGenerator<MessageEventRecord>>): AsyncGenerator<MessageEventRecord> {
  const heads = await Promise.all(streams.map(async (s) => (await s.next()).value as MessageEventRecord | undefined))
  for (;;) {
    let pick = -1
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]
      if (h && (pick < 0 || before(h, heads[pick]!))) pick = i
    }
    if (pick < 0) return
    yield heads[pick]!
    heads[pick] = (await streams[pick]!.next()).value as MessageEventRecord | undefined
  }
}

function participant(address: string, sender: SenderInfo | undefined, roamId: number, persona: MessagePersona | null): Participant {
  if (sender?.kind === 'user') return { participantType: 'email', id: address, displayName: sender.name, email: sender.email }
  if (sender?.kind === 'bot') {
    // A message sent under a persona (v1 chat.sendMessage `sender`) shows it: botCode is its id.
    if (persona) return { participantType: 'bot', id: address, displayName: persona.name ?? persona.id, roamId, integrationId: sender.clientId, botCode: persona.id }
    return { participantType: 'bot', id: address, displayName: sender.name, roamId, integrationId: sender.clientId, botCode: sender.appId }
  }
  return { participantType: 'occupant', id: address, displayName: '' }
}

function line(ctx: Context, r: MessageEventRecord, sender: Participant, items: AttachedItem[]): MessageEventLine {
  const text = r.text ?? blocksToText(r.blocks)
  return {
    eventType: r.kind,
    chatId: r.chatId,
    ...(r.threadTs !== null ? { threadTimestamp: r.threadTs } : {}),
    timestamp: r.ts,
    messageId: exportMessageId(r.chatId, r.ts),
    sender,
    contentType: 'text',
    content: {
      text,
      markdownText: text,
      attachments: items.map((i) => ({ itemUrl: itemUrl(ctx.config, i.itemId), itemType: i.type, name: i.name })),
    },
  }
}

const SENDER_CACHE_MAX = 10_000

/**
 * Validates `date` and returns the day's export as NDJSON text chunks (one batch of lines each).
 * Nothing is read before the first chunk is asked for.
 */
export function exportMessageEvents(ctx: Context, orgId: string, date: string, opts: { pageSize?: number } = {}): AsyncGenerator<string> {
  const range = parseExportDate(date)
  if (!range) fail('invalid_request', `date: "${date}" is not a UTC date in YYYY-MM-DD format`)
  const pageSize = opts.pageSize ?? EXPORT_PAGE_SIZE
  return (async function* () {
    const roamId = numericRoamId(orgId)
    const senders = new Map<string, SenderInfo | undefined>()
    const events = merged((['sent', 'edited', 'deleted'] as const).map((kind) => scan(ctx, orgId, kind, range, pageSize)))
    let batch: MessageEventRecord[] = []
    const flush = async (): Promise<string> => {
      const unknown = [...new Set(batch.map((r) => r.sender).filter((a) => !senders.has(a)))]
      if (senders.size + unknown.length > SENDER_CACHE_MAX) senders.clear()
      const found = await findSenders(ctx.db, orgId, unknown)
      for (const a of unknown) senders.set(a, found.get(a))
      const items = await listAttachedItems(ctx.db, batch)
      const byMessage = new Map<string, AttachedItem[]>()
      for (const item of items) {
        const key = `${item.chatId}/${item.ts}`
        byMessage.set(key, [...(byMessage.get(key) ?? []), item])
      }
      const text = batch
        .map((r) => `${JSON.stringify(line(ctx, r, participant(r.sender, senders.get(r.sender), roamId, r.persona), byMessage.get(`${r.chatId}/${r.ts}`) ?? []))}\n`)
        .join('')
      batch = []
      return text
    }
    for await (const event of events) {
      if (event.contentType === 'system') continue
      batch.push(event)
      if (batch.length >= pageSize) yield await flush()
    }
    if (batch.length > 0) yield await flush()
  })()
}
