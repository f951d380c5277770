import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { createSigninLink } from '../src/actions/sessions.js'
import { InProcessEventBus } from '../src/events/bus.js'
import { randomToken } from '../src/secrets.js'
import { TestEnv } from './helpers.js'

/** Secrets that travel in URLs or headers never appear in the request log. */
describe('request log redaction', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  /** An app over the test's database whose log lines (JSON) are collected. */
  async function logged(run: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>): Promise<string> {
    const lines: string[] = []
    const app = await buildApp(env.ctx.config, {
      db: env.db,
      bus: new InProcessEventBus(),
      storage: env.ctx.storage,
      logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
    })
    try {
      await run(app)
    } finally {
      await app.close()
    }
    return lines.join('')
  }

  it('sign-in link tokens, OAuth codes and tokens, relay secrets, ?token= and credentials in headers are redacted', async () => {
    const user = await env.user()
    const link = await createSigninLink(env.ctx, env.org.id, user.id)
    const linkToken = new URL(link.url).searchParams.get('token')!
    const secrets = {
      code: `code-${randomToken(20)}`,
      access: `access-${randomToken(20)}`,
      refresh: `refresh-${randomToken(20)}`,
      clientSecret: `rmc-${randomToken(20)}`,
      relay: randomToken(40),
      query: `q-${randomToken(20)}`,
      bearer: `rmk-${randomToken(30)}`,
      cookie: randomToken(43),
      encoded: `enc-${randomToken(20)}`,
    }
    const log = await logged(async (app) => {
      expect((await app.inject({ method: 'GET', url: new URL(link.url).pathname + new URL(link.url).search })).statusCode).toBe(303)
      await app.inject({ method: 'GET', url: `/oauth/authorize?response_type=code&client_id=x&code=${secrets.code}&state=visible-state` })
      await app.inject({ method: 'POST', url: `/oauth/token?refresh_token=${secrets.refresh}&client_secret=${secrets.clientSecret}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=refresh_token' })
      await app.inject({ method: 'GET', url: `/v0/token.info?access_token=${secrets.access}&TOKEN=${secrets.query}&%74oken=${secrets.encoded}`, headers: { authorization: `Bearer ${secrets.bearer}`, cookie: `atrium_session=${secrets.cookie}` } })
      await app.inject({ method: 'POST', url: `/relay/${secrets.relay}?x=1`, headers: { 'content-type': 'application/json' }, payload: '{}' })
    })
    expect(log).toContain('"url":"/login/link?token=[redacted]"')
    expect(log).toContain('state=visible-state')
    expect(log).toContain('/relay/[secret]?x=1')
    for (const secret of [linkToken, ...Object.values(secrets)]) expect(log, secret).not.toContain(secret)
  })

  it('an unmatched or malformed URL is logged without its secrets too', async () => {
    const secret = randomToken(30)
    const log = await logged(async (app) => {
      await app.inject({ method: 'GET', url: `/no/such/route?token=${secret}&bad=%E0%A4%A` })
      await app.inject({ method: 'GET', url: `/login/link?token=${secret}%ZZ` })
    })
    expect(log).toContain('/no/such/route?token=[redacted]')
    expect(log).not.toContain(secret)
  })
})
