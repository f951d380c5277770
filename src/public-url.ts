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
