import type { Redis } from 'ioredis'
import type { RateLimitConfig } from '../config.js'
import type { App, Principal } from '../domain.js'
import { fail } from '../errors.js'
import { openRedis } from '../redis.js'

/**
 * Per-credential token bucket: a bucket holds `burst` tokens, refills continuously at `perSecond`,
 * and every request takes one. Computed as GCRA (the generic cell rate algorithm), which is an
 * exact token bucket stored as one number per credential: the instant at which the bucket will be
 * full again ("theoretical arrival time", TAT). A request at `now` is allowed when
 * `max(TAT, now) + interval - now <= burst * interval`, and then moves TAT forward by one
 * interval (`1 / perSecond`).
 *
 * Without Redis the TATs live in this process's memory. With `ATRIUM_REDIS_URL` every process
 * updates the same keys through one Lua script (atomic in Redis, using Redis's own clock so that
 * processes on machines with slightly different clocks agree), so several Atrium processes share
 * one budget per credential. While Redis is unreachable each process falls back to its own memory.
 *
 * Windowed limiters (as in the common Node rate-limit libraries) refill a whole window at once,
 * which lets a client send twice the burst across a window edge and makes a spent client wait for
 * the window to end; the documented policy (a burst of 10, then one request per second) is what a
 * continuously refilled bucket gives.
 */
export interface RateLimitPolicy {
  burst: number
  perSecond: number
}

export interface RateLimitOutcome {
  allowed: boolean
  limit: number
  remaining: number
  /** Whole seconds until the bucket is full again (`RateLimit-Reset`). */
  resetSeconds: number
  /** Whole seconds until the next request can be allowed (`Retry-After` on a refusal). */
  retryAfterSeconds: number
}

/** The store's answer, in microseconds: how long until the next token, and until the bucket is full. */
interface Take {
  allowed: boolean
  waitUs: number
  fullInUs: number
}

export class RateLimiter {
  private readonly memory = new MemoryBuckets()

  private constructor(
    private readonly config: RateLimitConfig,
    private readonly redis: Redis | undefined,
  ) {}

  /**
   * Connects to Redis when a URL is given; otherwise counts in this process's memory. `enabled`
   * only says whether API requests are charged: the sign-in throttle counts on the same limiter
   * even when the API limit is off.
   */
  static async create(config: RateLimitConfig, redisUrl: string | undefined): Promise<RateLimiter> {
    if (!redisUrl) return new RateLimiter(config, undefined)
    const redis = openRedis(redisUrl, { connectionName: 'atrium-ratelimit', enableOfflineQueue: false, lazyConnect: true })
    redis.defineCommand('atriumTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT })
    await redis.connect().catch(() => undefined)
    return new RateLimiter(config, redis)
  }

  get enabled(): boolean {
    return this.config.enabled
  }

  /** The server's policy, with the client's own override where it has one. */
  policyFor(app: App | null | undefined): RateLimitPolicy {
    return {
      burst: app?.rateLimit?.burst ?? this.config.burst,
      perSecond: app?.rateLimit?.perSecond ?? this.config.perSecond,
    }
  }

  async consume(key: string, policy: RateLimitPolicy): Promise<RateLimitOutcome> {
    const intervalUs = Math.max(1, Math.round(1_000_000 / policy.perSecond))
    // The policy is part of the key: changing a client's limits starts it on a fresh bucket.
    const bucket = `${this.config.keyPrefix}:${policy.burst}:${policy.perSecond}:${key}`
    const take = (await this.takeFromRedis(bucket, policy.burst, intervalUs)) ?? this.memory.take(bucket, policy.burst, intervalUs, Date.now() * 1000)
    return outcome(take, policy.burst, intervalUs)
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => undefined)
  }

