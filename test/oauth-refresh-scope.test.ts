import * as oidc from 'openid-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'
import { consent, oauthClient, REDIRECT } from './oauth-flow.js'

/**
 * RFC 6749 §6: a refresh request asking for a scope the grant does not have is refused with
 * `invalid_scope`, and refusing it changes nothing: the grant, its access token and the refresh
 * token presented keep working.
 */
describe('OAuth refresh beyond the grant', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
    await env.db.updateTable('organizations').set({ personal_access_policy: 'auto' }).execute()
  })
  afterEach(async () => env.close())

  async function install(): Promise<{ clientId: string; clientSecret: string; accessToken: string; refreshToken: string; grantUser: string }> {
    const user = await env.userWithPassword()
    const created = await env.oauthClient({ scopes: ['chat:history', 'user:read'] })
    const config = oauthClient(env, created.app.clientId, created.clientSecret)
    const verifier = oidc.randomPKCECodeVerifier()
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'chat:history',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    const callback = await consent(await env.signedIn(user), authUrl, { model: 'personal' })
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier })
    expect(tokens.scope).toBe('chat:history')
    return { clientId: created.app.clientId, clientSecret: created.clientSecret!, accessToken: tokens.access_token, refreshToken: tokens.refresh_token!, grantUser: user.id }
  }

  function refresh(client: { clientId: string; clientSecret: string }, refreshToken: string, scope?: string) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, client_secret: client.clientSecret })
    if (scope !== undefined) form.set('scope', scope)
    return env.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
  }

  it('answers invalid_scope and leaves the grant, its access token and its refresh token working', async () => {
    const grant = await install()

    const refused = await refresh(grant, grant.refreshToken, 'chat:history user:read')
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ error: 'invalid_scope' })
    expect(refused.headers['cache-control']).toBe('no-store')

    // Nothing changed: the access token works, the grant is active, the refresh token refreshes.
    const info = await env.get('/v0/token.info', { token: grant.accessToken })
    expect(info.statusCode).toBe(200)
    expect(info.json().scopes).toEqual(['chat:history'])
    const grants = await env.db.selectFrom('oauth_grants').select(['status']).where('user_id', '=', grant.grantUser).execute()
    expect(grants).toEqual([{ status: 'active' }])
    const credentials = await env.db.selectFrom('credentials').select(['kind', 'status']).where('user_id', '=', grant.grantUser).orderBy('kind').execute()
    expect(credentials).toEqual([
      { kind: 'oauth_access', status: 'active' },
      { kind: 'oauth_refresh', status: 'active' },
    ])

    const renewed = await refresh(grant, grant.refreshToken, 'chat:history')
    expect(renewed.statusCode, renewed.body).toBe(200)
    expect(renewed.json()).toMatchObject({ token_type: 'Bearer', scope: 'chat:history' })
    expect((await env.get('/v0/token.info', { token: renewed.json().access_token })).statusCode).toBe(200)
    // A successful refresh still rotates: the refresh token it used is spent.
    const replay = await refresh(grant, grant.refreshToken)
    expect(replay.statusCode).toBe(400)
    expect(replay.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await refresh(grant, renewed.json().refresh_token)).statusCode).toBe(200)
  })

  it('a narrower scope is granted, and no scope keeps the grant’s', async () => {
    const grant = await install()
    const same = await refresh(grant, grant.refreshToken)
    expect(same.statusCode).toBe(200)
    expect(same.json().scope).toBe('chat:history')
  })

  it('two refreshes with one refresh token: exactly one gets new tokens', async () => {
    const grant = await install()
    const answers = await Promise.all([refresh(grant, grant.refreshToken), refresh(grant, grant.refreshToken)])
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400])
    expect(answers.find((a) => a.statusCode === 400)!.json()).toMatchObject({ error: 'invalid_grant' })
  })
})
