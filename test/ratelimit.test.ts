import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../src/app.js'
import { TestEnv } from './helpers.js'

describe('rate limits', () => {
  const envs: TestEnv[] = []
  afterEach(async () => {
    for (const env of envs.splice(0)) await env.close()
  })

  const limited = async (extra: { burst?: number; perSecond?: number; redis?: boolean; session?: { burst: number; perSecond: number } } = {}) => {
    const rateLimit = {
      enabled: true,
      burst: extra.burst ?? 10,
      perSecond: extra.perSecond ?? 1,
      keyPrefix: `atrium-test:${randomBytes(6).toString('hex')}`,
    }
    const env = await TestEnv.create({
      rateLimit,
      ...(extra.session ? { sessionRateLimit: extra.session } : {}),
      ...(extra.redis ? { redisUrl: 'redis://127.0.0.1:6379' } : {}),
    })
    envs.push(env)
    return env
  }

  it('allows a burst of 10 and answers the 11th with 429, Retry-After and RateLimit headers', async () => {
    // A slow refill keeps a loaded machine from earning a token during the burst.
    const env = await limited({ perSecond: 0.2 })
    const { apiKey } = await env.apiClient()
    for (let i = 1; i <= 10; i++) {
      const res = await env.get('/v0/token.info', { token: apiKey })
      expect(res.statusCode).toBe(200)
      expect(res.headers['ratelimit-limit']).toBe('10')
      expect(res.headers['ratelimit-remaining']).toBe(String(10 - i))
      // Seconds until the bucket is full again: one interval (5 s) per token spent.
      expect(Number(res.headers['ratelimit-reset'])).toBe(5 * i)
    }
    const res = await env.get('/v0/token.info', { token: apiKey })
    expect(res.statusCode).toBe(429)
    // `ratelimited` is the code Roam's clients branch on.
    expect(res.json()).toEqual({ error: 'Too many requests: retry after 5 seconds.', code: 'ratelimited' })
    expect(res.headers['retry-after']).toBe('5')
    expect(res.headers['ratelimit-remaining']).toBe('0')
  })

  it('refills continuously: a spent bucket earns one token per interval, not a whole window', async () => {
    const env = await limited({ burst: 3, perSecond: 5 })
    const { apiKey } = await env.apiClient()
    // The in-memory limiter reads Date.now(): hold the clock still so a slow machine cannot refill
    // the bucket between the requests, then move it by a little more than one interval (200 ms).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      for (let i = 0; i < 3; i++) expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(200)
      const refused = await env.get('/v0/token.info', { token: apiKey })
      expect(refused.statusCode).toBe(429)
      expect(refused.headers['retry-after']).toBe('1')
      vi.setSystemTime(Date.now() + 250)
      const refilled = await env.get('/v0/token.info', { token: apiKey })
      expect(refilled.statusCode).toBe(200)
      expect(refilled.headers['ratelimit-remaining']).toBe('0')
      expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(429)
    } finally {
      vi.useRealTimers()
    }
  })

  it('the default policy is a burst of 10 refilled at one request per second', async () => {
    const env = await TestEnv.create({ rateLimit: { enabled: true, burst: 10, perSecond: 1, keyPrefix: `atrium-test:${randomBytes(6).toString('hex')}` } })
    envs.push(env)
    const { apiKey } = await env.apiClient()
    const first = await env.get('/v0/token.info', { token: apiKey })
    expect(first.headers['ratelimit-limit']).toBe('10')
    expect(first.headers['ratelimit-remaining']).toBe('9')
    expect(first.headers['ratelimit-reset']).toBe('1')
  })

  it('budgets are per credential', async () => {
    const env = await limited({ burst: 2, perSecond: 0.1 })
    const a = await env.apiClient()
    const b = await env.apiClient()
    expect((await env.get('/v0/token.info', { token: a.apiKey })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: a.apiKey })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: a.apiKey })).statusCode).toBe(429)
    expect((await env.get('/v0/token.info', { token: b.apiKey })).statusCode).toBe(200)
  })

  it('a client override replaces the server default', async () => {
    const env = await limited({ burst: 2, perSecond: 0.1 })
    const client = await env.apiClient()
    const admin = await env.admin()
    const set = await env.post('/admin/clients.setRateLimit', { token: admin.token, body: { clientId: client.app.clientId, rateLimitBurst: 3, rateLimitPerSecond: 0.1 } })
    expect(set.statusCode).toBe(200)
    for (let i = 0; i < 3; i++) expect((await env.get('/v0/token.info', { token: client.apiKey })).statusCode).toBe(200)
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(429)
    expect(res.headers['ratelimit-limit']).toBe('3')
  })

  it('failed authentication is charged to the caller address', async () => {
    const env = await limited({ burst: 2, perSecond: 0.1 })
    for (let i = 0; i < 2; i++) expect((await env.get('/v0/token.info', { token: 'rmk-nope' })).statusCode).toBe(401)
    expect((await env.get('/v0/token.info', { token: 'rmk-nope' })).statusCode).toBe(429)
  })

  it('two app instances sharing Redis share one budget', async () => {
    const env = await limited({ burst: 4, perSecond: 0.1, redis: true })
    const { apiKey } = await env.apiClient()
    const second = await buildApp(env.ctx.config, { db: env.db, logger: false })
    try {
      await second.ready()
      const viaSecond = () => second.inject({ method: 'GET', url: '/v0/token.info', headers: { authorization: `Bearer ${apiKey}` } })
      expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(200)
      expect((await viaSecond()).statusCode).toBe(200)
      expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(200)
      const fourth = await viaSecond()
      expect(fourth.statusCode).toBe(200)
      expect(fourth.headers['ratelimit-remaining']).toBe('0')
      expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(429)
      expect((await viaSecond()).statusCode).toBe(429)
    } finally {
      await second.close()
    }
  })

  it('ATRIUM_RATE_LIMIT=off sends no RateLimit headers and never throttles', async () => {
    const env = await TestEnv.create()
    envs.push(env)
    const { apiKey } = await env.apiClient()
    for (let i = 0; i < 12; i++) {
      const res = await env.get('/v0/token.info', { token: apiKey })
      expect(res.statusCode).toBe(200)
      expect(res.headers['ratelimit-limit']).toBeUndefined()
    }
  })

  describe('signed-in browsers', () => {
    it('are charged to a budget of their own per person, shared by all their sessions, refused at its edge', async () => {
      const env = await limited({ burst: 2, perSecond: 0.1, session: { burst: 5, perSecond: 0.1 } })
      const person = await env.userWithPassword()
      const tab = await env.signedIn(person)
      for (let i = 1; i <= 5; i++) {
        const res = await tab.get('/app/session')
        expect(res.statusCode).toBe(200)
        expect(res.headers['ratelimit-limit']).toBe('5')
        expect(res.headers['ratelimit-remaining']).toBe(String(5 - i))
      }
      const refused = await tab.get('/app/session')
      expect(refused.statusCode).toBe(429)
      expect(refused.headers['retry-after']).toBe('10')
      expect(refused.json()).toMatchObject({ error: expect.stringContaining('retry after 10 seconds') })
      // A second sign-in of the same person (another browser, another tab) shares the budget.
      const otherSession = await env.signedIn(person)
      expect((await otherSession.get('/app/session')).statusCode).toBe(429)
      // The web client's v0 reads with the session are the same budget.
      expect((await otherSession.get('/v0/token.info')).statusCode).toBe(429)
      // Someone else has their own.
      const colleague = await env.signedIn(await env.userWithPassword())
      const theirs = await colleague.get('/app/session')
      expect(theirs.statusCode).toBe(200)
      expect(theirs.headers['ratelimit-remaining']).toBe('4')
    })

    it('never spend an API credential\'s budget, and API traffic never spends theirs', async () => {
      const env = await limited({ burst: 2, perSecond: 0.1, session: { burst: 40, perSecond: 0.1 } })
      const person = await env.userWithPassword({ isAdmin: true })
      const { apiKey } = await env.apiClient()
      const pat = await env.personalToken(person)
      const browser = await env.signedIn(person)
      for (let i = 0; i < 30; i++) expect((await browser.get(i % 2 ? '/app/session' : '/app/office.info')).statusCode).toBe(200)
      // The person's own personal access token is an API credential: full API budget, API policy.
      const viaPat = await env.get('/v0/token.info', { token: pat })
      expect(viaPat.statusCode).toBe(200)
      expect(viaPat.headers['ratelimit-limit']).toBe('2')
      expect(viaPat.headers['ratelimit-remaining']).toBe('1')
      const viaKey = await env.get('/v0/token.info', { token: apiKey })
      expect(viaKey.headers['ratelimit-remaining']).toBe('1')
      // Spend the API key; the browser is unaffected.
      await env.get('/v0/token.info', { token: apiKey })
      expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(429)
      const still = await browser.get('/app/session')
      expect(still.statusCode).toBe(200)
      expect(still.headers['ratelimit-limit']).toBe('40')
      expect(still.headers['ratelimit-remaining']).toBe('9')
    })
  })
})
