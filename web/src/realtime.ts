/**
 * The realtime socket (`/app/realtime`, authenticated by the session cookie). Reconnects with
 * backoff; after every reconnect it announces `resync` so views fetch what they missed from the
 * API (chat.history keyset pages from the last key they hold) and drop duplicates by key.
 */
export interface Frame {
  type: string
  payload: unknown
}
type Handler = (frame: Frame) => void

/** Close code of a socket whose session the server ended (like a 401). */
const SESSION_ENDED = 4401

class Realtime {
  private socket: WebSocket | null = null
  private readonly handlers = new Set<Handler>()
  private attempts = 0
  private connectedOnce = false
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | undefined
  status: 'connecting' | 'open' | 'closed' = 'closed'

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler)
    if (!this.socket && !this.stopped) this.connect()
    return () => this.handlers.delete(handler)
  }

  private emit(frame: Frame): void {
    for (const h of [...this.handlers]) {
      try {
        h(frame)
      } catch (e) {
        console.error(e)
      }
    }
  }

  private connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/app/realtime`
    this.status = 'connecting'
    const ws = new WebSocket(url)
    this.socket = ws
    ws.onmessage = (e) => {
      let frame: Frame
      try {
        frame = JSON.parse(String(e.data)) as Frame
      } catch {
        return
      }
      if (typeof frame !== 'object' || frame === null) return
      if (frame.type === 'ready') {
        this.status = 'open'
        this.attempts = 0
        this.emit({ type: 'connection', payload: 'open' })
        if (this.connectedOnce) this.emit({ type: 'resync', payload: null })
        this.connectedOnce = true
        return
      }
      this.emit(frame)
    }
    ws.onclose = (e) => {
      this.socket = null
      this.status = 'closed'
      this.emit({ type: 'connection', payload: 'closed' })
      if (this.stopped) return
      // 4401: the server ended this session (deactivation, a revoked session, a password change
      // elsewhere). Reconnecting cannot work; the person signs in again.
      if (e.code === SESSION_ENDED) {
        this.stopped = true
        window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`)
        return
      }
      const delay = Math.min(10_000, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2)
      this.attempts += 1
      this.timer = setTimeout(() => this.connect(), delay)
    }
  }

  /** Drops the connection (tests and sign-out); `subscribe` reconnects. */
  close(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.socket?.close()
  }

  /** Closes the socket as a network failure would; it reconnects and resyncs. */
  interrupt(): void {
    this.socket?.close()
  }
}

export const realtime = new Realtime()
;(window as unknown as { atriumRealtime: Realtime }).atriumRealtime = realtime
