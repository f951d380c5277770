import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { openRedis } from '../redis.js'

/**
 * Who has a realtime socket open, across every Atrium process, so presence turns `offline` only
 * when a person's last socket closes, wherever their other sockets are connected.
 */
export interface ConnectionRegistry {
  /** Records an open socket of `address`. */
  open(orgId: string, address: string): OpenConnection
  /** How many sockets `address` holds open in this process. */
  localCount(orgId: string, address: string): number
  close(): Promise<void>
}

export interface OpenConnection {
  /** Confirms the socket is still open (call it at least every `ttlMs / 2`). */
  refresh(): void
  /** Records the close; resolves to how many sockets the address still has open. */
  close(): Promise<number>
}

/** One process: a count per address. */
export class LocalConnectionRegistry implements ConnectionRegistry {
  private readonly counts = new Map<string, number>()

  open(orgId: string, address: string): OpenConnection {
    const key = `${orgId}:${address}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    let closed = false
    return {
      refresh: () => undefined,
      close: async () => {
        if (!closed) {
          closed = true
          const left = (this.counts.get(key) ?? 1) - 1
          if (left > 0) this.counts.set(key, left)
          else this.counts.delete(key)
        }
        return this.counts.get(key) ?? 0
      },
    }
  }

  localCount(orgId: string, address: string): number {
    return this.counts.get(`${orgId}:${address}`) ?? 0
  }

  async close(): Promise<void> {
    this.counts.clear()
  }
}

/**
 * Several processes: one Redis sorted set per address (`<prefix>:sockets:<org>:<address>`), a
 * member per open socket scored with the time it stops counting unless refreshed. A process that
 * dies without closing its sockets stops counting for them after `ttlMs`. While Redis does not
 * answer, this process's own count decides.
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  private readonly local = new LocalConnectionRegistry()

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 75_000,
  ) {}

  static open(url: string, prefix: string, ttlMs?: number): RedisConnectionRegistry {
    return new RedisConnectionRegistry(openRedis(url, { connectionName: 'atrium-sockets' }), prefix, ttlMs)
  }

  open(orgId: string, address: string): OpenConnection {
    const key = `${this.prefix}:sockets:${orgId}:${address}`
    const member = randomUUID()
    const local = this.local.open(orgId, address)
    const touch = () =>
      this.redis
        .multi()
        .zadd(key, Date.now() + this.ttlMs, member)
        .pexpire(key, this.ttlMs * 2)
        .exec()
        .catch(() => undefined)
    void touch()
    return {
      refresh: () => void touch(),
      close: async () => {
        const localLeft = await local.close()
        try {
          const result = await this.redis.multi().zrem(key, member).zremrangebyscore(key, '-inf', Date.now()).zcard(key).exec()
          const card = result?.[2]
          if (!card || card[0]) return localLeft
          return Number(card[1])
        } catch {
          return localLeft
        }
      },
    }
  }

  localCount(orgId: string, address: string): number {
    return this.local.localCount(orgId, address)
  }

  async close(): Promise<void> {
    await this.local.close()
    await this.redis.quit().catch(() => this.redis.disconnect())
  }
}

/** Redis-backed with `ATRIUM_REDIS_URL`, else this process's own count. */
export function openConnectionRegistry(config: { redisUrl: string | undefined; redisPrefix: string }): ConnectionRegistry {
  return config.redisUrl ? RedisConnectionRegistry.open(config.redisUrl, config.redisPrefix) : new LocalConnectionRegistry()
}
