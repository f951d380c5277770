import { atLeast, isApiVersion, BASELINE_VERSION } from '../api-versions.js'
import type { WebhookSubscription } from '../domain.js'
import { newTimeOrderedId } from '../ids.js'
import type { OutboxRecord } from '../store/repos/outbox.js'
import { microsToIsoMicros } from '../time.js'
import { shapePayload, type V1EventName } from './catalogue.js'

/**
 * The `/v1` wire format of webhook deliveries, built from the outbox events Atrium already
 * records (one rule for who hears what, two wire formats):
 * - `chat.message` data from the v0 ChatMessage payload of a post, edit or deletion, with bare
 *   UUIDs, the chat's type and the message's version;
 * - other events carry their payload (meeting events are recorded in the `/v1` shape);
 * - subscriptions at `2026-07-07` or later get the envelope `{type, eventId, timestamp,
 *   apiVersion, data}`, older ones the bare data. The event id is the delivery id, so the
 *   `webhook-id` header equals it on every attempt and replay.
 */

type Json = Record<string, unknown>

const untag = (value: unknown): string | undefined => (typeof value === 'string' ? (/^[A-Z]-/.test(value) ? value.slice(2) : value) : undefined)

/** Roam's `chatType`: a group's channel is `group`; DMs and multi-DMs are `dm`. */
function chatTypeOf(kind: string): 'dm' | 'group' {
  return kind === 'channel' ? 'group' : 'dm'
}

function v1Item(item: unknown): Json {
  const i = (item ?? {}) as Json
  const out: Json = { id: i.id, type: i.type }
  for (const key of ['mime', 'name', 'url', 'thumbnail', 'width', 'height', 'size']) if (i[key] !== undefined) out[key] = i[key]
  return out
}

/** `/v1` `chat.message` data of a message event (post, mention copy, edit, deletion). */
export function v1ChatMessage(event: OutboxRecord, chatKind: string): Json {
  const m = (event.payload ?? {}) as Json
  const version = typeof event.routing.version === 'number' ? event.routing.version : 1
  const identity: Json = {
    type: 'message',
    userId: untag(m.sender),
    chatId: untag(m.chat),
    chatType: chatTypeOf(chatKind),
    timestamp: m.timestamp,
    ...(m.threadTimestamp !== undefined ? { threadTimestamp: m.threadTimestamp } : {}),
    ...(m.replyTimestamp !== undefined ? { replyTimestamp: m.replyTimestamp } : {}),
    version,
  }
  if (event.type === 'chat.message.deleted') return { ...identity, contentType: 'deleted' }
  const items = Array.isArray(m.items) ? m.items.map(v1Item) : []
  return {
    ...identity,
    contentType: m.contentType,
    text: typeof m.text === 'string' ? m.text : '',
    ...(items.length > 0 ? { items } : {}),
    // A streamed message says whether it is still being written (and whether it is reasoning).
    ...(typeof m.streaming === 'boolean' ? { streaming: m.streaming } : {}),
    ...(m.thinking === true ? { thinking: true } : {}),
  }
}

/** The key two outbox rows of one message version share (a post and its mention copy). */
function eventKey(event: OutboxRecord, type: V1EventName, data: Json): string {
  if (type !== 'chat.message') return event.id
  return `chat.message:${String(data.chatId)}:${String(data.timestamp)}:${String(data.version)}`
}

export interface V1Delivery {
  /** The delivery id, the envelope's `eventId` and the `webhook-id` header. */
  id: string
  /** Deliveries are unique per (eventKey, subscription). */
  eventKey: string
  /** The event data (filters are applied to it). */
  data: Json
  body: string
}

export function v1Delivery(event: OutboxRecord, type: V1EventName, sub: WebhookSubscription, chatKind: string, scopes: ReadonlySet<string>, now: number): V1Delivery {
  const data = type === 'chat.message' ? v1ChatMessage(event, chatKind) : (shapePayload(type, event.payload, scopes) as Json)
  const id = newTimeOrderedId(Math.floor(now / 1000))
  const version = sub.apiVersion !== null && isApiVersion(sub.apiVersion) ? sub.apiVersion : BASELINE_VERSION
  const body = atLeast(version, '2026-07-07')
    ? JSON.stringify({ type, eventId: id, timestamp: microsToIsoMicros(event.createdAt), apiVersion: version, data })
    : JSON.stringify(data)
  return { id, eventKey: eventKey(event, type, data), data, body }
}

/** The signed subscribe-time challenge of `2026-07-23` and later: `{type: "webhook.verification", …, data: {challenge, event}}`. */
export function verificationEnvelope(id: string, challenge: string, event: string, version: string, at: number): string {
  return JSON.stringify({ type: 'webhook.verification', eventId: id, timestamp: microsToIsoMicros(at), apiVersion: version, data: { challenge, event } })
}
