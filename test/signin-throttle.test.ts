import { afterEach, describe, expect, it, vi } from 'vitest'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config, type ThrottleConfig } from '../src/config.js'
import { InProcessEventBus } from '../src/events/bus.js'
import { dialect, TestEnv } from './helpers.js'
import { redisUrl } from './servers.js'

/**
 * Password guessing is limited per account and per client address with a growing wait (429 +
 * Retry-After, said on the page), password hashes run a bounded number at a time, lockouts are in
 * the audit log, and the same per-address limit guards the other unauthenticated forms and pages.
 */
let env: TestEnv | undefined
afterEach(async () => {
  vi.useRealTimers()
  await env?.close()
  env = undefined
})

async function throttled(throttle: Partial<ThrottleConfig>): Promise<TestEnv> {
  const base = loadConfig({}).throttle
  env = await TestEnv.create({ throttle: { ...base, account: [], address: [], lobbyBookingsPerDay: 0, ...throttle } } as Partial<Config>)
  return env
}

/** A sign-in attempt from `ip`, as a browser would make it (the login page first, for its CSRF token). */
/** What a sign-in attempt is sent to: a test's app, or another process's app on the same database. */
interface Server {
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>
}

async function attempt(e: Server, email: string, password: string, ip = '127.0.0.1'): Promise<LightMyRequestResponse> {
  const page = await e.inject({ method: 'GET', url: '/login', remoteAddress: ip })
  const token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)![1]!
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
  return e.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: ip,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, email, password }).toString(),
  })
}

async function lockouts(e: TestEnv) {
  const rows = await e.db.selectFrom('audit_log').select(['user_id', 'data']).where('event_type', '=', 'SIGNIN_LOCKED').execute()
  return rows.map((r) => ({ userId: r.user_id, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }))
}

describe(`sign-in attempt limits (${dialect})`, () => {
  it('per account: the limit\'s attempts are answered, the next is 429 with Retry-After and a message, even with the right password', async () => {
    const e = await throttled({ account: [{ burst: 3, everySeconds: 60 }] })
    const user = await e.userWithPassword()
    for (let i = 0; i < 3; i++) expect((await attempt(e, user.email, 'wrong password')).statusCode).toBe(401)
    const locked = await attempt(e, user.email.toUpperCase(), user.password)
    expect(locked.statusCode).toBe(429)
    const retry = Number(locked.headers['retry-after'])
    expect(retry).toBeGreaterThanOrEqual(1)
    expect(retry).toBeLessThanOrEqual(60)
    expect(locked.headers['content-type']).toMatch(/^text\/html/)
    expect(locked.body).toMatch(/Too many sign-in attempts\. Try again in \d+ (seconds?|minutes?)\./)
    expect(locked.headers['set-cookie'] ?? '').not.toMatch(/atrium_session=/)
    // Another account from the same address is not affected.
    const other = await e.userWithPassword()
    expect((await attempt(e, other.email, other.password)).statusCode).toBe(303)
    // One audit entry for the lockout, about the account, however many attempts are refused.
    expect((await attempt(e, user.email, user.password)).statusCode).toBe(429)
    expect(await lockouts(e)).toEqual([{ userId: user.id, data: { scope: 'account', address: '127.0.0.1', retryAfterSeconds: expect.any(Number) } }])
  })

  it('unknown emails are limited like known ones (no way to tell them apart)', async () => {
    const e = await throttled({ account: [{ burst: 2, everySeconds: 60 }] })
    for (let i = 0; i < 2; i++) expect((await attempt(e, 'nobody@example.com', 'whatever pass')).statusCode).toBe(401)
    expect((await attempt(e, 'nobody@example.com', 'whatever pass')).statusCode).toBe(429)
    expect(await lockouts(e)).toEqual([{ userId: null, data: expect.objectContaining({ scope: 'account' }) }])
  })

  it('the wait grows from tier to tier: one second, then about a hundred', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = new Date('2026-03-02T10:00:00Z').getTime()
    vi.setSystemTime(t0)
    const e = await throttled({ account: [{ burst: 2, everySeconds: 1 }, { burst: 3, everySeconds: 100 }] })
    const email = 'guessed@example.com'
    expect((await attempt(e, email, 'guess one!')).statusCode).toBe(401)
    expect((await attempt(e, email, 'guess two!')).statusCode).toBe(401)
    const first = await attempt(e, email, 'guess three')
    expect(first.statusCode).toBe(429)
    expect(first.headers['retry-after']).toBe('1')
    vi.setSystemTime(t0 + 1000)
    expect((await attempt(e, email, 'guess three')).statusCode).toBe(401)
    vi.setSystemTime(t0 + 2000)
    const second = await attempt(e, email, 'guess four')
    expect(second.statusCode).toBe(429)
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(97)
    expect(Number(second.headers['retry-after'])).toBeLessThanOrEqual(100)
    expect(second.body).toMatch(/Try again in 2 minutes\./)
  })

  it('per address: different accounts from one address share its budget; other addresses keep theirs', async () => {
    const e = await throttled({ address: [{ burst: 3, everySeconds: 60 }] })
    for (let i = 0; i < 3; i++) expect((await attempt(e, `spray-${i}@example.com`, 'Summer2026!', '10.0.0.1')).statusCode).toBe(401)
    const refused = await attempt(e, 'spray-3@example.com', 'Summer2026!', '10.0.0.1')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBeDefined()
    expect((await attempt(e, 'spray-3@example.com', 'Summer2026!', '10.0.0.2')).statusCode).toBe(401)
    expect(await lockouts(e)).toEqual([{ userId: null, data: { scope: 'address', address: '10.0.0.1', retryAfterSeconds: expect.any(Number) } }])
  })

  it('with Redis, every process counts against the same budget', async () => {
    const base = loadConfig({}).throttle
    const prefix = `atrium-test-${Math.random().toString(36).slice(2)}`
    const e = (env = await TestEnv.create({
      redisUrl,
      rateLimit: { enabled: false, burst: 10, perSecond: 1, keyPrefix: `${prefix}:rl` },
      throttle: { ...base, account: [{ burst: 2, everySeconds: 60 }], address: [], lobbyBookingsPerDay: 0 },
    } as Partial<Config>))
    const sibling = await buildApp(e.ctx.config, { db: e.db, logger: false, bus: new InProcessEventBus(), storage: e.ctx.storage })
    try {
      await sibling.ready()
      const user = await e.userWithPassword()
      expect((await attempt(e, user.email, 'wrong password')).statusCode).toBe(401)
      expect((await attempt(e, user.email, 'wrong password')).statusCode).toBe(401)
      expect((await attempt(sibling, user.email, user.password)).statusCode).toBe(429)
    } finally {
      await sibling.close()
    }
  })

  it('off: no limit at all', async () => {
    const e = await throttled({})
    for (let i = 0; i < 8; i++) expect((await attempt(e, 'x@example.com', 'wrong password')).statusCode).toBe(401)
  })
})

