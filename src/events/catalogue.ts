/**
 * The webhook event catalogue: the names a subscription may use, how both spellings map to one,
 * which filters each accepts, and how a subscriber's scopes shape the delivered body.
 */

/** Events Atrium emits and delivers. */
export const DELIVERED_EVENTS = [
  'chat.message.dm',
  'chat.message.channel',
  'chat.message.mention',
  'chat.message.reaction',
  'recording.saved',
  'transcript.started',
  'transcript.saved',
  'lobby.booked',
  'user.status.update',
] as const

/** Roam's On-Air and Magicast events: subscribable on /v0 and /v1, never emitted (Atrium has neither). */
const ACCEPTED_NOT_EMITTED = [
  'onair.event.created',
  'onair.event.updated',
  'onair.event.canceled',
  'onair.guest.rsvp',
  'onair.guest.added',
  'magicast.created',
] as const

/**
 * Every name webhook.subscribe accepts: the delivered events plus Roam's On-Air and Magicast events,
 * which are accepted (so integrations written for Roam can subscribe) but never emitted.
 */
export const SUBSCRIBABLE_EVENTS = [...DELIVERED_EVENTS, ...ACCEPTED_NOT_EMITTED] as const

export type EventName = (typeof SUBSCRIBABLE_EVENTS)[number]

const subscribable = new Set<string>(SUBSCRIBABLE_EVENTS)

/**
 * The event names of Roam's `/v1` webhooks: dot names only. `chat.message` is one event for a
 * message's creation, edits and deletion; `meeting.*` replace v0's transcript and recording
 * events. On-Air and Magicast events are accepted but never emitted (Atrium has neither).
 */
export const V1_EVENTS = ['chat.message', 'meeting.started', 'meeting.ended', 'lobby.booked', ...ACCEPTED_NOT_EMITTED] as const

export type V1EventName = (typeof V1_EVENTS)[number]

const v1Events = new Set<string>(V1_EVENTS)

/** v0 events that `/v1` does not take, with what to subscribe to there instead. */
const V0_ONLY: Readonly<Record<string, string | undefined>> = {
  'chat.message.dm': 'chat.message with the filter {"chatType": "dm"}',
  'chat.message.channel': 'chat.message with the filter {"chatType": "group"}',
  'chat.message.mention': 'chat.message with the filter {"mention": true}',
  'chat.message.reaction': undefined,
  'recording.saved': 'meeting.ended with the filter {"hasVideo": true}',
  'transcript.started': 'meeting.started',
  'transcript.saved': 'meeting.ended',
  'user.status.update': undefined,
}

/** A `/v1` event name, or the 400 message saying why the name is not one. */
export function v1EventName(name: string): { event: V1EventName } | { problem: string } {
  const trimmed = name.trim()
  if (v1Events.has(trimmed)) return { event: trimmed as V1EventName }
  if (trimmed.includes(':')) {
    return { problem: `event: ${JSON.stringify(name)} is a colon name, which only /v0/webhook.subscribe takes; /v1 events are dot names: ${V1_EVENTS.join(', ')}` }
  }
  if (trimmed in V0_ONLY) {
    const instead = V0_ONLY[trimmed]
    return {
      problem: `event: ${trimmed} is a v0 event (subscribe to it through /v0/webhook.subscribe)${instead ? `; on /v1 use ${instead}` : '; /v1 has no equivalent'}`,
    }
  }
  return { problem: `event: unknown event ${JSON.stringify(name)}; one of ${V1_EVENTS.join(', ')}` }
}

/**
 * The `/v1` event an outbox event feeds, if any: every kind of message event (post, edit,
 * deletion, and the mention copy of a post) is `chat.message`.
 */
export function v1EventOf(outboxType: string): V1EventName | undefined {
  switch (outboxType) {
    case 'chat.message.dm':
    case 'chat.message.channel':
    case 'chat.message.mention':
    case 'chat.message.updated':
    case 'chat.message.deleted':
      return 'chat.message'
    default:
      return v1Events.has(outboxType) ? (outboxType as V1EventName) : undefined
  }
}

/** `chat:message:dm` and `chat.message.dm` are the same event; returns the dotted name. */
export function normalizeEventName(name: string): EventName | undefined {
  const dotted = name.trim().replace(/:/g, '.')
  return subscribable.has(dotted) ? (dotted as EventName) : undefined
}

