import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { COOKIE_SECRET_FILE } from '../src/actions/server-secrets.js'
import { InProcessEventBus } from '../src/events/bus.js'
import { Browser, dialect, TestEnv } from './helpers.js'

/**
 * Without ATRIUM_COOKIE_SECRET the cookie-signing secret is generated once and kept (a 0600 file
 * in the data directory on SQLite, the database on PostgreSQL): a restarted process, or another
 * process of the deployment, accepts the CSRF cookies and tokens the first one issued.
 */
describe(`generated cookie secret (${dialect})`, () => {
  let env: TestEnv
  const others: FastifyInstance[] = []
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => {
    for (const app of others.splice(0)) await app.close()
    await env.close()
  })

  const anotherProcess = async () => {
    const app = await buildApp(env.ctx.config, { db: env.db, logger: false, bus: new InProcessEventBus(), storage: env.ctx.storage })
    await app.ready()
    others.push(app)
    return app
  }

  it('a second app on the same database and data directory accepts the first one\'s CSRF cookie and token', async () => {
    expect(env.ctx.config.cookieSecret).toBeUndefined()
    const user = await env.userWithPassword()
    const first = env.browser()
    await first.get('/login')
    expect(first.csrfToken).toBeTruthy()

    const second = new Browser(await anotherProcess())
    for (const [k, v] of first.cookies) second.cookies.set(k, v)
    second.csrfToken = first.csrfToken
    const res = await second.submit('/login', { email: user.email, password: user.password })
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303)
    expect(second.cookies.has('atrium_session')).toBe(true)
  })

  it('survives a restart: the form opened before it still submits after it', async () => {
    const user = await env.userWithPassword()
    const before = env.browser()
    await before.get('/login')
    await env.app.close()
    const app = await anotherProcess()
    const restarted = new Browser(app)
    for (const [k, v] of before.cookies) restarted.cookies.set(k, v)
    restarted.csrfToken = before.csrfToken
    const res = await restarted.submit('/login', { email: user.email, password: user.password })
    expect(res.statusCode).toBe(303)
    // A forged token is still refused: the secret is shared, not disabled.
    const forged = new Browser(app)
    for (const [k, v] of before.cookies) forged.cookies.set(k, v)
    forged.csrfToken = 'forged'
    expect((await forged.submit('/login', { email: user.email, password: user.password })).statusCode).toBe(403)
  })

  it('is kept where every process of the deployment finds it, readable only by the server', async () => {
    await anotherProcess()
    const file = path.join(env.ctx.config.dataDir, COOKIE_SECRET_FILE)
    if (dialect === 'sqlite') {
      const stat = fs.statSync(file)
      expect(stat.mode & 0o777).toBe(0o600)
      expect(fs.readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/)
    } else {
      expect(fs.existsSync(file)).toBe(false)
      const rows = await env.db.selectFrom('server_secrets').selectAll().execute()
      expect(rows.map((r) => r.name)).toEqual(['cookie'])
      expect(rows[0]!.value).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('ATRIUM_COOKIE_SECRET, when set, is used and nothing is generated', async () => {
    const configured = await TestEnv.create({ cookieSecret: 'c'.repeat(40) })
    try {
      const file = path.join(configured.ctx.config.dataDir, COOKIE_SECRET_FILE)
      expect(fs.existsSync(file)).toBe(false)
      expect(await configured.db.selectFrom('server_secrets').selectAll().execute()).toEqual([])
      const user = await configured.userWithPassword()
      await configured.signedIn(user)
    } finally {
      await configured.close()
    }
  })
})