describe(`password hashes run a bounded number at a time (${dialect})`, () => {
  it('beyond the waiting room, sign-ins get 503 with Retry-After at once; the rest wait and succeed', async () => {
    const e = await throttled({ hashConcurrency: 1, hashQueue: 0 })
    const user = await e.userWithPassword()
    const results = await Promise.all(Array.from({ length: 4 }, () => attempt(e, user.email, user.password)))
    const statuses = results.map((r) => r.statusCode).sort()
    expect(statuses).toContain(303)
    expect(statuses).toContain(503)
    const busy = results.find((r) => r.statusCode === 503)!
    expect(busy.headers['retry-after']).toBe('1')
    expect(busy.body).toContain('Too many sign-ins at once. Try again in a moment.')
  })

  it('with room to wait, parallel sign-ins queue and all succeed', async () => {
    const e = await throttled({ hashConcurrency: 1, hashQueue: 10 })
    const user = await e.userWithPassword()
    const results = await Promise.all(Array.from({ length: 4 }, () => attempt(e, user.email, user.password)))
    expect(results.map((r) => r.statusCode)).toEqual([303, 303, 303, 303])
  })
})

describe(`the per-address limit on the other public surfaces (${dialect})`, () => {
  it('sign-in links, the OAuth token endpoint and meeting-link pages: 429 with Retry-After after the budget, per address', async () => {
    const e = await throttled({ address: [{ burst: 2, everySeconds: 60 }] })
    const get = (url: string, ip: string) => e.inject({ method: 'GET', url, remoteAddress: ip })
    const token = () => e.inject({ method: 'POST', url: '/oauth/token', remoteAddress: '10.1.1.1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&client_id=app_x&client_secret=guess' })

    const link = `/login/link?token=${'x'.repeat(43)}`
    expect((await get(link, '10.1.1.1')).statusCode).toBe(401)
    expect((await get(link, '10.1.1.1')).statusCode).toBe(401)
    const linkRefused = await get(link, '10.1.1.1')
    expect(linkRefused.statusCode).toBe(429)
    expect(linkRefused.headers['retry-after']).toBeDefined()
    expect(linkRefused.body).toContain('Too many sign-in attempts')
    expect((await get(link, '10.1.1.2')).statusCode).toBe(401)

    expect((await token()).statusCode).not.toBe(429)
    expect((await token()).statusCode).not.toBe(429)
    const tokenRefused = await token()
    expect(tokenRefused.statusCode).toBe(429)
    expect(tokenRefused.json()).toEqual({ error: 'slow_down', error_description: expect.stringMatching(/retry after \d+ seconds/) })
    expect(tokenRefused.headers['retry-after']).toBeDefined()

    const page = '/m/00000000-0000-4000-8000-000000000000'
    expect((await get(page, '10.1.1.1')).statusCode).toBe(404)
    expect((await get(page, '10.1.1.1')).statusCode).toBe(404)
    const pageRefused = await get(page, '10.1.1.1')
    expect(pageRefused.statusCode).toBe(429)
    expect(pageRefused.body).toContain('Too many requests from your address')
    expect((await get(page, '10.1.1.3')).statusCode).toBe(404)
  })

  async function bookingSetup(e: TestEnv, handle: string) {
    const admin = await e.admin()
    const host = await e.user()
    const created = await e.post('/admin/lobbies.create', { token: admin.token, body: { handle, name: 'Intro', host: host.email, duration: 30, availability: [{ days: ['mon-sun'], start: '00:00', end: '24:00' }] } })
    expect(created.statusCode, created.body).toBe(200)
  }

  /** Submits the booking form of /l/<handle> from `ip`, with slot number `slot` of the page. */
  async function book(e: TestEnv, handle: string, slot: number, ip: string, start?: string) {
    const page = await e.inject({ method: 'GET', url: `/l/${handle}`, remoteAddress: ip })
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)![1]!
    const slots = [...page.body.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]!)
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    return e.inject({
      method: 'POST',
      url: `/l/${handle}`,
      remoteAddress: ip,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, start: start ?? slots[slot]!, name: 'Guest', email: `guest${slot}@example.com` }).toString(),
    })
  }

  it('the booking form is limited per address', async () => {
    const e = await throttled({ address: [{ burst: 2, everySeconds: 60 }] })
    await bookingSetup(e, 'addr')
    expect((await book(e, 'addr', 0, '10.2.2.2', 'not a time')).statusCode).toBe(400)
    expect((await book(e, 'addr', 0, '10.2.2.2', 'not a time')).statusCode).toBe(400)
    const refused = await book(e, 'addr', 0, '10.2.2.2')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBeDefined()
    expect((await book(e, 'addr', 0, '10.2.2.3')).statusCode).toBe(303)
  })

  it('a lobby takes at most ATRIUM_LOBBY_BOOKINGS_PER_DAY bookings a day from its page; other lobbies are not affected', async () => {
    const e = await throttled({ lobbyBookingsPerDay: 2 })
    await bookingSetup(e, 'busy')
    await bookingSetup(e, 'calm')
    expect((await book(e, 'busy', 0, '10.3.0.1')).statusCode).toBe(303)
    expect((await book(e, 'busy', 0, '10.3.0.2')).statusCode).toBe(303)
    const full = await book(e, 'busy', 0, '10.3.0.3')
    expect(full.statusCode).toBe(429)
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(3600)
    expect(full.body).toContain('This lobby has taken all the bookings it accepts for now.')
    expect(await e.db.selectFrom('lobby_bookings').select('id').execute()).toHaveLength(2)
    expect((await book(e, 'calm', 0, '10.3.0.3')).statusCode).toBe(303)
  })
})

