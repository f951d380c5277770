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

/**
 * Every name webhook.subscribe accepts: the delivered events plus Roam's On-Air and Magicast events,
 * which are accepted (so integrations written for Roam can subscribe) but never emitted.
 */
export const SUBSCRIBABLE_EVENTS = [
  ...DELIVERED_EVENTS,
  'onair.event.created',
  'onair.event.updated',
  'onair.event.canceled',
  'onair.guest.rsvp',
  'onair.guest.added',
  'magicast.created',
] as const

export type EventName = (typeof SUBSCRIBABLE_EVENTS)[number]

const subscribable = new Set<string>(SUBSCRIBABLE_EVENTS)

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
}

/** Which filter fields apply to which events (webhooks.json WebhookSubscriptionFilter). */
const filterEvents: Record<keyof SubscriptionFilter, (event: EventName) => boolean> = {
  lobbyId: (e) => e === 'lobby.booked',
  codes: (e) => e === 'chat.message.reaction',
  eventId: (e) => e.startsWith('onair.'),
  status: (e) => e === 'onair.guest.rsvp',
}

/** Returns the problem with a filter for an event, or undefined when it is acceptable. */
export function filterProblem(event: EventName, filter: SubscriptionFilter): string | undefined {
  const keys = Object.keys(filter) as Array<keyof SubscriptionFilter>
  if (keys.length === 0) return 'filter: must not be empty; omit it to receive every event'
  for (const key of keys) {
    if (!filterEvents[key](event)) return `filter/${key}: does not apply to ${event}`
  }
  if (filter.codes && filter.codes.length === 0) return 'filter/codes: must list at least one reaction code'
  return undefined
}

/** Whether an event passes a subscription's filter. */
export function passesFilter(filter: SubscriptionFilter | null, payload: unknown, routing: Record<string, unknown>): boolean {
  if (!filter) return true
  const body = (payload ?? {}) as Record<string, unknown>
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
    default:
      return body
  }
}
