import * as oidc from 'openid-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createOAuthClient } from '../src/actions/clients.js'
import { setUserRole } from '../src/actions/users.js'
import type { Scope } from '../src/scopes.js'
import { cliHarness } from './cli-harness.js'
import { TestEnv } from './helpers.js'
import { consent, oauthClient, REDIRECT } from './oauth-flow.js'

/**
 * The admin API answers an administrator's signed-in session, or a personal access token of an
 * administrator that holds the method's admin scope (`admin:read` for reads, `admin:write` for
 * changes). Only administrators' personal access tokens can hold admin scopes; apps never do.
 * (Every admin route × every kind of caller: test/authz-matrix.test.ts.)
 */
describe('admin scopes', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
    await env.db.updateTable('organizations').set({ personal_access_policy: 'auto' }).execute()
  })
  afterEach(async () => env.close())

  const newKey = { name: 'ci', authType: 'api_key', scopes: ['chat:read'] }

  it('admin:write changes but does not read; admin:read reads but does not change; a token with neither is named what it lacks', async () => {
    const admin = await env.user({ isAdmin: true })
    const writer = await env.personalToken(admin, ['admin:write'])
    const reader = await env.personalToken(admin, ['admin:read'])
    const neither = await env.personalToken(admin, ['chat:read', 'admin:compliance:read'])

    const created = await env.post('/admin/clients.create', { token: writer, body: newKey })
    expect(created.statusCode, created.body).toBe(200)
    const unreadable = await env.get('/admin/clients.list', { token: writer })
    expect(unreadable.statusCode).toBe(403)
    expect(unreadable.json()).toMatchObject({ code: 'missing_scope', error: expect.stringContaining('admin:read') })

    const list = await env.get('/admin/clients.list', { token: reader })
    expect(list.statusCode).toBe(200)
    expect(list.json().clients.map((c: { name: string }) => c.name)).toContain('ci')
    const refused = await env.post('/admin/users.create', { token: reader, body: { email: 'eve@example.com', name: 'Eve', isAdmin: true } })
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toMatchObject({ code: 'missing_scope', error: expect.stringContaining('admin:write') })

    for (const res of [await env.get('/admin/pats.list', { token: neither }), await env.post('/admin/clients.create', { token: neither, body: newKey })]) {
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('missing_scope')
    }
    // Nothing was created by the refused calls.
    const users = await env.db.selectFrom('users').select('email').where('email', '=', 'eve@example.com').execute()
    expect(users).toEqual([])
    expect((await env.get('/admin/clients.list', { token: reader })).json().clients.filter((c: { name: string }) => c.name === 'ci')).toHaveLength(1)
  })

  it("an app's token never reaches the admin API, whatever the administrator consented to", async () => {
    const admin = await env.user({ isAdmin: true })
    const personal = await env.oauthToken({ model: 'personal', user: admin, scopes: ['user:read'] })
    const everything = await env.oauthToken({ model: 'personal', user: admin })
    for (const token of [personal.token, everything.token]) {
      const res = await env.post('/admin/users.create', { token, body: { email: 'mallory@example.com', name: 'Mallory', isAdmin: true } })
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('forbidden')
      expect((await env.get('/admin/clients.list', { token })).statusCode).toBe(403)
    }
    expect(await env.db.selectFrom('users').select('email').where('email', '=', 'mallory@example.com').execute()).toEqual([])
  })

  it('an administrator who is no longer one loses the admin API at once, admin scopes or not', async () => {
    const admin = await env.user({ isAdmin: true })
    const token = await env.personalToken(admin, ['admin:read', 'admin:write'])
    expect((await env.get('/admin/settings.info', { token })).statusCode).toBe(200)
    await setUserRole(env.ctx, env.org.id, admin.id, false)
    const res = await env.get('/admin/settings.info', { token })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('forbidden')
  })

  it('only an administrator can create a personal access token with an admin scope (account page)', async () => {
    const member = await env.userWithPassword()
    const admin = await env.userWithPassword({ isAdmin: true })
    const asMember = await env.signedIn(member)
    asMember.csrfToken = (await asMember.get('/account/session.info')).json().csrfToken
    const refused = await asMember.postJson('/account/pats.create', { name: 'sneaky', scopes: ['chat:read', 'admin:write'] })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toMatch(/^scopes: admin:write can only be given to an organization administrator/)
    expect(await env.db.selectFrom('credentials').select('id').where('user_id', '=', member.id).execute()).toEqual([])

    const asAdmin = await env.signedIn(admin)
    asAdmin.csrfToken = (await asAdmin.get('/account/session.info')).json().csrfToken
    const made = await asAdmin.postJson('/account/pats.create', { name: 'ops', scopes: ['admin:read'] })
    expect(made.statusCode, made.body).toBe(200)
    expect(made.json()).toMatchObject({ status: 'active', scopes: ['admin:read'] })
    expect((await env.get('/admin/settings.info', { token: made.json().token })).statusCode).toBe(200)
    expect((await env.post('/admin/settings.update', { token: made.json().token, body: { personalAccess: 'disabled' } })).statusCode).toBe(403)

    const unknown = await asAdmin.postJson('/account/pats.create', { scopes: ['admin:everything'] })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toBe('scopes: unknown scope(s) admin:everything')
  })

  it('apps cannot be configured with admin scopes', async () => {
    const { token } = await env.admin()
    for (const authType of ['api_key', 'oauth']) {
      const res = await env.post('/admin/clients.create', { token, body: { name: 'x', authType, scopes: ['chat:read', 'admin:read'], redirectUris: authType === 'oauth' ? [REDIRECT] : undefined } })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/^scopes: admin:read belong to administrators' personal access tokens/)
    }
  })

  it('the consent flow never grants an admin scope, even to an app stored with one', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    // As if configured before admin scopes existed, or written around the API.
    const created = await createOAuthClient(env.ctx, env.org.id, { name: 'legacy', scopes: ['user:read', 'admin:write' as Scope], redirectUris: [REDIRECT], public: false })
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const browser = await env.signedIn(admin)

    const asked = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'user:read admin:write', state: 'abc' })
    const denied = await consent(browser, asked, { model: 'personal' })
    expect(denied.searchParams.get('error')).toBe('invalid_scope')
    expect(denied.searchParams.get('code')).toBeNull()

    const quiet = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, state: 'abc' })
    const tokens = await oidc.authorizationCodeGrant(config, await consent(browser, quiet, { model: 'personal' }), { expectedState: 'abc' })
    expect(tokens.scope).toBe('user:read')
    expect((await env.get('/admin/settings.info', { token: tokens.access_token })).statusCode).toBe(403)
  })
})

