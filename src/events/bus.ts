/**
 * The realtime event bus: fire-and-forget notifications for things nobody stores (typing
 * indicators). Publishers do not wait for subscribers and nothing is replayed. This in-process
 * implementation serves one Atrium process; `RedisEventBus` (events/redis-bus.ts), selected when
 * `ATRIUM_REDIS_URL` is set, has the same interface and fans out across processes. Committed
 * changes never travel here: every process reads them from the shared outbox.
 */

/** `chat.typing`: the address is typing in the chat (or inside a thread of it). */
export interface TypingEvent {
  type: 'chat.typing'
  orgId: string
  /** Tagged chat id (`C-…`, `D-…`, `M-…`). */
  chat: string
  /** Who is typing (`B-…` or `U-…`). */
  address: string
  threadTimestamp?: number
  /** Unix µs. */
  at: number
}

export type RealtimeEvent = TypingEvent
/** Every event type the bus carries (what a Redis-backed bus accepts from the channel). */
export const REALTIME_EVENT_TYPES = ['chat.typing'] as const satisfies readonly RealtimeEvent['type'][]
export type RealtimeEventType = RealtimeEvent['type']
export type RealtimeHandler<T extends RealtimeEventType> = (event: Extract<RealtimeEvent, { type: T }>) => void

export interface EventBus {
  publish(event: RealtimeEvent): Promise<void>
  /** Registers a handler; the returned function removes it. */
  subscribe<T extends RealtimeEventType>(type: T, handler: RealtimeHandler<T>): () => void
  close(): Promise<void>
}

export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<RealtimeEventType, Set<(event: RealtimeEvent) => void>>()

  async publish(event: RealtimeEvent): Promise<void> {
    const set = this.handlers.get(event.type)
    if (!set) return
    for (const handler of [...set]) {
      try {
        handler(event)
      } catch {
        // A failing subscriber must not affect the publisher or other subscribers.
      }
    }
  }

  subscribe<T extends RealtimeEventType>(type: T, handler: RealtimeHandler<T>): () => void {
    let set = this.handlers.get(type)
    if (!set) {
      set = new Set()
      this.handlers.set(type, set)
    }
    const h = handler as (event: RealtimeEvent) => void
    set.add(h)
    return () => {
      set.delete(h)
    }
  }

  async close(): Promise<void> {
    this.handlers.clear()
  }
}
