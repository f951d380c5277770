import * as oidc from 'openid-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'
import { consent, oauthClient, REDIRECT } from './oauth-flow.js'

describe('OAuth 2.0 with PKCE', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('organization access: admin consents → code → token → API as the bot → refresh rotates → uninstall', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const created = await env.oauthClient({ scopes: ['chat:read', 'groups:read', 'user:read'] })
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'chat:read groups:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    })

    // Not signed in yet: the browser is sent to sign in first, then back.
    const browser = env.browser()
    const first = await browser.get(authUrl.pathname + authUrl.search)
    expect(first.statusCode).toBe(303)
    const loginUrl = String(first.headers.location)
    expect(loginUrl).toMatch(/^\/login\?next=/)
    await browser.get(loginUrl)
    const next = new URL(loginUrl, 'http://x').searchParams.get('next')!
    const signIn = await browser.submit('/login', { email: admin.email, password: admin.password, next })
    expect(signIn.headers.location).toBe(authUrl.pathname + authUrl.search)

    const callback = await consent(browser, authUrl, { model: 'organization' })
    expect(callback.origin + callback.pathname).toBe(REDIRECT)
    expect(callback.searchParams.get('state')).toBe(state)

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })
    expect(tokens.access_token).toMatch(/^rmo-/)
    expect(tokens.refresh_token).toMatch(/^rmr-/)
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    // Seven days, give or take the second the request took.
    expect(tokens.expires_in).toBeGreaterThan(7 * 24 * 3600 - 60)
    expect(tokens.expires_in).toBeLessThanOrEqual(7 * 24 * 3600)
    expect(tokens.scope).toBe('chat:read groups:read')

    const info = await env.get('/v0/token.info', { token: tokens.access_token })
    expect(info.statusCode).toBe(200)
    expect(info.json().addr).toBe(`B-${created.app.botId}`)
    expect(info.json().scopes).toEqual(['chat:read', 'groups:read'])

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
    expect(refreshed.refresh_token).toMatch(/^rmr-/)
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
    // The used refresh token is gone: rotation.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    expect((await env.get('/v0/token.info', { token: refreshed.access_token })).json().addr).toBe(`B-${created.app.botId}`)

    const uninstall = await env.post('/v0/app.uninstall', { token: refreshed.access_token })
    expect(uninstall.statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: refreshed.access_token })).statusCode).toBe(401)
    expect((await env.get('/v0/token.info', { token: tokens.access_token })).statusCode).toBe(401)
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    const grants = await env.db.selectFrom('oauth_grants').selectAll().execute()
    expect(grants.map((g) => [g.model, g.status])).toEqual([['organization', 'revoked']])
  })

  it('personal access: a user consents for themself with a public PKCE client → personal token → refresh → uninstall', async () => {
    await env.db.updateTable('organizations').set({ personal_access_policy: 'auto' }).execute()
    const user = await env.userWithPassword()
    const created = await env.oauthClient({ public: true, scopes: ['chat:send_message', 'chat:history'] })
    expect(created.clientSecret).toBeUndefined()
    const config = oauthClient(env, created.app.clientId)
    const verifier = oidc.randomPKCECodeVerifier()
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    const browser = await env.signedIn(user)
    const page = await browser.get(authUrl.pathname + authUrl.search)
    // A non-admin is only offered personal access.
    expect(page.body).toContain('value="personal"')
    expect(page.body).not.toContain('value="organization"')
    const callback = await consent(browser, authUrl, { model: 'personal' })
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier })
    // No scope requested: the client's scopes.
    expect(tokens.scope).toBe('chat:send_message chat:history')
    const info = await env.get('/v0/token.info', { token: tokens.access_token })
    expect(info.statusCode).toBe(200)
    expect(info.json().addr).toBe(`U-${user.id}`)

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
    expect((await env.get('/v0/token.info', { token: refreshed.access_token })).json().addr).toBe(`U-${user.id}`)
    expect((await env.post('/v0/app.uninstall', { token: refreshed.access_token })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: refreshed.access_token })).statusCode).toBe(401)
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('confidential clients may authenticate with HTTP Basic, id and secret form-urlencoded as RFC 6749 §2.3.1 says', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const created = await env.oauthClient({ scopes: ['chat:read'] })
    // openid-client encodes every character but letters and digits ('_' of app_…, '-' and '.' of the secret).
    const config = oauthClient(env, created.app.clientId, created.clientSecret, 'basic')
    const browser = await env.signedIn(admin)
    const tokens = await oidc.authorizationCodeGrant(config, await consent(browser, oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT }), { model: 'organization' }))
    expect(tokens.access_token).toMatch(/^rmo-/)
    expect((await env.get('/v0/token.info', { token: tokens.access_token })).json().addr).toBe(`B-${created.app.botId}`)
    expect((await oidc.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toMatch(/^rmo-/)
    // Credentials sent without encoding still work, and a wrong secret is refused either way.
    const raw = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
    const send = (authorization: string) =>
      env.inject({ method: 'POST', url: '/oauth/token', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=refresh_token&refresh_token=rmr-x.y' })
    expect((await send(raw(created.app.clientId, created.clientSecret!))).json()).toMatchObject({ error: 'invalid_grant' })
    const wrong = await send(raw(created.app.clientId, `${created.clientSecret!}x`))
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('personal installs wait for an administrator under the approval policy', async () => {
    const user = await env.userWithPassword()
    const admin = await env.admin()
    const created = await env.oauthClient({ accessModels: ['personal'] })
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const browser = await env.signedIn(user)
    const authUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT })
    const tokens = await oidc.authorizationCodeGrant(config, await consent(browser, authUrl, { model: 'personal' }))
    const pending = await env.get('/v0/token.info', { token: tokens.access_token })
    expect(pending.statusCode).toBe(403)
    expect(pending.json().error).toMatch(/waiting for an administrator/)

    const list = await env.get('/admin/pats.list', { token: admin.token, query: { status: 'pending' } })
    expect(list.statusCode).toBe(200)
    const [item] = list.json().tokens
    expect(item).toMatchObject({ kind: 'oauth', user: `U-${user.id}`, status: 'pending', app: { clientId: created.app.clientId } })
    expect((await env.post('/admin/pats.approve', { token: admin.token, body: { id: item.id } })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: tokens.access_token })).statusCode).toBe(200)
    // Tokens issued later for the same grant are active too.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
    expect((await env.get('/v0/token.info', { token: refreshed.access_token })).statusCode).toBe(200)
  })

  it('a rejected personal install is refused and cannot refresh', async () => {
    const user = await env.userWithPassword()
    const admin = await env.admin()
    const created = await env.oauthClient({ accessModels: ['personal'] })
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const browser = await env.signedIn(user)
    const tokens = await oidc.authorizationCodeGrant(config, await consent(browser, oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT }), { model: 'personal' }))
    const [item] = (await env.get('/admin/pats.list', { token: admin.token, query: { status: 'pending' } })).json().tokens
    expect((await env.post('/admin/pats.reject', { token: admin.token, body: { id: item.id } })).statusCode).toBe(200)
    const res = await env.get('/v0/token.info', { token: tokens.access_token })
    expect(res.statusCode).toBe(403)
    expect(res.json().error).toMatch(/rejected/)
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('with personal access disabled, a user who is not an admin cannot authorize at all', async () => {
    await env.db.updateTable('organizations').set({ personal_access_policy: 'disabled' }).execute()
    const user = await env.userWithPassword()
    const created = await env.oauthClient()
    const browser = await env.signedIn(user)
    const res = await browser.get(`/oauth/authorize?response_type=code&client_id=${created.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`)
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('Personal access is disabled')
  })

  it('unknown clients and unregistered redirect URIs are shown to the user, never redirected', async () => {
    const user = await env.userWithPassword({ isAdmin: true })
    const created = await env.oauthClient()
    const browser = await env.signedIn(user)
    const wrong = await browser.get(`/oauth/authorize?response_type=code&client_id=${created.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT + '/x')}`)
    expect(wrong.statusCode).toBe(400)
    expect(wrong.headers.location).toBeUndefined()
    expect(wrong.body).toContain('redirect_uri')
    const unknown = await browser.get(`/oauth/authorize?response_type=code&client_id=app_nope&redirect_uri=${encodeURIComponent(REDIRECT)}`)
    expect(unknown.statusCode).toBe(400)
    // API-key clients are not OAuth clients.
    const key = await env.apiClient()
    expect((await browser.get(`/oauth/authorize?response_type=code&client_id=${key.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`)).statusCode).toBe(400)
  })

  it('denial, missing PKCE on a public client and unknown scopes come back to the client as RFC 6749 errors', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const browser = await env.signedIn(admin)
    const confidential = await env.oauthClient({ scopes: ['chat:read'] })
    const denied = await consent(browser, new URL(`http://x/oauth/authorize?response_type=code&client_id=${confidential.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s1`), { model: 'organization', allowed: false })
    expect(denied.searchParams.get('error')).toBe('access_denied')
    expect(denied.searchParams.get('state')).toBe('s1')

    const badScope = await consent(browser, new URL(`http://x/oauth/authorize?response_type=code&client_id=${confidential.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=chat:write&state=s2`), { model: 'organization' })
    expect(badScope.searchParams.get('error')).toBe('invalid_scope')
    expect(badScope.searchParams.get('state')).toBe('s2')

    const pub = await env.oauthClient({ public: true })
    const noPkce = await consent(browser, new URL(`http://x/oauth/authorize?response_type=code&client_id=${pub.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`), { model: 'organization' })
    expect(noPkce.searchParams.get('error')).toBe('invalid_request')
    expect(noPkce.searchParams.get('code')).toBeNull()

    const plain = await consent(browser, new URL(`http://x/oauth/authorize?response_type=code&client_id=${pub.app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghijabc&code_challenge_method=plain`), { model: 'organization' })
    expect(plain.searchParams.get('error')).toBe('invalid_request')
  })

  it('token endpoint: codes are single-use, bound to the verifier, the client and its secret', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const browser = await env.signedIn(admin)
    const created = await env.oauthClient()
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const verifier = oidc.randomPKCECodeVerifier()
    const authUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })
    const code = (await consent(browser, authUrl, { model: 'organization' })).searchParams.get('code')!

    const form = (fields: Record<string, string>) =>
      env.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: created.app.clientId }

    const noSecret = await form({ ...base, code_verifier: verifier })
    expect(noSecret.statusCode).toBe(400)
    expect(noSecret.json().error).toBe('invalid_client')
    const wrongSecret = await form({ ...base, code_verifier: verifier, client_secret: `${created.clientSecret}x` })
    expect(wrongSecret.json().error).toBe('invalid_client')

    // A wrong verifier consumes the code.
    const wrongVerifier = await form({ ...base, code_verifier: oidc.randomPKCECodeVerifier(), client_secret: created.clientSecret! })
    expect(wrongVerifier.statusCode).toBe(400)
    expect(wrongVerifier.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) })
    const again = await form({ ...base, code_verifier: verifier, client_secret: created.clientSecret! })
    expect(again.json().error).toBe('invalid_grant')

    const json = await env.post('/oauth/token', { body: { ...base, code_verifier: verifier } })
    expect(json.statusCode).toBe(400)
    expect(json.json().error).toBe('invalid_request')
    const unsupported = await form({ grant_type: 'password', username: 'a', password: 'b', client_id: created.app.clientId, client_secret: created.clientSecret! })
    expect(unsupported.json().error).toMatch(/unauthorized_client|unsupported_grant_type/)
  })

  it('an administrator may also install for themself only', async () => {
    await env.db.updateTable('organizations').set({ personal_access_policy: 'auto' }).execute()
    const admin = await env.userWithPassword({ isAdmin: true })
    const created = await env.oauthClient()
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const browser = await env.signedIn(admin)
    const tokens = await oidc.authorizationCodeGrant(config, await consent(browser, oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT }), { model: 'personal' }))
    expect((await env.get('/v0/token.info', { token: tokens.access_token })).json().addr).toBe(`U-${admin.id}`)
  })

  it('app.uninstall refuses API keys and personal access tokens with 400', async () => {
    const { apiKey } = await env.apiClient()
    const key = await env.post('/v0/app.uninstall', { token: apiKey })
    expect(key.statusCode).toBe(400)
    expect(key.json().error).toMatch(/OAuth access tokens only/)
    expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(200)
    const pat = await env.personalToken(await env.user())
    expect((await env.post('/v0/app.uninstall', { token: pat })).statusCode).toBe(400)
  })
})