export interface SubscriptionFilter {
  lobbyId?: string
  codes?: string[]
  eventId?: string
  status?: 'invited' | 'going' | 'maybe' | 'notGoing'
  /** `/v1` `chat.message`: only DMs and multi-DMs (`dm`) or only group channels (`group`). */
  chatType?: 'dm' | 'group'
  /** `/v1` `chat.message`: only messages that @-mention the subscriber (true is the only value). */
  mention?: boolean
  /** `/v1` `meeting.ended`: only meetings with a recording (true is the only value). */
  hasVideo?: boolean
}

/** Which filter fields apply to which events (webhooks.json WebhookSubscriptionFilter, and /v1's). */
const filterEvents: Record<keyof SubscriptionFilter, (event: EventName | V1EventName) => boolean> = {
  lobbyId: (e) => e === 'lobby.booked',
  codes: (e) => e === 'chat.message.reaction',
  eventId: (e) => e.startsWith('onair.'),
  status: (e) => e === 'onair.guest.rsvp',
  chatType: (e) => e === 'chat.message',
  mention: (e) => e === 'chat.message',
  hasVideo: (e) => e === 'meeting.ended',
}

/** Returns the problem with a filter for an event, or undefined when it is acceptable. */
export function filterProblem(event: EventName | V1EventName, filter: SubscriptionFilter): string | undefined {
  const keys = Object.keys(filter) as Array<keyof SubscriptionFilter>
  if (keys.length === 0) return 'filter: must not be empty; omit it to receive every event'
  for (const key of keys) {
    if (!filterEvents[key]?.(event)) return `filter/${key}: does not apply to ${event}`
  }
  if (filter.codes && filter.codes.length === 0) return 'filter/codes: must list at least one reaction code'
  if (filter.mention === false) return 'filter/mention: false is not a filter; omit it to receive every message'
  if (filter.hasVideo === false) return 'filter/hasVideo: false is not a filter; omit it to receive every ended meeting'
  return undefined
}

/**
 * Whether an event passes a subscription's filter. `subscriber.mentioned` tells whether the
 * subscriber is @-mentioned (for `/v1`'s `mention`).
 */
export function passesFilter(filter: SubscriptionFilter | null, payload: unknown, routing: Record<string, unknown>, subscriber: { mentioned?: boolean } = {}): boolean {
  if (!filter) return true
  const body = (payload ?? {}) as Record<string, unknown>
  if (filter.chatType !== undefined && body.chatType !== filter.chatType) return false
  if (filter.mention === true && subscriber.mentioned !== true) return false
  if (filter.hasVideo === true && body.hasVideo !== true) return false
  if (filter.lobbyId !== undefined) {
    const lobby = (body.lobby ?? {}) as Record<string, unknown>
    if (routing.lobbyId !== filter.lobbyId && lobby.id !== filter.lobbyId) return false
  }
  if (filter.codes !== undefined && !filter.codes.includes(String(body.name))) return false
  if (filter.eventId !== undefined) {
    const event = (body.event ?? {}) as Record<string, unknown>
    if (event.id !== filter.eventId) return false
  }
  if (filter.status !== undefined) {
    const guest = (body.guest ?? {}) as Record<string, unknown>
    if (guest.status !== filter.status) return false
  }
  return true
}

type Json = Record<string, unknown>

function withoutEmail(user: unknown): unknown {
  if (!user || typeof user !== 'object') return user
  const { email: _email, ...rest } = user as Json
  return rest
}

/**
 * The body a subscriber receives: the event payload with the fields its scopes do not cover
 * removed. E-mail addresses need `user:read.email`; participant lists of recordings and
 * transcripts need `user:read` and `user:read.email` (webhooks.json). Lobby bookings keep their
 * host and invitee e-mails: the schema requires them and a booking is about those people.
 */
export function shapePayload(type: string, payload: unknown, scopes: ReadonlySet<string>): unknown {
  const email = scopes.has('user:read.email')
  const people = email && scopes.has('user:read')
  if (!payload || typeof payload !== 'object') return payload
  const body = { ...(payload as Json) }
  switch (type) {
    case 'user.status.update':
      return email ? body : withoutEmail(body)
    case 'chat.message.reaction':
      if (!email) body.user = withoutEmail(body.user)
      return body
    case 'transcript.started':
      if (!email) delete body.hostEmail
      return body
    case 'recording.saved':
      if (!people) delete body.participants
      if (!email && body.host) body.host = withoutEmail(body.host)
      return body
    case 'transcript.saved':
      if (!people) delete body.participants
      if (!email) delete body.invitees
      return body
    case 'meeting.started':
    case 'meeting.ended':
      if (!email && Array.isArray(body.participants)) body.participants = body.participants.map(withoutEmail)
      return body
    default:
      return body
  }
}
