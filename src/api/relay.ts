import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { deliverRelayPayload, parseRelayBody, relayForToken } from '../actions/relays.js'
import type { Context } from '../context.js'
import { AppError } from '../errors.js'
import { RELAY_LIMITS } from '../events/relays.js'
import { enforce, rateLimitHeaders, type RateLimiter } from '../http/ratelimit.js'
import { requireSafeInput } from '../http/input.js'
import { errorResponses } from '../http/schemas.js'

const Result = Type.Union([
  Type.Object({ posted: Type.Literal(false) }),
  Type.Object({ posted: Type.Literal(true), chat: Type.String(), timestamp: Type.Integer({ description: 'Message timestamp (Unix µs)' }) }),
])

/** Fastify's request log serializer (kept here for existing imports; see http/logging.ts). */

/**
 * A sender's delivery id: `Idempotency-Key`, or else Standard Webhooks' `webhook-id`, which a
 * sender repeats on every retry of one delivery.
 */
function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): { idempotencyKey?: string } {
  const explicit = headers['idempotency-key']
  if (typeof explicit === 'string') return { idempotencyKey: explicit }
  const webhookId = headers['webhook-id']
  return typeof webhookId === 'string' && /^[\x21-\x7e]{1,255}$/.test(webhookId) ? { idempotencyKey: `webhook-id:${webhookId}` } : {}
}

/**
 * `POST /relay/<token>`: the public end of a webhook relay. The secret in the path is the only
 * credential. The body is read as text whatever its Content-Type (many senders label JSON
 * loosely), at most 256 KiB (more is 413 while reading). Unknown, rotated, deleted or disabled
 * relays are 404 before the text is parsed; then malformed JSON is 400. Each relay has the
 * default per-credential request budget; requests for unknown relays are charged to the caller's
 * address, as failed authentication is elsewhere.
 */
export async function relayRoutes(app: FastifyInstance, opts: { ctx: Context; limiter: RateLimiter }): Promise<void> {
  const { ctx, limiter } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()
  typed.removeAllContentTypeParsers()
  typed.addContentTypeParser('*', { parseAs: 'string', bodyLimit: RELAY_LIMITS.bodyBytes }, (_request, body, done) => done(null, body))

  typed.post(
    '/relay/:token',
    {
      bodyLimit: RELAY_LIMITS.bodyBytes,
      schema: {
        tags: ['Relays'],
        summary: 'Post a JSON payload to a webhook relay',
        params: Type.Object({ token: Type.String() }),
        response: { 200: Result, ...errorResponses(400, 404, 413, 429) },
      },
    },
    async (request, reply) => {
      let relay
      try {
        relay = await relayForToken(ctx, request.params.token)
      } catch (err) {
        if (err instanceof AppError && limiter.enabled) {
          const outcome = await limiter.consume(`ip:${request.ip}`, limiter.policyFor(undefined))
          reply.headers(rateLimitHeaders(outcome))
          enforce(outcome)
        }
        throw err
      }
      if (limiter.enabled) {
        const outcome = await limiter.consume(`relay:${relay.id}`, limiter.policyFor(undefined))
        reply.headers(rateLimitHeaders(outcome))
        enforce(outcome)
      }
      const payload = parseRelayBody(typeof request.body === 'string' ? request.body : '')
      // Filters, templates and request hashing walk the payload: its depth and strings are checked first.
      requireSafeInput(payload, 'body', ctx.config.jsonMaxDepth)
      return deliverRelayPayload(ctx, relay, payload, idempotencyKeyOf(request.headers))
    },
  )
}
