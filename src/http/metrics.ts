import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import ipaddr from 'ipaddr.js'
import { requireMetricsReader } from '../access.js'
import { httpDuration, httpRequests, registry } from '../metrics.js'
import { digest, secretMatches } from '../secrets.js'
import { bearerToken } from './auth.js'

/** Headers a reverse proxy adds; their presence means the connection's address is the proxy's. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host', 'via'] as const

/** The TCP peer is this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback) and no proxy relayed the request. */
function isLoopbackCaller(request: FastifyRequest): boolean {
  if (FORWARDING_HEADERS.some((h) => request.headers[h] !== undefined)) return false
  const peer = request.socket.remoteAddress ?? ''
  return ipaddr.isValid(peer) && ipaddr.process(peer).range() === 'loopback'
}

/**
 * Records every response in the request counter and latency histogram, labelled by the route
 * template (`/v0/chat.post`, never the raw URL, so label values stay few) and serves the registry
 * in the Prometheus text format at `GET /metrics`, to loopback callers or holders of the metrics
 * token (`access.requireMetricsReader`).
 */
export const metricsPlugin = fp(async (app: FastifyInstance, opts: { token?: string | undefined }) => {
  const tokenDigest = opts.token === undefined ? undefined : digest(opts.token)
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
    const bearer = bearerToken(request.headers.authorization)
    requireMetricsReader({
      loopback: isLoopbackCaller(request),
      tokenConfigured: tokenDigest !== undefined,
      tokenMatches: tokenDigest !== undefined && bearer !== undefined && secretMatches(bearer, tokenDigest),
    })
    const body = await registry.metrics()
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(body)
  })
})
