import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { RateLimitConfig } from '../config.js'
import type { App } from '../domain.js'
import { fail } from '../errors.js'
import { openRedis } from '../redis.js'

/**
 * Per-credential request budget: `burst` requests at once, refilled at `perSecond` on average.
 * Implemented with rate-limiter-flexible as a budget of `burst` points per window of
 * `burst / perSecond` seconds (10 per 10 s by default): the same burst and the same long-run rate
 * as a token bucket, refilled at the end of each window instead of continuously, so a client
 * that spent its burst is told to come back when the window ends (`Retry-After`, at most
 * `burst / perSecond` seconds). With Redis configured, every process counts in the same keys, so
 * several Atrium processes share one budget per credential.
 */
export interface RateLimitPolicy {
  burst: number
  perSecond: number
}

export interface RateLimitOutcome {
  allowed: boolean
  limit: number
  remaining: number
  /** Whole seconds until the budget is full again. */
  resetSeconds: number
}

export class RateLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>()

  private constructor(
    private readonly config: RateLimitConfig,
    private readonly redis: Redis | undefined,
  ) {}

  /** Connects to Redis when a URL is given; otherwise counts in this process's memory. */
  static async create(config: RateLimitConfig, redisUrl: string | undefined): Promise<RateLimiter> {
    if (!config.enabled || !redisUrl) return new RateLimiter(config, undefined)
    // While Redis is unreachable each process falls back to counting in memory (insurance limiter).
    const redis = openRedis(redisUrl, { connectionName: 'atrium-ratelimit', enableOfflineQueue: false, lazyConnect: true })
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
    const limiter = this.limiterFor(policy)
    try {
      const res = await limiter.consume(key)
      return outcome(true, policy, res)
    } catch (rej: unknown) {
      if (rej instanceof RateLimiterRes) return outcome(false, policy, rej)
      throw rej
    }
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => undefined)
  }

  private limiterFor(policy: RateLimitPolicy): RateLimiterAbstract {
    const id = `${policy.burst}:${policy.perSecond}`
    let limiter = this.limiters.get(id)
    if (!limiter) {
      const opts = { points: policy.burst, duration: windowSeconds(policy), keyPrefix: `${this.config.keyPrefix}:${id}` }
      limiter = this.redis
        ? new RateLimiterRedis({ ...opts, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(opts) })
        : new RateLimiterMemory(opts)
      this.limiters.set(id, limiter)
    }
    return limiter
  }
}

function windowSeconds(policy: RateLimitPolicy): number {
  return Math.max(1, Math.round(policy.burst / policy.perSecond))
}

function outcome(allowed: boolean, policy: RateLimitPolicy, res: RateLimiterRes): RateLimitOutcome {
  return {
    allowed,
    limit: policy.burst,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  }
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
  fail('rate_limited', `Too many requests: retry after ${o.resetSeconds} seconds.`, {
    ...rateLimitHeaders(o),
    'retry-after': String(o.resetSeconds),
  })
}
