import type { FastifyRequest } from 'fastify'
import type { Config } from './config.js'

/**
 * The base URL people and clients reach this server at: `ATRIUM_PUBLIC_URL` when given, else the
 * listening address (a wildcard bind, 0.0.0.0 or ::, is reached locally at 127.0.0.1).
 */
export function publicBaseUrl(explicit: string | undefined, host: string, port: number): string {
  if (explicit !== undefined) return explicit.replace(/\/+$/, '')
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

/**
 * The public URL of `path` (which starts with `/`) on this server. Every link Atrium prints or
 * returns (sign-in links, relay URLs, meeting links, booking pages, item and avatar URLs) is built
 * here, by the server and the CLI alike, from the same configuration.
 */
export function publicUrl(config: Pick<Config, 'publicUrl'>, path: string): string {
  return `${config.publicUrl}${path}`
}

/** The configuration as seen once listening on `port` (PORT=0 lets the system choose one). */
export function withListenPort(config: Config, port: number): Config {
  if (port === config.port) return config
  return Object.freeze({ ...config, port, publicUrl: publicBaseUrl(config.explicitPublicUrl, config.host, port) })
}

/**
 * The origin a response should name for this server: ATRIUM_PUBLIC_URL when set, else the origin
 * the request came to (so a server reached as http://127.0.0.1:<port> describes itself with that
 * origin). Used where a document states its own address: the OAuth issuer, API documents.
 */
export function requestPublicBase(request: FastifyRequest, config: Pick<Config, 'publicUrl' | 'explicitPublicUrl'>): string {
  if (config.explicitPublicUrl !== undefined) return config.publicUrl
  return `${request.protocol}://${request.host}`
}
