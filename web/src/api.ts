/**
 * Calls Atrium's API from the browser with the signed-in session cookie (same origin). Writes carry
 * the session's CSRF token in `x-csrf-token`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let csrf = ''

/** The CSRF token of this session (from GET /app/session), sent as x-csrf-token on every write. */
export function setCsrfToken(token: string): void {
  csrf = token
}

function csrfToken(): string {
  return csrf
}

type Query = Record<string, string | number | boolean | undefined | null>

function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return s ? `${path}?${s}` : path
}

async function handle<T>(res: Response): Promise<T> {
  const text = await res.text()
  let body: unknown
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined
  } catch {
    body = undefined
  }
  if (!res.ok) {
    const b = (body ?? {}) as { error?: string; code?: string }
    throw new ApiError(res.status, b.code ?? 'error', b.error ?? res.statusText)
  }
  return body as T
}

/**
 * Requests are retried, not failed, when the server says "too many requests" (429) or cannot be
 * reached: after `Retry-After` when the server gives it, otherwise with exponential backoff (0.5 s
 * doubling up to 30 s, with jitter). Reads retry until they succeed (a 502/503/504 from a proxy
 * or a restarting server counts as unreachable too); writes retry a 429 (refused before anything
 * was done) a few times but never a network failure, which may have happened after the server
 * acted. While any request is waiting to retry, `connection()` is `reconnecting`.
 */
const MAX_BACKOFF_MS = 30_000
const MAX_RETRY_AFTER_MS = 120_000
const WRITE_ATTEMPTS = 6

type ConnectionState = 'connected' | 'reconnecting'
let waiting = 0
const listeners = new Set<() => void>()

function setWaiting(delta: number): void {
  const before = waiting > 0
  waiting += delta
  if (before !== waiting > 0) for (const l of [...listeners]) l()
}

/** `reconnecting` while a request is waiting to be retried. */
export function connection(): ConnectionState {
  return waiting > 0 ? 'reconnecting' : 'connected'
}

export function onConnectionChange(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), if it is usable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  const value = header.trim()
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now
  if (!Number.isFinite(ms)) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms))
}

function backoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.75 + Math.random() / 2)
}

const UNAVAILABLE = new Set([502, 503, 504])

async function send(run: () => Promise<Response>, kind: 'read' | 'write'): Promise<Response> {
  let reconnecting = false
  try {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined
      try {
        res = await run()
      } catch (e) {
        if (kind === 'write') throw new ApiError(0, 'network', 'Atrium could not be reached; the change may not have been saved.')
        if (e instanceof DOMException && e.name === 'AbortError') throw e
      }
      const retry = res === undefined || res.status === 429 || (kind === 'read' && UNAVAILABLE.has(res.status))
      if (!retry || (kind === 'write' && attempt + 1 >= WRITE_ATTEMPTS)) return res!
      if (!reconnecting) {
        reconnecting = true
        setWaiting(1)
      }
      const delay = retryAfterMs(res?.headers.get('retry-after') ?? null) ?? backoffMs(attempt)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  } finally {
    if (reconnecting) setWaiting(-1)
  }
}

export async function get<T>(path: string, query?: Query): Promise<T> {
  const url = withQuery(path, query)
  return handle<T>(await send(() => fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }), 'read'))
}

export async function post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
  const url = withQuery(path, query)
  return handle<T>(
    await send(
      () =>
        fetch(url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
          body: JSON.stringify(body ?? {}),
        }),
      'write',
    ),
  )
}

/**
 * `Content-Disposition` naming an upload: an ASCII fallback plus the exact UTF-8 name (RFC 6266 /
 * RFC 5987 `filename*`), which servers prefer when present.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/** Raw bytes (item.upload), named by Content-Disposition. */
export async function upload<T>(path: string, file: File, query?: Query): Promise<T> {
  const url = withQuery(path, query)
  return handle<T>(
    await send(
      () =>
        fetch(url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: {
            'content-type': file.type || 'application/octet-stream',
            'content-disposition': attachmentDisposition(file.name),
            'x-csrf-token': csrfToken(),
          },
          body: file,
        }),
      'write',
    ),
  )
}
