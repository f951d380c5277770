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
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!res.ok) {
    const b = (body ?? {}) as { error?: string; code?: string }
    throw new ApiError(res.status, b.code ?? 'error', b.error ?? res.statusText)
  }
  return body as T
}

export async function get<T>(path: string, query?: Query): Promise<T> {
  return handle<T>(await fetch(withQuery(path, query), { credentials: 'same-origin', headers: { accept: 'application/json' } }))
}

export async function post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
  return handle<T>(
    await fetch(withQuery(path, query), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify(body ?? {}),
    }),
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
  return handle<T>(
    await fetch(withQuery(path, query), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        'content-disposition': attachmentDisposition(file.name),
        'x-csrf-token': csrfToken(),
      },
      body: file,
    }),
  )
}
