import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { SESSION_COOKIE } from '../src/http/auth.js'
import { cliHarness } from './cli-harness.js'
import { Browser, TestEnv } from './helpers.js'
import { cookieOf, openRealtime, realtimeOrigin } from './realtime.js'

/** A signed-in browser's realtime socket, open and past its `ready` frame; `closed` resolves with the close code. */
async function realtime(env: TestEnv, browser: Browser): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const socket = openRealtime(await realtimeOrigin(env), cookieOf(browser))
  expect(await socket.ready).toBe(true)
  return { ws: socket.ws, closed: socket.closed.then(({ code }) => code) }
}

function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))])
}

describe('deactivating a user', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('ends their sessions, closes their sockets at once, and their tokens stop working', async () => {
    const user = await env.userWithPassword()
    const bystander = await env.userWithPassword()
    const laptop = await env.signedIn(user)
    const phone = await env.signedIn(user)
    const other = await env.signedIn(bystander)
    const pat = await env.personalToken(user)
    const socket = await realtime(env, laptop)
    const otherSocket = await realtime(env, other)
    expect((await laptop.get('/account/session.info')).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)

    const scim = await env.apiClient({ scopes: ['user:write'] })
    const patch = await env.inject({
      method: 'PATCH',
      url: `/scim/v2/Users/U-${user.id}`,
      headers: { authorization: `Bearer ${scim.apiKey}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }),
    })
    expect(patch.statusCode, patch.body).toBe(200)

    // The socket is closed by the server (4401: the session ended), within the hub's poll interval.
    expect(await within(5_000, socket.closed)).toBe(4401)
    for (const browser of [laptop, phone]) expect((await browser.get('/account/session.info')).statusCode).toBe(401)
    expect(await env.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([])
    const token = await env.get('/v0/token.info', { token: pat })
    expect(token.statusCode).toBe(401)
    expect(token.json().error).toMatch(/deactivated/)

    // Nobody else is signed out.
    expect((await other.get('/account/session.info')).statusCode).toBe(200)
    expect(await within(500, otherSocket.closed)).toBe('timeout')
    otherSocket.ws.terminate()
  })
})

describe('resetting a password', { timeout: 120_000 }, () => {
  it('ends every session of that user (atrium user password), and sign-in takes the new password', async () => {
    const h = await cliHarness()
    try {
      await h.cli('user', 'add', '--email', 'ann@example.com', '--name', 'Ann')
      await h.cli('user', 'add', '--email', 'bo@example.com', '--name', 'Bo')
      expect((await h.cli('user', 'password', '--email', 'ann@example.com', '--password', 'first password')).code).toBe(0)
      expect((await h.cli('user', 'password', '--email', 'bo@example.com', '--password', 'bo password')).code).toBe(0)
      const before = await h.server()
      const ann = new Browser(before.app)
      const bo = new Browser(before.app)
      await ann.signIn('ann@example.com', 'first password')
      await bo.signIn('bo@example.com', 'bo password')
      expect((await ann.get('/account/session.info')).statusCode).toBe(200)
      const stale = ann.cookies.get(SESSION_COOKIE)!
      await before.close()

      expect((await h.cli('user', 'password', '--email', 'ann@example.com', '--password', 'second password')).code).toBe(0)
      const after = await h.server()
      try {
        const reuse = await after.app.inject({ method: 'GET', url: '/account/session.info', headers: { cookie: `${SESSION_COOKIE}=${stale}` } })
        expect(reuse.statusCode).toBe(401)
        const fresh = new Browser(after.app)
        await fresh.get('/login')
        expect((await fresh.submit('/login', { email: 'ann@example.com', password: 'first password' })).statusCode).toBe(401)
        await fresh.signIn('ann@example.com', 'second password')
        expect((await fresh.get('/account/session.info')).statusCode).toBe(200)
        // Another person's session is untouched.
        const boCookie = bo.cookies.get(SESSION_COOKIE)!
        expect((await after.app.inject({ method: 'GET', url: '/account/session.info', headers: { cookie: `${SESSION_COOKIE}=${boCookie}` } })).statusCode).toBe(200)
      } finally {
        await after.close()
      }
    } finally {
      await h.drop()
    }
  })
})

describe('changing one’s own password', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('keeps the session that made the change and ends every other, closing their sockets', async () => {
    const user = await env.userWithPassword()
    const here = await env.signedIn(user)
    here.csrfToken = (await here.get('/account/session.info')).json().csrfToken
    const elsewhere = await env.signedIn(user)
    const hereSocket = await realtime(env, here)
    const elsewhereSocket = await realtime(env, elsewhere)

    const wrong = await here.postJson('/account/password.change', { currentPassword: 'not it at all', newPassword: 'a brand new password' })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json().error).toBe('currentPassword: does not match your password')
    const short = await here.postJson('/account/password.change', { currentPassword: user.password, newPassword: 'short' })
    expect(short.statusCode).toBe(400)
    expect(short.json().error).toMatch(/^password: must be 8 to 256 characters/)
    expect((await elsewhere.get('/account/session.info')).statusCode).toBe(200)

    const changed = await here.postJson('/account/password.change', { currentPassword: user.password, newPassword: 'a brand new password' })
    expect(changed.statusCode, changed.body).toBe(200)
    expect(await within(5_000, elsewhereSocket.closed)).toBe(4401)
    expect((await elsewhere.get('/account/session.info')).statusCode).toBe(401)
    expect((await here.get('/account/session.info')).statusCode).toBe(200)
    expect(await within(500, hereSocket.closed)).toBe('timeout')
    hereSocket.ws.terminate()
    const again = env.browser()
    await again.get('/login')
    expect((await again.submit('/login', { email: user.email, password: user.password })).statusCode).toBe(401)
    expect((await again.submit('/login', { email: user.email, password: 'a brand new password' })).statusCode).toBe(303)
  })
})
