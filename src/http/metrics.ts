import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { requireMetricsReader } from '../access.js'
import { httpDuration, httpRequests, registry } from '../metrics.js'

/** Headers a reverse proxy adds; their presence means the connection's address is the proxy's. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host', 'via'] as const

/** The TCP peer is this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback) and no proxy relayed the request. */
export function isLoopbackCaller(request: FastifyRequest): boolean {
  if (FORWARDING_HEADERS.some((h) => request.headers[h] !== undefined)) return false
  const peer = (request.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/i, '')
  if (isIP(peer) === 4) return peer.startsWith('127.')
  return peer === '::1'
}

function sameSecret(presented: string, expected: string): boolean {
  // Digests have equal length, so the comparison is constant-time whatever was presented.
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * Records every response in the request counter and latency histogram, labelled by the route
 * template (`/v0/chat.post`, never the raw URL, so label values stay few) and serves the registry
 * in the Prometheus text format at `GET /metrics`, to loopback callers or holders of the metrics
 * token (`access.requireMetricsReader`).
 */
export const metricsPlugin = fp(async (app: FastifyInstance, opts: { token?: string | undefined }) => {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    }
    httpRequests.inc(labels)
    httpDuration.observe(labels, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    requireMetricsReader({
      loopback: isLoopbackCaller(request),
      tokenConfigured: opts.token !== undefined,
      tokenMatches: opts.token !== undefined && bearer !== undefined && sameSecret(bearer, opts.token),
    })
    const body = await registry.metrics()
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(body)
  })
})
