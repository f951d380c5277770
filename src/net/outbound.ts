import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Outbound HTTP for webhooks, interactivity and relays. Every request:
 * - goes only to http(s) URLs without embedded credentials;
 * - connects only to public unicast addresses, checked on the addresses DNS actually returned
 *   (so a name that resolves to 127.0.0.1 or 169.254.169.254 is refused at connect time too),
 *   unless private addresses are allowed (development, tests);
 * - never follows redirects (a 3xx is an answer like any other non-2xx);
 * - is bounded by one time limit covering DNS, connect, request and response.
 */

export interface OutboundOptions {
  timeoutMs: number
  allowPrivate: boolean
  /** Longest response body kept, in characters. */
  maxResponseChars?: number
}

export type OutboundResult =
  | { kind: 'response'; status: number; body: string; latencyMs: number }
  | { kind: 'timeout'; latencyMs: number }
  | { kind: 'network'; error: string; latencyMs: number }
  | { kind: 'blocked'; error: string; latencyMs: number }

export class BlockedAddressError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BlockedAddressError'
  }
}

/** Whether an IP address is public unicast (not private, loopback, link-local, reserved…). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  return ipaddr.process(address).range() === 'unicast'
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

/**
 * Checks a URL the way a delivery would reach it: syntax, then (unless private addresses are
 * allowed) every address its host resolves to. Returns the problem, or undefined.
 */
export async function checkOutboundUrl(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  const problem = urlProblem(raw)
  if (problem || allowPrivate) return problem
  const host = hostOf(new URL(raw))
  try {
    const addresses = ipaddr.isValid(host) ? [host] : (await dns.promises.lookup(host, { all: true })).map((a) => a.address)
    if (addresses.length === 0 || !addresses.every(isPublicAddress)) return 'must not point to a private, loopback or link-local address'
  } catch {
    return 'host name does not resolve'
  }
  return undefined
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

/** A DNS lookup that refuses non-public answers, used as the socket's `lookup`. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const list = addresses as dns.LookupAddress[]
    const bad = list.find((a) => !isPublicAddress(a.address))
    if (bad || list.length === 0) {
      return callback(new BlockedAddressError(`${hostname} resolves to a non-public address`), '', 0)
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list)
    callback(null, list[0]!.address, list[0]!.family)
  })
}

/** POSTs `body` to `url` with the given headers; never throws. */
export async function postOutbound(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: OutboundOptions,
): Promise<OutboundResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const problem = urlProblem(url)
  if (problem) return { kind: 'blocked', error: `url ${problem}`, latencyMs: 0 }
  const target = new URL(url)
  const host = hostOf(target)
  if (!opts.allowPrivate && ipaddr.isValid(host) && !isPublicAddress(host)) {
    return { kind: 'blocked', error: `${host} is not a public address`, latencyMs: 0 }
  }
  const max = opts.maxResponseChars ?? 2048
  const transport = target.protocol === 'https:' ? https : http

  return new Promise<OutboundResult>((resolve) => {
    let settled = false
    const finish = (result: OutboundResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Atrium-Webhooks/1', ...headers, 'content-length': Buffer.byteLength(body) },
        ...(opts.allowPrivate ? {} : { lookup: guardedLookup }),
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
    const timer = setTimeout(() => {
      finish({ kind: 'timeout', latencyMs: elapsed() })
      req.destroy()
    }, opts.timeoutMs)
    req.on('error', (err: Error) => {
      if (err instanceof BlockedAddressError) finish({ kind: 'blocked', error: err.message, latencyMs: elapsed() })
      else finish({ kind: 'network', error: err.message, latencyMs: elapsed() })
    })
    req.end(body)
  })
}
