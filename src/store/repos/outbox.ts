import { newId } from '../../ids.js'
import type { Executor } from '../db.js'

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
  const id = newId()
  await db
    .insertInto('outbox')
    .values({
      id,
      org_id: event.orgId,
      type: event.type,
      payload: JSON.stringify(event.payload),
      routing: JSON.stringify(event.routing),
      created_at: event.createdAt,
    })
    .execute()
  return id
}
