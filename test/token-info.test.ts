import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contractErrors } from './contract.js'
import { TestEnv } from './helpers.js'
import { markAppDeleted } from '../src/store/repos/apps.js'
import { setCredentialStatus } from '../src/store/repos/credentials.js'
import { nowMicros } from '../src/time.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

describe('GET /v0/token.info', () => {
  it('describes an organization API key: bot address, its scopes, the workspace', async () => {
    const client = await env.apiClient({ scopes: ['chat:read', 'user:read'] })
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      addr: client.bot,
      scopes: ['chat:read', 'user:read'],
      roam: {
        id: env.org.externalId,
        name: 'Test Roam',
        imageUrl: expect.stringMatching(/^http:\/\/.+\/avatars\/org\/image\.svg$/),
        iconUrl: expect.stringMatching(/^http:\/\/.+\/avatars\/org\/icon\.svg$/),
      },
    })
    expect(body.addr).toMatch(/^B-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(env.org.externalId).toMatch(/^[A-Z0-9]{10}$/)
  })

  it('validates against chat.json', async () => {
    const client = await env.apiClient()
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(contractErrors('chat.json', '/token.info', 'get', 200, res.json())).toEqual([])
    // The check itself can fail: a body without `roam` or with a bad address is rejected.
    expect(contractErrors('chat.json', '/token.info', 'get', 200, { addr: 'B-nope', scopes: [] })).not.toEqual([])
  })

  it('needs no scope', async () => {
    const client = await env.apiClient({ scopes: [] })
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    expect(res.json().scopes).toEqual([])
  })

  it('serves the organization image it points to', async () => {
    const client = await env.apiClient()
    const info = (await env.get('/v0/token.info', { token: client.apiKey })).json()
    const image = await env.get(new URL(info.roam.imageUrl).pathname)
    expect(image.statusCode).toBe(200)
    expect(image.headers['content-type']).toContain('image/svg+xml')
    expect(image.body).toContain('<svg')
  })
})

describe('bearer authentication', () => {
  it('401 without an Authorization header', async () => {
    const res = await env.get('/v0/token.info')
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: expect.any(String), code: 'not_authed' })
  })

  it('401 for a malformed header, an unknown key and a wrong secret', async () => {
    const client = await env.apiClient()
    const [lookup] = client.apiKey.split('.')
    for (const header of [
      'Basic abc',
      'Bearer',
      'Bearer rmk-nope',
      'Bearer rmk-AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      `Bearer ${lookup}.${'x'.repeat(40)}`,
      `Bearer ${client.apiKey.replace('rmk-', 'rmp-')}`,
    ]) {
      const res = await env.inject({ method: 'GET', url: '/v0/token.info', headers: { authorization: header } })
      expect(res.statusCode, header).toBe(401)
      expect(res.json().error).toEqual(expect.any(String))
    }
  })

  it('401 once the key is revoked', async () => {
    const client = await env.apiClient()
    expect((await env.get('/v0/token.info', { token: client.apiKey })).statusCode).toBe(200)
    const cred = await env.db.selectFrom('credentials').select('id').where('app_id', '=', client.app.id).executeTakeFirstOrThrow()
    await setCredentialStatus(env.db, cred.id, 'revoked', nowMicros())
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'This token has been revoked.', code: 'token_revoked' })
  })

  it('401 once the app behind the key is deleted, on the very next request', async () => {
    const client = await env.apiClient()
    expect((await env.get('/v0/token.info', { token: client.apiKey })).statusCode).toBe(200)
    await markAppDeleted(env.db, client.app.id, nowMicros())
    const res = await env.get('/v0/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'The app behind this token no longer exists.', code: 'token_revoked' })
  })

  it('reads the organization afresh on every request', async () => {
    const client = await env.apiClient()
    expect((await env.get('/v0/token.info', { token: client.apiKey })).json().roam.name).toBe('Test Roam')
    await env.db.updateTable('organizations').set({ name: 'Renamed Roam' }).where('id', '=', env.org.id).execute()
    expect((await env.get('/v0/token.info', { token: client.apiKey })).json().roam.name).toBe('Renamed Roam')
  })

  it('stores only a digest of the key', async () => {
    const client = await env.apiClient()
    const secretHalf = client.apiKey.split('.')[1]!
    const rows = await env.db.selectFrom('credentials').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain(secretHalf)
    expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('personal access tokens', () => {
  it('token.info answers for the user: their address and the token scopes', async () => {
    const user = await env.user()
    const token = await env.personalToken(user, ['chat:history'])
    const res = await env.get('/v0/token.info', { token })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ addr: `U-${user.id}`, scopes: ['chat:history'], roam: { id: env.org.externalId } })
  })

  it('401 once the user is deactivated', async () => {
    const user = await env.user()
    const token = await env.personalToken(user)
    await env.db.updateTable('users').set({ active: 0 }).where('id', '=', user.id).execute()
    expect((await env.get('/v0/token.info', { token })).statusCode).toBe(401)
  })
})
