import { newId } from '../../ids.js'
import { prepared, type Executor } from '../db.js'

/**
 * Who an event concerns, so the dispatcher can decide which subscriptions receive it without
 * re-reading the world: the chat it happened in, the addresses that take part, those mentioned.
 */
export interface EventRouting {
  chat?: string
  group?: string
  /** Tagged addresses the event involves (participants, members, the actor, the subject user). */
  addresses?: string[]
  mentions?: string[]
  lobbyId?: string
  meetingId?: string
  [key: string]: unknown
}

export interface NewEvent {
  orgId: string
  /** Dotted event name from the catalogue, e.g. `chat.message.channel`. */
  type: string
  /** The exact webhook body (webhooks.json schema for the event type). */
  payload: unknown
  routing: EventRouting
  createdAt: number
}

/** Records an event in the transactional outbox; call it inside the state change's transaction. */
export async function insertEvent(db: Executor, event: NewEvent): Promise<string> {
  const [id] = await insertEvents(db, [event])
  return id!
}

const insertOneQuery = prepared((db: Executor, id: string, org_id: string, type: string, payload: string, routing: string, created_at: number) =>
  db.insertInto('outbox').values({ id, org_id, type, payload, routing, created_at }),
)

/** Records several events of one state change in one statement, in order; returns their ids. */
export async function insertEvents(db: Executor, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return []
  const rows = events.map((event) => ({
    id: newId(),
    org_id: event.orgId,
    type: event.type,
    payload: JSON.stringify(event.payload),
    routing: JSON.stringify(event.routing),
    created_at: event.createdAt,
  }))
  if (rows.length === 1) {
    const [r] = rows as [(typeof rows)[0]]
    await insertOneQuery(db, r.id, r.org_id, r.type, r.payload, r.routing, r.created_at)
  } else {
    await db.insertInto('outbox').values(rows).execute()
  }
  return rows.map((r) => r.id)
}

/** An outbox row as the readers (webhook dispatcher, realtime hub) see it. */
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
