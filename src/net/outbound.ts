import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Outbound HTTP for webhooks, interactivity, relays and the language model: the one guard every
 * request leaving Atrium goes through. Every request:
 * - goes only to http(s) URLs without embedded credentials;
 * - resolves its host once, checks every address the answer holds, and connects only to those
 *   checked addresses (the socket's `lookup` hands back exactly them, so a DNS answer that changes
 *   between the check and the connect cannot redirect it); unless private addresses are allowed
 *   (development, tests), every one of them must be public unicast;
 * - never follows redirects (a 3xx is an answer like any other non-2xx);
 * - is bounded by one time limit covering DNS, connect, request and response.
 */

/** The setting that allows private, loopback and link-local destinations. */
export const ALLOW_PRIVATE_SETTING = 'ATRIUM_ALLOW_PRIVATE_URLS'

/** What a name resolves to; the system resolver unless a caller (a test) supplies one. */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>

const systemResolver: Resolver = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true })

export interface OutboundOptions {
  timeoutMs: number
  allowPrivate: boolean
  /** Longest response body kept, in characters. */
  maxResponseChars?: number
  resolve?: Resolver
}

export type OutboundResult =
  | { kind: 'response'; status: number; body: string; latencyMs: number }
  | { kind: 'timeout'; latencyMs: number }
  | { kind: 'network'; error: string; latencyMs: number }
  | { kind: 'blocked'; error: string; latencyMs: number }

/**
 * Whether an IP address (in canonical form, as URL parsing and DNS give them) is public unicast:
 * not private, loopback, link-local, reserved, multicast… IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is
 * judged as the IPv4 address it carries; IPv4-compatible IPv6 (`::a.b.c.d`, the deprecated ::/96)
 * and the translation prefixes are never public, whatever they embed.
 */
export function isPublicAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(address)
  } catch {
    return false
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast'
    if (v6.parts.slice(0, 6).every((p) => p === 0)) return false
  }
  return parsed.range() === 'unicast'
}

/** Syntax check of an outbound URL; returns the problem, or undefined when it is acceptable. */
export function urlProblem(raw: string): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute http or https URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http or https URL'
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  return undefined
}

/** The URL's host without IPv6 brackets. URL parsing has already turned every IPv4 spelling (decimal, octal, hex, short) into dotted quads. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host)
}

/** `localhost` and its subdomains name this machine whatever DNS says (RFC 6761). */
function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost')
}

function privateProblem(what: string): string {
  return `must not point to a private, loopback or link-local address (${what}); set ${ALLOW_PRIVATE_SETTING}=true to allow it`
}

/**
 * The check that needs no DNS: syntax, and (unless private addresses are allowed) a host written
 * as an IP address or as localhost must be public. Returns the problem, or undefined.
 */
export function literalUrlProblem(raw: string, allowPrivate: boolean): string | undefined {
  const problem = urlProblem(raw)
  if (problem || allowPrivate) return problem
  const host = hostOf(new URL(raw))
  if (isLocalhostName(host)) return privateProblem(host)
  if (isIpLiteral(host) && !isPublicAddress(host)) return privateProblem(host)
  return undefined
}

type Target = { ok: true; addresses: Array<{ address: string; family: number }> } | { ok: false; error: string; unresolved?: boolean }

/** Resolves a URL's host once and checks every address of the answer. */
async function resolveTarget(url: URL, allowPrivate: boolean, resolve: Resolver): Promise<Target> {
  const host = hostOf(url)
  if (isIpLiteral(host)) {
    if (!allowPrivate && !isPublicAddress(host)) return { ok: false, error: `${host} is not a public address` }
    return { ok: true, addresses: [{ address: host, family: host.includes(':') ? 6 : 4 }] }
  }
  if (!allowPrivate && isLocalhostName(host)) return { ok: false, error: `${host} is not a public address` }
  let addresses: Array<{ address: string; family: number }>
  try {
    addresses = await resolve(host)
  } catch (err) {
    return { ok: false, error: `${host} does not resolve (${err instanceof Error ? err.message : String(err)})`, unresolved: true }
  }
  if (addresses.length === 0) return { ok: false, error: `${host} does not resolve`, unresolved: true }
  if (!allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a.address))
    if (bad) return { ok: false, error: `${host} resolves to a non-public address (${bad.address})` }
  }
  return { ok: true, addresses: addresses.map((a) => ({ address: a.address, family: a.family })) }
}