describe('admin scopes on the command line', { timeout: 120_000 }, () => {
  it('pat create gives admin scopes to administrators only, and only when named', async () => {
    const h = await cliHarness()
    try {
      await h.cli('settings', 'set', 'personal-access', 'auto')
      await h.cli('user', 'add', '--email', 'ann@example.com', '--name', 'Ann')
      await h.cli('user', 'add', '--email', 'root@example.com', '--name', 'Root', '--admin')
      const refused = await h.cli('pat', 'create', '--user', 'ann@example.com', '--scopes', 'chat:read,admin:read', '--json')
      expect(refused.code).toBe(2)
      expect(refused.err).toMatch(/admin:read can only be given to an organization administrator/)
      const made = await h.cli('pat', 'create', '--user', 'root@example.com', '--scopes', 'admin:read admin:write', '--json')
      expect(made.code, made.err).toBe(0)
      expect(JSON.parse(made.out).scopes).toEqual(['admin:read', 'admin:write'])
      const all = await h.cli('pat', 'create', '--user', 'root@example.com', '--scopes', 'all', '--json')
      expect(JSON.parse(all.out).scopes).not.toContain('admin:write')
      const client = await h.cli('client', 'create', '--name', 'x', '--scopes', 'chat:read,admin:write', '--json')
      expect(client.code).toBe(2)
      expect(client.err).toMatch(/unknown scope\(s\) admin:write/)
    } finally {
      await h.drop()
    }
  })
})