describe('configuration of the limits', () => {
  it('parses tiers and off, and refuses malformed or out-of-range values', () => {
    const c = loadConfig({ ATRIUM_SIGNIN_ACCOUNT_LIMIT: '5:60,20:3600', ATRIUM_PUBLIC_FORM_LIMIT: 'off', ATRIUM_LOBBY_BOOKINGS_PER_DAY: '0', ATRIUM_PASSWORD_HASH_CONCURRENCY: '1', ATRIUM_PASSWORD_HASH_QUEUE: '0' })
    expect(c.throttle).toEqual({ account: [{ burst: 5, everySeconds: 60 }, { burst: 20, everySeconds: 3600 }], address: [], lobbyBookingsPerDay: 0, hashConcurrency: 1, hashQueue: 0 })
    expect(loadConfig({}).throttle).toEqual({ account: [{ burst: 5, everySeconds: 60 }, { burst: 20, everySeconds: 3600 }], address: [{ burst: 30, everySeconds: 2 }, { burst: 300, everySeconds: 60 }], lobbyBookingsPerDay: 100, hashConcurrency: 2, hashQueue: 32 })
    for (const bad of ['0:60', '5:0', '5', '5:60,', '5:60;1:1', 'on', '-1:5']) expect(() => loadConfig({ ATRIUM_SIGNIN_ACCOUNT_LIMIT: bad }), bad).toThrow(/ATRIUM_SIGNIN_ACCOUNT_LIMIT/)
    expect(() => loadConfig({ ATRIUM_PUBLIC_FORM_LIMIT: '1:1,1:1,1:1,1:1,1:1' })).toThrow(/ATRIUM_PUBLIC_FORM_LIMIT/)
    expect(() => loadConfig({ ATRIUM_PASSWORD_HASH_CONCURRENCY: '0' })).toThrow(/ATRIUM_PASSWORD_HASH_CONCURRENCY/)
    expect(() => loadConfig({ ATRIUM_PASSWORD_HASH_CONCURRENCY: '65' })).toThrow(/ATRIUM_PASSWORD_HASH_CONCURRENCY/)
    expect(() => loadConfig({ ATRIUM_PASSWORD_HASH_QUEUE: '-1' })).toThrow(/ATRIUM_PASSWORD_HASH_QUEUE/)
    expect(() => loadConfig({ ATRIUM_LOBBY_BOOKINGS_PER_DAY: '-1' })).toThrow(/ATRIUM_LOBBY_BOOKINGS_PER_DAY/)
  })
})