/**
 * Checks a URL the way a request would reach it: syntax, then (unless private addresses are
 * allowed) every address its host resolves to. Returns the problem, or undefined.
 * `unresolvable: 'accept'` lets a name that does not resolve now pass (it is checked again, and
 * refused, when a request is made).
 */
export async function checkOutboundUrl(
  raw: string,
  allowPrivate: boolean,
  opts: { resolve?: Resolver; unresolvable?: 'refuse' | 'accept' } = {},
): Promise<string | undefined> {
  const problem = literalUrlProblem(raw, allowPrivate)
  if (problem || allowPrivate) return problem
  const target = await resolveTarget(new URL(raw), false, opts.resolve ?? systemResolver)
  if (target.ok) return undefined
  if (target.unresolved) return opts.unresolvable === 'accept' ? undefined : 'host name does not resolve'
  return privateProblem(target.error)
}

/** A socket `lookup` that answers with the already checked addresses and nothing else. */
function pinnedLookup(addresses: Array<{ address: string; family: number }>): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses)
    const wanted = options.family === 4 || options.family === 6 ? addresses.find((a) => a.family === options.family) : addresses[0]
    const pick = wanted ?? addresses[0]!
    callback(null, pick.address, pick.family)
  }
}

export interface OutboundRequest {
  method: 'POST' | 'GET'
  headers: Record<string, string>
  body?: string
}

/** Sends one request through the guard; never throws. */
export async function sendOutbound(url: string, request: OutboundRequest, opts: OutboundOptions): Promise<OutboundResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const problem = urlProblem(url)
  if (problem) return { kind: 'blocked', error: `url ${problem}`, latencyMs: 0 }
  const target = new URL(url)
  const max = opts.maxResponseChars ?? 2048
  const transport = target.protocol === 'https:' ? https : http

  return new Promise<OutboundResult>((resolve) => {
    let settled = false
    let req: http.ClientRequest | undefined
    const finish = (result: OutboundResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => {
      finish({ kind: 'timeout', latencyMs: elapsed() })
      req?.destroy()
    }, opts.timeoutMs)

    void resolveTarget(target, opts.allowPrivate, opts.resolve ?? systemResolver).then((checked) => {
      if (settled) return
      if (!checked.ok) {
        if (checked.unresolved) finish({ kind: 'network', error: checked.error, latencyMs: elapsed() })
        else finish({ kind: 'blocked', error: checked.error, latencyMs: elapsed() })
        return
      }
      const body = request.body ?? ''
      req = transport.request(
        target,
        {
          method: request.method,
          headers: { ...request.headers, ...(request.body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
          lookup: pinnedLookup(checked.addresses),
          agent: false,
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            if (text.length < max) text += chunk
            if (text.length >= max) {
              finish({ kind: 'response', status: res.statusCode ?? 0, body: text.slice(0, max), latencyMs: elapsed() })
              res.destroy()
            }
          })
          res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, body: text, latencyMs: elapsed() }))
          res.on('error', () => finish({ kind: 'response', status: res.statusCode ?? 0, body: text, latencyMs: elapsed() }))
        },
      )
      req.on('error', (err: Error) => finish({ kind: 'network', error: err.message, latencyMs: elapsed() }))
      req.end(request.body)
    })
  })
}

/** POSTs a JSON `body` to `url` with the given headers; never throws. */
export async function postOutbound(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: OutboundOptions,
): Promise<OutboundResult> {
  return sendOutbound(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Atrium-Webhooks/1', ...headers }, body }, opts)
}
