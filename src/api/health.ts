import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Redis } from 'ioredis'
import { readiness } from '../actions/health.js'
import type { Context } from '../context.js'
import { openRedis } from '../redis.js'

const Checks = Type.Object({
  database: Type.String(),
  migrations: Type.String(),
  redis: Type.Optional(Type.String()),
})

/**
 * Probes for orchestrators and load balancers.
 * `GET /healthz` (liveness): the process answers HTTP; it checks nothing else, so a database outage
 * never gets a healthy process restarted.
 * `GET /readyz` (readiness): 200 when the database answers, migrations are applied and Redis (when
 * configured) answers; otherwise 503 naming each failing check.
 */
export async function healthRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()
  let redis: Redis | undefined
  const redisUrl = opts.ctx.config.redisUrl
  if (redisUrl) {
    redis = openRedis(redisUrl, { connectionName: 'atrium-readiness', lazyConnect: true })
    app.addHook('onClose', async () => {
      redis?.disconnect()
    })
  }

  typed.get(
    '/healthz',
    { schema: { hide: true, response: { 200: Type.Object({ ok: Type.Literal(true) }) } } },
    async () => ({ ok: true as const }),
  )

  typed.get(
    '/readyz',
    {
      schema: {
        hide: true,
        response: {
          200: Type.Object({ ok: Type.Literal(true), checks: Checks }),
          503: Type.Object({ ok: Type.Literal(false), error: Type.String(), code: Type.Literal('unavailable'), checks: Checks }),
        },
      },
    },
    async (_request, reply) => {
      const result = await readiness(opts.ctx, redis)
      reply.header('cache-control', 'no-store')
      if (result.ok) return { ok: true as const, checks: result.checks }
      const failing = Object.entries(result.checks)
        .filter(([, v]) => v !== 'ok')
        .map(([k, v]) => `${k}: ${v}`)
      return reply.code(503).send({ ok: false as const, error: `Not ready: ${failing.join('; ')}`, code: 'unavailable' as const, checks: result.checks })
    },
  )
}
