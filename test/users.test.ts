import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deactivateUser, setUserActiveState, setUserRole } from '../src/actions/users.js'
import { recordAudit } from '../src/actions/audit.js'
import { contractErrors } from './contract.js'
import { TestEnv } from './helpers.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

const U = (u: { id: string }) => `U-${u.id}`

describe('GET /v0/user.list', () => {
  it('pages active users in the order they joined; nextCursor absent on the last page', async () => {
    const users = []
    for (let i = 0; i < 5; i++) users.push(await env.user({ name: `Person ${i}` }))
    const client = await env.apiClient({ scopes: ['user:read'] })
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const res = await env.get('/v0/user.list', { token: client.apiKey, query: { limit: 2, cursor } })
      expect(res.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/user.list', 'get', 200, res.json())).toEqual([])
      seen.push(...res.json().users.map((u: { id: string }) => u.id))
      cursor = res.json().nextCursor
      pages++
    } while (cursor && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toEqual(users.map(U))
  })

  it('shows email only with user:read.email and status only with expand=status and user:read.status', async () => {
    const ada = await env.user({ name: 'Ada' })
    const plain = await env.apiClient({ scopes: ['user:read'] })
    const res = await env.get('/v0/user.list', { token: plain.apiKey, query: { expand: 'status' } })
    expect(res.json().users).toEqual([{ id: U(ada), name: 'Ada', isAdmin: false }])
    const full = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:read.status'] })
    const withAll = await env.get('/v0/user.list', { token: full.apiKey, query: { expand: 'status' } })
    expect(withAll.json().users).toEqual([{ id: U(ada), name: 'Ada', isAdmin: false, email: ada.email, status: 'checkedOut' }])
    const noExpand = await env.get('/v0/user.list', { token: full.apiKey })
    expect(noExpand.json().users[0]).not.toHaveProperty('status')
    const unknown = await env.get('/v0/user.list', { token: full.apiKey, query: { expand: 'status,mood' } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toContain('mood')
  })

  it('leaves deactivated users out; accepts personal tokens; limit 1..100', async () => {
    const ada = await env.user()
    const bob = await env.user()
    await deactivateUser(env.ctx, env.org.id, bob.id)
    const pat = await env.personalToken(ada, ['user:read'])
    const res = await env.get('/v0/user.list', { token: pat, query: { limit: 100 } })
    expect(res.statusCode).toBe(200)
    expect(res.json().users.map((u: { id: string }) => u.id)).toEqual([U(ada)])
    expect((await env.get('/v0/user.list', { token: pat, query: { limit: 101 } })).statusCode).toBe(400)
    expect((await env.get('/v0/user.list', { token: pat, query: { limit: 0 } })).statusCode).toBe(400)
    expect((await env.get('/v0/user.list', { token: pat, query: { cursor: 'nope' } })).statusCode).toBe(400)
    const noScope = await env.apiClient({ scopes: ['chat:read'] })
    expect((await env.get('/v0/user.list', { token: noScope.apiKey })).statusCode).toBe(403)
  })

  it('default page size is 10', async () => {
    for (let i = 0; i < 11; i++) await env.user()
    const client = await env.apiClient({ scopes: ['user:read'] })
    const res = await env.get('/v0/user.list', { token: client.apiKey })
    expect(res.json().users).toHaveLength(10)
    expect(res.json().nextCursor).toEqual(expect.any(String))
  })
})

describe('GET /v0/user.info', () => {
  it('returns the user; available and status only with user:read.status', async () => {
    const ada = await env.user({ name: 'Ada', isAdmin: true })
    const full = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:read.status'] })
    const res = await env.get('/v0/user.info', { token: full.apiKey, query: { id: U(ada), expand: 'status,available' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ id: U(ada), name: 'Ada', email: ada.email, isAdmin: true, status: 'checkedOut', available: false })
    expect(contractErrors('chat.json', '/user.info', 'get', 200, res.json())).toEqual([])
    const plain = await env.apiClient({ scopes: ['user:read'] })
    const bare = await env.get('/v0/user.info', { token: plain.apiKey, query: { id: U(ada), expand: 'status,available' } })
    expect(bare.json()).toEqual({ id: U(ada), name: 'Ada', isAdmin: true })
  })

  it('404 for unknown or deactivated users; 400 for a non-user id; org only', async () => {
    const ada = await env.user()
    const client = await env.apiClient({ scopes: ['user:read'] })
    expect((await env.get('/v0/user.info', { token: client.apiKey, query: { id: 'U-00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404)
    const group = await env.get('/v0/user.info', { token: client.apiKey, query: { id: 'G-00000000-0000-4000-8000-000000000000' } })
    expect(group.statusCode).toBe(400)
    expect(group.json().error).toMatch(/^id:/)
    await deactivateUser(env.ctx, env.org.id, ada.id)
    expect((await env.get('/v0/user.info', { token: client.apiKey, query: { id: U(ada) } })).statusCode).toBe(404)
    const other = await env.user()
    const pat = await env.personalToken(other, ['user:read'])
    expect((await env.get('/v0/user.info', { token: pat, query: { id: U(other) } })).json().code).toBe('access_mode_not_supported')
  })
})

describe('GET /v0/user.lookup', () => {
  it('finds by email case-insensitively; needs user:read and user:read.email', async () => {
    const ada = await env.user({ email: 'ada@example.com', name: 'Ada' })
    const both = await env.apiClient({ scopes: ['user:read', 'user:read.email'] })
    const res = await env.get('/v0/user.lookup', { token: both.apiKey, query: { email: 'ADA@Example.com' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ id: U(ada), name: 'Ada', email: 'ada@example.com', isAdmin: false })
    expect(contractErrors('chat.json', '/user.lookup', 'get', 200, res.json())).toEqual([])
    const readOnly = await env.apiClient({ scopes: ['user:read'] })
    const denied = await env.get('/v0/user.lookup', { token: readOnly.apiKey, query: { email: 'ada@example.com' } })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().error).toContain('user:read.email')
  })

  it('404 for unknown or deactivated, 400 for a non-email', async () => {
    const ada = await env.user({ email: 'ada@example.com' })
    const both = await env.apiClient({ scopes: ['user:read', 'user:read.email'] })
    expect((await env.get('/v0/user.lookup', { token: both.apiKey, query: { email: 'nobody@example.com' } })).statusCode).toBe(404)
    expect((await env.get('/v0/user.lookup', { token: both.apiKey, query: { email: 'not-an-email' } })).statusCode).toBe(400)
    expect((await env.get('/v0/user.lookup', { token: both.apiKey })).statusCode).toBe(400)
    await deactivateUser(env.ctx, env.org.id, ada.id)
    expect((await env.get('/v0/user.lookup', { token: both.apiKey, query: { email: 'ada@example.com' } })).statusCode).toBe(404)
  })
})

describe('deactivation', () => {
  it("stops the user's tokens at once; reactivation restores them", async () => {
    const ada = await env.user()
    const pat = await env.personalToken(ada, ['chat:read'])
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)
    await deactivateUser(env.ctx, env.org.id, ada.id)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(401)
    await setUserActiveState(env.ctx, env.org.id, ada.id, true)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)
  })
})

describe('GET /v0/userauditlog.list', () => {
  it('lists one UTC day newest first with timestamp, eventType, name, email, data', async () => {
    const client = await env.apiClient({ scopes: ['userauditlog:read'] })
    const ada = await env.user({ name: 'Ada', email: 'ada@example.com' })
    await setUserRole(env.ctx, env.org.id, ada.id, true, { via: 'api', actor: client.bot })
    await deactivateUser(env.ctx, env.org.id, ada.id, { via: 'scim' })
    const today = new Date().toISOString().slice(0, 10)
    const res = await env.get('/v0/userauditlog.list', { token: client.apiKey, query: { date: today } })
    expect(res.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/userauditlog.list', 'get', 200, res.json())).toEqual([])
    const logs = res.json().auditLogs
    expect(logs.map((l: { eventType: string }) => l.eventType)).toEqual(['USER_DEACTIVATED', 'ROLE_CHANGED', 'USER_CREATED'])
    expect(logs[1]).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventType: 'ROLE_CHANGED',
      name: 'Ada',
      email: 'ada@example.com',
      data: { from: 'User', to: 'Admin', source: 'api', actor: client.bot },
    })
    expect(logs[0].data).toEqual({ source: 'scim' })
  })

  it('selects exactly the UTC day of the date (edges included/excluded) and accepts RFC 3339', async () => {
    const client = await env.apiClient({ scopes: ['userauditlog:read'] })
    const ada = await env.user()
    const dayStart = Date.UTC(2026, 0, 21) * 1000
    const next = dayStart + 86_400_000_000
    for (const [at, kind] of [[dayStart - 1, 'BEFORE'], [dayStart, 'FIRST'], [next - 1, 'LAST'], [next, 'AFTER']] as const) {
      await recordAudit(env.db, { orgId: env.org.id, userId: ada.id, eventType: kind, at })
    }
    const res = await env.get('/v0/userauditlog.list', { token: client.apiKey, query: { date: '2026-01-21' } })
    expect(res.json().auditLogs.map((l: { eventType: string }) => l.eventType)).toEqual(['LAST', 'FIRST'])
    expect(res.json().auditLogs[0].timestamp).toBe('2026-01-21T23:59:59.999Z')
    const rfc = await env.get('/v0/userauditlog.list', { token: client.apiKey, query: { date: '2026-01-21T13:00:00Z' } })
    expect(rfc.json().auditLogs.map((l: { eventType: string }) => l.eventType)).toEqual(['LAST', 'FIRST'])
    const empty = await env.get('/v0/userauditlog.list', { token: client.apiKey, query: { date: '2025-01-01' } })
    expect(empty.json()).toEqual({ auditLogs: [] })
  })

  it('400 without a date or with a bad one; needs userauditlog:read', async () => {
    const client = await env.apiClient({ scopes: ['userauditlog:read'] })
    expect((await env.get('/v0/userauditlog.list', { token: client.apiKey })).statusCode).toBe(400)
    const bad = await env.get('/v0/userauditlog.list', { token: client.apiKey, query: { date: '2026-13-45' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^date:/)
    const other = await env.apiClient({ scopes: ['user:read'] })
    expect((await env.get('/v0/userauditlog.list', { token: other.apiKey, query: { date: '2026-01-01' } })).statusCode).toBe(403)
  })
})

describe('POST /admin/users.create', () => {
  it('adds a person and returns a one-time sign-in link that signs them in', async () => {
    const admin = await env.admin()
    const res = await env.post('/admin/users.create', { token: admin.token, body: { email: ' Grace@Example.com ', name: 'Grace Hopper' } })
    expect(res.statusCode, res.body).toBe(200)
    const { user, signinLink } = res.json() as { user: { id: string; email: string; isAdmin: boolean }; signinLink: string }
    expect(user).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', isAdmin: false })
    const browser = env.browser()
    const url = new URL(signinLink)
    expect((await browser.get(url.pathname + url.search)).statusCode).toBe(303)
    expect((await browser.get('/account/session.info')).json().user).toMatchObject({ id: user.id, email: 'grace@example.com' })
    const audit = await env.db.selectFrom('audit_log').select(['event_type', 'data']).where('user_id', '=', user.id.slice(2)).execute()
    expect(audit.map((a) => a.event_type)).toContain('USER_CREATED')
  })

  it('refuses a taken email (409) and a bad one (400, naming the field); only for administrators', async () => {
    const admin = await env.admin()
    const existing = await env.user()
    const taken = await env.post('/admin/users.create', { token: admin.token, body: { email: existing.email, name: 'Again' } })
    expect(taken.statusCode).toBe(409)
    const bad = await env.post('/admin/users.create', { token: admin.token, body: { email: 'not-an-email', name: 'X' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^email:/)
    const user = await env.user()
    expect((await env.post('/admin/users.create', { token: await env.personalToken(user), body: { email: 'x@example.com', name: 'X' } })).statusCode).toBe(403)
  })
})
