import { Type } from 'typebox'
import { listOwnSubscriptions, subscribe, unsubscribe } from '../../actions/webhooks.js'
import { SUBSCRIBABLE_EVENTS } from '../../events/catalogue.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'

const eventNames = [...SUBSCRIBABLE_EVENTS, ...SUBSCRIBABLE_EVENTS.map((e) => e.replace(/\./g, ':'))]

const Filter = Type.Object(
  {
    lobbyId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'For `lobby.booked`: only bookings of this lobby' })),
    codes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, description: 'For `chat.message.reaction`: only these reaction codes' }),
    ),
    eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'For On-Air events: only this event' })),
    status: Type.Optional(Type.Union([Type.Literal('invited'), Type.Literal('going'), Type.Literal('maybe'), Type.Literal('notGoing')])),
  },
  { additionalProperties: false, description: 'Event-specific filter; omit it (or send null) to receive every event. `{}` is rejected.' },
)

const SubscribeBody = Type.Object({
  url: Type.String({ format: 'uri', minLength: 1, maxLength: 255, description: 'Destination URL for deliveries' }),
  event: Type.String({
    minLength: 1,
    maxLength: 64,
    description: `Event to subscribe to, one of ${eventNames.join(', ')}; colon and dot spellings name the same event`,
  }),
  filter: Type.Optional(Type.Union([Filter, Type.Null()])),
})

const Webhook = Type.Object({
  id: Type.String({ format: 'uuid' }),
  event: Type.String({ description: 'Subscribed event (dotted name; `*` for the static webhook URL)' }),
  url: Type.String(),
  filter: Type.Optional(Filter),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'Atrium extension' }),
  static: Type.Optional(Type.Boolean({ description: "Atrium extension: the app's configured webhook URL" })),
  signingSecret: Type.Optional(
    Type.String({ description: 'Atrium extension, personal access tokens only, shown once: the secret signing this subscription’s deliveries' }),
  ),
})

const UnsubscribeFields = Type.Object({
  id: Type.Optional(Type.String({ description: 'Subscription id' })),
  url: Type.Optional(Type.String({ description: 'With event: the subscription for this URL' })),
  event: Type.Optional(Type.String()),
})

export default async function webhookRoutes(app: V0App): Promise<void> {
  app.post(
    '/webhook.subscribe',
    {
      schema: {
        summary: 'Subscribe to webhook',
        description:
          'Creates a webhook subscription, or updates the filter of the existing one for the same event and URL. Deliveries are signed (Standard Webhooks) with the app’s signing secret.',
        tags: ['Webhooks'],
        body: SubscribeBody,
        response: { 200: Webhook, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['webhook:write']], models: ORG_AND_PERSONAL } },
    },
    async (request) => subscribe(app.ctx, principalOf(request), request.body),
  )

  app.get(
    '/webhook.list',
    {
      schema: {
        summary: 'List webhook subscriptions',
        description: 'Atrium extension: the subscriptions of the calling app or grant, including the app’s static webhook URL.',
        tags: ['Webhooks'],
        response: { 200: Type.Object({ webhooks: Type.Array(Webhook) }), ...errorResponses(401, 403) },
      },
      config: { auth: { scopes: [['webhook:read'], ['webhook:write']], models: ORG_AND_PERSONAL } },
    },
    async (request) => ({ webhooks: await listOwnSubscriptions(app.ctx, principalOf(request)) }),
  )

  // The id may come as a form field (Roam's documented shape; the app parses form bodies), in
  // JSON, or in the query string.
  app.post(
    '/webhook.unsubscribe',
    {
      schema: {
        summary: 'Unsubscribe from webhook',
        description: 'Removes a subscription by id (form field, JSON or query), or by `url` and `event`.',
        tags: ['Webhooks'],
        querystring: UnsubscribeFields,
        body: Type.Optional(Type.Union([UnsubscribeFields, Type.Null()])),
        response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['webhook:write']], models: ORG_AND_PERSONAL } },
    },
    async (request, reply) => {
      const fields = { ...request.query, ...(request.body ?? {}) }
      await unsubscribe(app.ctx, principalOf(request), fields)
      return reply.code(204).send(null)
    },
  )
}
