import type { FastifyServerOptions } from 'fastify'

/**
 * What the request log may see of a request. Credentials that travel in URLs never reach it: a
 * relay's path secret (`/relay/<secret>`) and the values of query parameters that carry tokens,
 * codes or secrets (`?token=` of sign-in links, OAuth `code`, `access_token`, `client_secret`, …)
 * are replaced by `[redacted]`. Headers are not logged at all (Authorization, Cookie), and if a
 * log line does carry them, pino's `redact` removes them.
 */
const SECRET_PARAMS = new Set([
  'token',
  'code',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'client_assertion',
  'password',
  'secret',
  'key',
  'api_key',
  'apikey',
  'signature',
  'sig',
  'session',
  '_csrf',
  'csrf',
])

const REDACTED = '[redacted]'

/** A request URL fit for logs: path secrets and secret-bearing query values replaced. */
function redactUrl(url: string): string {
  const hash = url.indexOf('#')
  const withoutHash = hash === -1 ? url : url.slice(0, hash)
  const q = withoutHash.indexOf('?')
  const rawPath = q === -1 ? withoutHash : withoutHash.slice(0, q)
  const path = rawPath.replace(/^\/relay\/[^/?#]+/i, '/relay/[secret]')
  if (q === -1) return path
  const query = withoutHash
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      let name: string
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '))
      } catch {
        name = rawName
      }
      return eq !== -1 && SECRET_PARAMS.has(name.trim().toLowerCase()) ? `${rawName}=${REDACTED}` : pair
    })
    .join('&')
  return `${path}?${query}`
}

interface LoggedRequest {
  method: string
  url: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

/** Fastify's `req` serializer: method, redacted URL, host and the caller's address. */
export function requestLogSerializer(req: LoggedRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }
}

/** pino paths removed from any log line that carries them. */
const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]']

/**
 * The logger options: the given level, or the caller's own options (tests pass a stream), always
 * with the redacting serializer and redact paths.
 */
export function loggerOptions(level: string, given: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (given === false) return false
  const base = given === undefined || given === true ? { level } : given
  return {
    ...base,
    serializers: { ...(base as { serializers?: Record<string, unknown> }).serializers, req: requestLogSerializer },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  } as FastifyServerOptions['logger']
}
