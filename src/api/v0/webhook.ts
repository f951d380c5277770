import { Type, type TObject } from 'typebox'
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

/** What both surfaces show of a subscription; each adds its own `filter` (and /v1 its `apiVersion`). */
export const webhookFields = {
  id: Type.String({ format: 'uuid' }),
  event: Type.String({ description: 'Subscribed event (dotted name; `*` for the static webhook URL)' }),
  url: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'Atrium extension' }),
  static: Type.Optional(Type.Boolean({ description: "Atrium extension: the app's configured webhook URL" })),
  signingSecret: Type.Optional(
    Type.String({ description: 'Atrium extension, personal access tokens only, shown once: the secret signing this subscription’s deliveries' }),
  ),
}

const Webhook = Type.Object({ ...webhookFields, filter: Type.Optional(Filter) })

const UnsubscribeFields = Type.Object({
  id: Type.Optional(Type.String({ description: 'Subscription id' })),
  url: Type.Optional(Type.String({ description: 'With event: the subscription for this URL' })),
  event: Type.Optional(Type.String()),
})

/**
 * `webhook.list` and `webhook.unsubscribe`, the same on /v0 and /v1 but for the subscription shape
 * shown and the event names `url`+`event` may use. Unsubscribe is POST only (another method is
 * 405 and leaves the subscription alone); the id may come as a form field (Roam's documented
 * shape), in JSON, or in the query string, or the subscription is named by url and event.
 */
export async function listAndUnsubscribeRoutes(app: V0App, opts: { webhook: TObject; surface: 'v0' | 'v1' }): Promise<void> {
  app.get(
    '/webhook.list',
    {
      schema: {
        summary: 'List webhook subscriptions',
        description: 'Atrium extension on /v0: the subscriptions of the calling app or grant (made through /v0 or /v1), including the app’s static webhook URL.',
        tags: ['Webhooks'],
        response: { 200: Type.Object({ webhooks: Type.Array(opts.webhook) }), ...errorResponses(401, 403) },
      },
      config: { auth: { scopes: [['webhook:read'], ['webhook:write']], models: ORG_AND_PERSONAL } },
    },
    async (request) => ({ webhooks: (await listOwnSubscriptions(app.ctx, principalOf(request))).map((view) => ({ ...view })) }),
  )

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
      await unsubscribe(app.ctx, principalOf(request), { ...request.query, ...(request.body ?? {}) }, opts.surface)
      return reply.code(204).send(null)
    },
  )
}

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

  await listAndUnsubscribeRoutes(app, { webhook: Webhook, surface: 'v0' })
}
