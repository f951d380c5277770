import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import type { Browser, TestEnv } from './helpers.js'

/** The web client's realtime socket (`/app/realtime`), opened over a real connection. */

export interface RealtimeSocket {
  ws: WebSocket
  /** True once the server's `ready` frame arrived; false if the socket closed (or failed) first. */
  ready: Promise<boolean>
  /** The close code and reason, once the server (or the test) closed the socket. */
  closed: Promise<{ code: number; reason: string }>
}

/** The `ws://` origin of the test app, listening on 127.0.0.1 (it starts listening on first use). */
export async function realtimeOrigin(env: TestEnv): Promise<string> {
  if (!env.app.server.listening) await env.app.listen({ host: '127.0.0.1', port: 0 })
  return `ws://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
}

/** The browser's cookies as a `Cookie` header value. */
export function cookieOf(browser: Browser): string {
  return [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

/** Opens the realtime socket at `origin` (`ws://host:port`) with `cookie` as its Cookie header. */
export function openRealtime(origin: string, cookie: string): RealtimeSocket {
  const ws = new WebSocket(`${origin}/app/realtime`, { headers: { cookie } })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  const ready = new Promise<boolean>((resolve) => {
    ws.on('message', (raw) => {
      if ((JSON.parse(raw.toString()) as { type?: string }).type === 'ready') resolve(true)
    })
    ws.once('close', () => resolve(false))
    ws.once('error', () => resolve(false))
  })
  return { ws, ready, closed }
}
