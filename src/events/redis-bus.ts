import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { openRedis } from '../redis.js'
import { InProcessEventBus, REALTIME_EVENT_TYPES, type EventBus, type RealtimeEvent, type RealtimeEventType, type RealtimeHandler } from './bus.js'

/**
 * The realtime bus across processes: every event is published on one Redis pub/sub channel
 * (`<prefix>:realtime`) that every Atrium process subscribes to, so typing announced through one
 * process reaches the sockets held by every other.
 *
 * Local subscribers hear a process's own events at once, without the round trip through Redis;
 * each message carries the publishing process's id, and a process skips its own messages when
 * they come back from Redis, so nobody hears an event twice. While Redis is unreachable events
 * still reach this process's own subscribers and are lost for the others (the bus never stores
 * or replays anything). Only ephemeral events travel here: committed changes reach every process
 * through the shared outbox instead (see events/realtime.ts), so they are never delivered twice.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new InProcessEventBus()
  private readonly origin = randomUUID()
  private closed = false

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly channel: string,
    private readonly onError: (err: Error) => void,
  ) {
    sub.on('message', (ch: string, raw: string) => {
      if (ch === this.channel) this.receive(raw)
    })
  }

  /**
   * Connects a publishing and a subscribing connection. Resolves once the channel is subscribed,
   * or after `waitMs` when Redis does not answer; the subscription is then made (and remade after
   * every reconnect) as soon as Redis is back.
   */
  static async create(url: string, opts: { prefix: string; onError?: (err: Error) => void; waitMs?: number }): Promise<RedisEventBus> {
    // Reported once per outage, not on every reconnect attempt.
    let reported = false
    const onError = (err: Error) => {
      if (reported) return
      reported = true
      opts.onError?.(err)
    }
    const pub = openRedis(url, { connectionName: 'atrium-bus-pub', enableOfflineQueue: false, onError })
    const sub = openRedis(url, { connectionName: 'atrium-bus-sub', autoResubscribe: false, onError })
    const bus = new RedisEventBus(pub, sub, `${opts.prefix}:realtime`, onError)
    const subscribed = new Promise<void>((resolve) => {
      const subscribe = () => {
        if (bus.closed) return resolve()
        sub.subscribe(bus.channel).then(
          () => resolve(),
          (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))),
        )
      }
      // 'ready' fires on the first connection and again after every reconnect.
      sub.on('ready', subscribe)
      sub.on('ready', () => (reported = false))
      sub.once('error', () => resolve())
    })
    const publishing = new Promise<void>((resolve) => {
      pub.once('ready', () => resolve())
      pub.once('error', () => resolve())
    })
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all([subscribed, publishing]), new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.waitMs ?? 3_000)))])
    clearTimeout(timer)
    return bus
  }

  async publish(event: RealtimeEvent): Promise<void> {
    await this.local.publish(event)
    if (this.closed) return
    try {
      await this.pub.publish(this.channel, JSON.stringify({ origin: this.origin, event }))
    } catch (err) {
      // Fire and forget: the caller's request succeeds; other processes miss this one event.
      this.onError(err instanceof Error ? err : new Error(String(err)))
    }
  }

  subscribe<T extends RealtimeEventType>(type: T, handler: RealtimeHandler<T>): () => void {
    return this.local.subscribe(type, handler)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.local.close()
    await Promise.all([this.pub.quit().catch(() => this.pub.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())])
  }

  private receive(raw: string): void {
    let message: unknown
    try {
      message = JSON.parse(raw)
    } catch {
      return
    }
    if (typeof message !== 'object' || message === null) return
    const { origin, event } = message as { origin?: unknown; event?: unknown }
    if (origin === this.origin) return
    if (!isRealtimeEvent(event)) return
    void this.local.publish(event)
  }
}

function isRealtimeEvent(value: unknown): value is RealtimeEvent {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return typeof e.type === 'string' && (REALTIME_EVENT_TYPES as readonly string[]).includes(e.type) && typeof e.orgId === 'string'
}

/** The bus for a configuration: Redis-backed when `ATRIUM_REDIS_URL` is set, else in-process. */
export async function openEventBus(config: { redisUrl: string | undefined; redisPrefix: string }, onError?: (err: Error) => void): Promise<EventBus> {
  if (!config.redisUrl) return new InProcessEventBus()
  return RedisEventBus.create(config.redisUrl, { prefix: config.redisPrefix, ...(onError ? { onError } : {}) })
}
