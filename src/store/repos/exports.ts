import type { MessagePersona } from '../../domain.js'
import type { Executor } from '../db.js'

/**
 * Time-ordered scans across every chat of an organization, for the compliance export. Each kind
 * of event has its own instant column and its own index (created_at, edited_at, deleted_at, each
 * followed by chat_id, ts; see migration 0007), so a page is one index range read, whatever the
 * size of the day.
 */

export type MessageEventKind = 'sent' | 'edited' | 'deleted'

const column = { sent: 'created_at', edited: 'edited_at', deleted: 'deleted_at' } as const

/** Keyset position in one event stream: (event instant, chat, message key). */
export interface EventPosition {
  at: number
  chatId: string
  ts: number
}

export interface MessageEventRecord {
  kind: MessageEventKind
  /** When the event happened (µs): sent, last edited or deleted. */
  at: number
  chatId: string
  ts: number
  threadTs: number | null
  sender: string
  contentType: string
  text: string | null
  markdown: boolean
  blocks: string | null
  /** The bot persona of an HQ v1 message sent under one, else null. */
  persona: MessagePersona | null
  createdAt: number
}

/**
 * Up to `limit` events of one kind with `from ≤ instant < to` in the organization's chats, strictly
 * after `after`, ordered by (instant, chat, key).
 */
export async function messageEventPage(
  db: Executor,
  orgId: string,
  kind: MessageEventKind,
  opts: { from: number; to: number; after?: EventPosition; limit: number },
): Promise<MessageEventRecord[]> {
  const at = column[kind]
  let query = db
    .selectFrom('messages')
    .innerJoin('chats', 'chats.id', 'messages.chat_id')
    .select([
      `messages.${at} as at`,
      'messages.chat_id',
      'messages.ts',
      'messages.thread_ts',
      'messages.sender',
      'messages.content_type',
      'messages.text',
      'messages.markdown',
      'messages.blocks',
      'messages.persona',
      'messages.created_at',
    ])
    .where('chats.org_id', '=', orgId)
    .where(`messages.${at}`, '>=', opts.from)
    .where(`messages.${at}`, '<', opts.to)
  if (opts.after) {
    const { at: a, chatId, ts } = opts.after
    query = query.where((eb) => eb(eb.refTuple(`messages.${at}`, 'messages.chat_id', 'messages.ts'), '>', eb.tuple(a, chatId, ts)))
  }
  const rows = await query.orderBy(`messages.${at}`).orderBy('messages.chat_id').orderBy('messages.ts').limit(opts.limit).execute()
  return rows.map((r) => ({
    kind,
    at: Number(r.at),
    chatId: r.chat_id,
    ts: r.ts,
    threadTs: r.thread_ts,
    sender: r.sender,
    contentType: r.content_type,
    text: r.text,
    markdown: r.markdown === 1,
    blocks: r.blocks,
    persona: r.persona === null ? null : (JSON.parse(r.persona) as MessagePersona),
    createdAt: r.created_at,
  }))
}
