import type { FastifyReply } from 'fastify'
import type { AttemptTier, ThrottleConfig } from '../config.js'
import { normalizeEmail } from '../email.js'
import { digest } from '../secrets.js'
import type { RateLimiter, RateLimitOutcome } from './ratelimit.js'

/**
 * Limits on the unauthenticated surfaces: password sign-in per account and per client address,
 * and the other public forms and pages per client address (each surface its own budget), plus a
 * daily cap of bookings per lobby. Every limit is the shared GCRA limiter (`http/ratelimit.ts`: in
 * memory, or Redis with ATRIUM_REDIS_URL so all processes count together), charged once per tier:
 * a tier allows `burst` attempts at once and one more every `everySeconds`, so with tiers such as
 * `5:60,20:3600` the wait grows from nothing to a minute to an hour as attempts go on. Attempts
 * are charged before the work (a password check), so parallel guesses cannot slip past.
 */
export type Surface = 'signin' | 'signin-link' | 'oauth-token' | 'booking' | 'meeting-page'

export interface Refusal {
  retryAfterSeconds: number
  /** What ran out: the account's budget, the address's, or the lobby's day. */
  scope: 'account' | 'address' | 'lobby'
  /** The budget that ran out (its limiter key). */
  key: string
}

/** Counts on the API's limiter (its own keys, `throttle:…`), whether or not API requests are charged. */
export class Throttle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: ThrottleConfig,
  ) {}

  /** One request from `address` to `surface`. */
  async address(surface: Surface, address: string): Promise<Refusal | undefined> {
    return this.charge(`throttle:addr:${surface}:${address}`, this.config.address, 'address')
  }

  /** One password attempt on the account named by `email` (whether or not it exists). */
  async account(email: string): Promise<Refusal | undefined> {
    // Keyed by a digest: Redis never holds the address itself.
    return this.charge(`throttle:acct:${digest(normalizeEmail(email))}`, this.config.account, 'account')
  }

  /** One booking through a lobby's public page; the day's cap refills continuously. */
  async lobbyBooking(lobbyId: string): Promise<Refusal | undefined> {
    const perDay = this.config.lobbyBookingsPerDay
    if (perDay === 0) return undefined
    return this.charge(`throttle:lobby:${lobbyId}`, [{ burst: perDay, everySeconds: 86_400 / perDay }], 'lobby')
  }

  /**
   * True once per `seconds` for `key`: lockouts are recorded in the audit log when they begin,
   * not for every refused attempt.
   */
  async firstIn(key: string, seconds: number): Promise<boolean> {
    const o = await this.limiter.consume(`throttle:once:${key}`, { burst: 1, perSecond: 1 / seconds })
    return o.allowed
  }

  private async charge(key: string, tiers: readonly AttemptTier[], scope: Refusal['scope']): Promise<Refusal | undefined> {
    for (const tier of tiers) {
      const o: RateLimitOutcome = await this.limiter.consume(key, { burst: tier.burst, perSecond: 1 / tier.everySeconds })
      if (!o.allowed) return { retryAfterSeconds: o.retryAfterSeconds, scope, key }
    }
    return undefined
  }
}

/** `Retry-After` on a refused response. */
export function withRetryAfter(reply: FastifyReply, refusal: Refusal): FastifyReply {
  return reply.header('retry-after', String(refusal.retryAfterSeconds))
}

/** "2 minutes", "45 seconds", "1 hour": how long to wait, for people. */
export function humanWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`
  const hours = Math.ceil(minutes / 60)
  return `${hours} hour${hours === 1 ? '' : 's'}`
}