  private async takeFromRedis(bucket: string, burst: number, intervalUs: number): Promise<Take | undefined> {
    if (!this.redis || this.redis.status !== 'ready') return undefined
    try {
      const run = (this.redis as unknown as RedisWithTake).atriumTakeToken
      const [allowed, waitUs, fullInUs] = await run.call(this.redis, bucket, burst, intervalUs)
      return { allowed: allowed === 1, waitUs, fullInUs }
    } catch {
      return undefined
    }
  }
}

interface RedisWithTake {
  atriumTakeToken(key: string, burst: number, intervalUs: number): Promise<[number, number, number]>
}

/**
 * KEYS[1] bucket, ARGV[1] burst, ARGV[2] interval (µs). Returns {allowed, wait µs, full in µs}.
 * The key expires when the bucket would be full, so idle credentials cost nothing.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local burst = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nextTat = tat + interval
local wait = nextTat - burst * interval - now
if wait > 0 then
  return {0, wait, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', nextTat), 'PX', math.ceil((nextTat - now) / 1000))
return {1, 0, nextTat - now}
`

/** The same algorithm over a Map, for one process. */
class MemoryBuckets {
  private readonly tats = new Map<string, number>()
  private takesSinceSweep = 0

  take(bucket: string, burst: number, intervalUs: number, now: number): Take {
    const tat = Math.max(this.tats.get(bucket) ?? now, now)
    const nextTat = tat + intervalUs
    const waitUs = nextTat - burst * intervalUs - now
    if (waitUs > 0) return { allowed: false, waitUs, fullInUs: tat - now }
    this.tats.set(bucket, nextTat)
    if (++this.takesSinceSweep >= 10_000) this.sweep(now)
    return { allowed: true, waitUs: 0, fullInUs: nextTat - now }
  }

  /** Forgets buckets that have refilled completely: they are equivalent to absent ones. */
  private sweep(now: number): void {
    this.takesSinceSweep = 0
    for (const [bucket, tat] of this.tats) if (tat <= now) this.tats.delete(bucket)
  }
}

function outcome(take: Take, burst: number, intervalUs: number): RateLimitOutcome {
  const remaining = take.allowed ? Math.floor((burst * intervalUs - take.fullInUs) / intervalUs) : 0
  return {
    allowed: take.allowed,
    limit: burst,
    remaining: Math.max(0, Math.min(burst, remaining)),
    resetSeconds: Math.max(take.allowed ? 0 : 1, Math.ceil(take.fullInUs / 1_000_000)),
    retryAfterSeconds: Math.max(1, Math.ceil(take.waitUs / 1_000_000)),
  }
}

/**
 * Whose bucket a request is charged to. A signed-in browser (session cookie) is the person using
 * the web client, not an API client: it is charged to that person's own bucket, shared by all
 * their sessions and tabs, with the session policy. Every credential (API key, OAuth token, PAT)
 * keeps its own bucket with the API policy (or its client's override).
 */
export function budgetOf(principal: Principal, limiter: RateLimiter, session: RateLimitPolicy): { key: string; policy: RateLimitPolicy } {
  if (principal.credential.kind === 'session' && principal.model === 'personal') {
    return { key: `session-user:${principal.user.id}`, policy: { burst: session.burst, perSecond: session.perSecond } }
  }
  return { key: principal.credential.id, policy: limiter.policyFor(principal.app) }
}

/** `RateLimit-*` headers (IETF draft) sent on every rate-limited response. */
export function rateLimitHeaders(o: RateLimitOutcome): Record<string, string> {
  return {
    'ratelimit-limit': String(o.limit),
    'ratelimit-remaining': String(o.remaining),
    'ratelimit-reset': String(o.resetSeconds),
  }
}

/** Throws 429 with `Retry-After` when the outcome is a refusal. */
export function enforce(o: RateLimitOutcome): void {
  if (o.allowed) return
  fail('ratelimited', `Too many requests: retry after ${o.retryAfterSeconds} seconds.`, {
    ...rateLimitHeaders(o),
    'retry-after': String(o.retryAfterSeconds),
  })
}
