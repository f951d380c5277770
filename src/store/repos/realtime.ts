import type { Executor } from '../db.js'

export interface OutboxRecord {
  seq: number
  id: string
  orgId: string
  type: string
  payload: unknown
  routing: Record<string, unknown>
  createdAt: number
}

/** Highest outbox sequence number so far (0 when empty). */
export async function lastOutboxSeq(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst()
  return Number(row?.seq ?? 0)
}

/** Outbox rows with `seq > after`, oldest first (keyset on the primary key). */
export async function outboxAfter(db: Executor, after: number, limit: number): Promise<OutboxRecord[]> {
  const rows = await db.selectFrom('outbox').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute()
  return rows.map((r) => ({
    seq: Number(r.seq),
    id: r.id,
    orgId: r.org_id,
    type: r.type,
    payload: JSON.parse(r.payload) as unknown,
    routing: JSON.parse(r.routing) as Record<string, unknown>,
    createdAt: Number(r.created_at),
  }))
}
