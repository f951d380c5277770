import { Type } from 'typebox'
import { deliveryLog, listAllSubscriptions, replayDelivery, setSubscriptionEnabled } from '../../actions/webhooks.js'
import { ADMIN_READ, ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

const Subscription = Type.Object({
  id: Type.String({ format: 'uuid' }),
  event: Type.String(),
  url: Type.String(),
  filter: Type.Optional(Type.Object({}, { additionalProperties: true })),
  apiVersion: Type.Optional(Type.String({ description: '/v1 subscriptions: the dated version of their deliveries (absent: /v0, bare objects)' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  static: Type.Optional(Type.Boolean()),
  model: Type.Union([Type.Literal('organization'), Type.Literal('personal')]),
  appId: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  consecutiveFailures: Type.Integer(),
  disabledReason: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
})

const Attempt = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('http_error'), Type.Literal('timeout'), Type.Literal('network'), Type.Literal('blocked')]),
  statusCode: Type.Optional(Type.Integer()),
  latencyMs: Type.Integer(),
  response: Type.Optional(Type.String({ description: 'Response body, first 1024 characters' })),
  error: Type.Optional(Type.String()),
  at: Type.String({ format: 'date-time' }),
})

const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])

const Delivery = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Also the webhook-id header of every attempt' }),
  subscriptionId: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
  event: Type.String(),
  url: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Array(Attempt),
  nextAttemptAt: Type.Optional(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
})

const IdBody = Type.Object({ id: Type.String({ format: 'uuid' }) })

/** Webhook administration: every subscription of the organization, the delivery log, replay, re-enable. */
export default async function adminWebhookRoutes(app: AdminApp): Promise<void> {
  app.get(
    '/webhooks.list',
    {
      schema: { tags: ['Admin'], summary: 'All webhook subscriptions', response: { 200: Type.Object({ webhooks: Type.Array(Subscription) }), ...errorResponses(401, 403) } },
      config: { auth: ADMIN_READ },
    },
    async (request) => ({ webhooks: await listAllSubscriptions(app.ctx, principalOf(request).orgId) }),
  )

  app.get(
    '/webhooks.deliveries',
    {
      schema: {
        tags: ['Admin'],
        summary: 'Webhook delivery log, newest first, with every attempt',
        querystring: Type.Object({
          subscriptionId: Type.Optional(Type.String({ format: 'uuid' })),
          status: Type.Optional(DeliveryStatus),
          limit: Limit(100, 20),
          cursor: Type.Optional(Cursor),
        }),
        response: { 200: Type.Object({ deliveries: Type.Array(Delivery), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_READ },
    },
    async (request) => deliveryLog(app.ctx, principalOf(request).orgId, request.query),
  )

  app.post(
    '/webhooks.replay',
    {
      schema: {
        tags: ['Admin'],
        summary: 'Send a delivery again (same webhook-id) on the next dispatcher round',
        body: IdBody,
        response: { 200: Delivery, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => replayDelivery(app.ctx, principalOf(request).orgId, request.body.id),
  )

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(
      `/webhooks.${verb}`,
      {
        schema: { tags: ['Admin'], summary: `${verb === 'enable' ? 'Re-enable' : 'Disable'} a webhook subscription`, body: IdBody, response: { 200: Subscription, ...errorResponses(400, 401, 403, 404) } },
        config: { auth: ADMIN_WRITE },
      },
      async (request) => setSubscriptionEnabled(app.ctx, principalOf(request).orgId, request.body.id, enabled),
    )
  }
}
