import { Type } from 'typebox'
import { subscribeV1 } from '../../actions/webhooks.js'
import { API_VERSIONS } from '../../api-versions.js'
import { V1_EVENTS } from '../../events/catalogue.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { listAndUnsubscribeRoutes, webhookFields } from '../v0/webhook.js'
import type { V1App } from './index.js'

/**
 * Roam's `/v1` webhooks: the same subscriptions, access rules and dispatcher as `/v0`
 * (actions/webhooks.ts), with dot-named `/v1` events, their filters, and the dated version the
 * deliveries follow. Errors are `/v1`'s `{ok: false, error, message}`.
 */

const versions = API_VERSIONS.map((v) => v.version).join(', ')

const Filter = Type.Object(
  {
    chatType: Type.Optional(Type.Union([Type.Literal('dm'), Type.Literal('group')], { description: '`chat.message`: only DMs and multi-DMs (`dm`) or only group channels (`group`)' })),
    mention: Type.Optional(Type.Boolean({ description: '`chat.message`: `true` for only messages that @-mention the subscriber; `false` is rejected (omit it)' })),
    hasVideo: Type.Optional(Type.Boolean({ description: '`meeting.ended`: `true` for only meetings with a recording; `false` is rejected (omit it)' })),
    lobbyId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: '`lobby.booked`: only bookings of this lobby' })),
    eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'On-Air events: only this event' })),
    status: Type.Optional(Type.Union([Type.Literal('invited'), Type.Literal('going'), Type.Literal('maybe'), Type.Literal('notGoing')])),
  },
  { additionalProperties: false, description: 'Event-specific filter; omit it to receive every event. `{}` is rejected.' },
)

const Version = Type.String({ minLength: 1, maxLength: 32, description: `Dated version of the deliveries, one of ${versions}; defaults to the request's served version` })

const SubscribeBody = Type.Object({
  url: Type.String({ format: 'uri', minLength: 1, maxLength: 255, description: 'Destination URL for deliveries' }),
  event: Type.String({ minLength: 1, maxLength: 64, description: `Event to subscribe to (dot names only): ${V1_EVENTS.join(', ')}` }),
  filter: Type.Optional(Type.Union([Filter, Type.Null()])),
  apiVersion: Type.Optional(Version),
  version: Type.Optional({ ...Version, description: 'The same as apiVersion (the name Roam’s OpenClaw plugin sends)' }),
})

const Webhook = Type.Object({
  ...webhookFields,
  filter: Type.Optional(Filter),
  apiVersion: Type.Optional(Type.String({ description: 'Dated version of the deliveries (absent for /v0 subscriptions: bare objects)' })),
})

export default async function webhookRoutesV1(app: V1App): Promise<void> {
  app.post(
    '/webhook.subscribe',
    {
      schema: {
        summary: 'Subscribe to a webhook event',
        description:
          'Creates a subscription, or updates the filter of the existing one for the same event and URL (same id). From 2026-07-23 the URL must first echo a signed `webhook.verification` challenge.',
        tags: ['Webhooks'],
        body: SubscribeBody,
        response: { 200: Webhook, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['webhook:write']], models: ORG_AND_PERSONAL } },
    },
    async (request) => subscribeV1(app.ctx, principalOf(request), request.body, request.apiVersion),
  )

  await listAndUnsubscribeRoutes(app, { webhook: Webhook, surface: 'v1' })
}
