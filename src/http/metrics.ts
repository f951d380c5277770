import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { httpDuration, httpRequests, registry } from '../metrics.js'

/**
 * Records every response in the request counter and latency histogram, labelled by the route
 * template (`/v0/chat.post`, never the raw URL, so label values stay few) and serves the registry
 * in the Prometheus text format at `GET /metrics`.
 */
export const metricsPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    }
    httpRequests.inc(labels)
    httpDuration.observe(labels, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await registry.metrics()
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(body)
  })
})
