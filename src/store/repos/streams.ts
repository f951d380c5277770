import type { Selectable } from 'kysely'
import type { Executor } from '../db.js'
import type { MessageStreamsTable } from '../schema.js'

export type StreamKind = 'text' | 'thinking'

/** A streamed message's stream: open until `finishedAt` is set (stopped, or swept when abandoned). */
export interface MessageStream {
  id: string
  orgId: string
  chatId: string
  ts: number
  owner: string
  kind: StreamKind
  createdAt: number
  lastActiveAt: number
  finishedAt: number | null
}

function toStream(row: Selectable<MessageStreamsTable>): MessageStream {
  return {
    id: row.id,
    orgId: row.org_id,
    chatId: row.chat_id,
    ts: Number(row.ts),
    owner: row.owner,
    kind: row.kind as StreamKind,
    createdAt: Number(row.created_at),
    lastActiveAt: Number(row.last_active_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  }
}

export async function insertStream(db: Executor, s: Omit<MessageStream, 'finishedAt' | 'lastActiveAt'>): Promise<MessageStream> {
  await db
    .insertInto('message_streams')
    .values({ id: s.id, org_id: s.orgId, chat_id: s.chatId, ts: s.ts, owner: s.owner, kind: s.kind, created_at: s.createdAt, last_active_at: s.createdAt, finished_at: null })
    .execute()
  return { ...s, lastActiveAt: s.createdAt, finishedAt: null }
}

export async function findStream(db: Executor, orgId: string, id: string): Promise<MessageStream | undefined> {
  const row = await db.selectFrom('message_streams').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst()
  return row ? toStream(row) : undefined
}

/**
 * Claims an open stream for one change: marks it active at `now` and returns it, or undefined when
 * it is finished. The UPDATE holds the row (PostgreSQL's row lock; SQLite's single writer) until the
 * transaction ends, so appends to one stream, and a sweep finishing it, take turns.
 */
export async function claimOpenStream(db: Executor, id: string, now: number): Promise<MessageStream | undefined> {
  const row = await db
    .updateTable('message_streams')
    .set({ last_active_at: now })
    .where('id', '=', id)
    .where('finished_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  return row ? toStream(row) : undefined
}

/**
 * Finishes an open stream; with `idleBefore`, only if nothing was appended since then (the sweep,
 * which must not finish a stream an append just kept alive). True for the one caller that finished it.
 */
export async function finishStream(db: Executor, id: string, now: number, idleBefore?: number): Promise<boolean> {
  let q = db.updateTable('message_streams').set({ finished_at: now }).where('id', '=', id).where('finished_at', 'is', null)
  if (idleBefore !== undefined) q = q.where('last_active_at', '<', idleBefore)
  const result = await q.executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Open streams with no append since before `idleBefore`, oldest first. */
export async function listIdleStreams(db: Executor, idleBefore: number, limit: number): Promise<MessageStream[]> {
  const rows = await db
    .selectFrom('message_streams')
    .selectAll()
    .where('finished_at', 'is', null)
    .where('last_active_at', '<', idleBefore)
    .orderBy('last_active_at')
    .limit(limit)
    .execute()
  return rows.map(toStream)
}

/** Which of a chat's messages were streamed: their kind and whether the stream is still open. */
export async function streamStates(db: Executor, chatId: string, tss: readonly number[]): Promise<Map<number, { kind: StreamKind; open: boolean }>> {
  const out = new Map<number, { kind: StreamKind; open: boolean }>()
  if (tss.length === 0) return out
  const rows = await db.selectFrom('message_streams').select(['ts', 'kind', 'finished_at']).where('chat_id', '=', chatId).where('ts', 'in', tss).execute()
  for (const r of rows) out.set(Number(r.ts), { kind: r.kind as StreamKind, open: r.finished_at === null })
  return out
}
