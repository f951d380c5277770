import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/store/db.js'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect } from './helpers.js'

let h: CliHarness


async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; json: () => Record<string, unknown> }> {
  const res = await h.cli(...argv)
  return { ...res, json: () => JSON.parse(res.out) as Record<string, unknown> }
}

/** The API over the same database the CLI used. */
async function withApi<T>(fn: (inject: (url: string, token: string) => Promise<number>) => Promise<T>): Promise<T> {
  const base = { ...h.fresh.config, rateLimit: { ...h.fresh.config.rateLimit, enabled: false } }
  const config: Config = base.database.dialect === 'sqlite' ? { ...base, database: { dialect: 'sqlite', file: `${h.env.ATRIUM_DATA_DIR}/atrium.db` } } : base
  const db = openDatabase(config.database)
  const app = await buildApp(config, { db, logger: false })
  try {
    return await fn(async (url, token) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).statusCode)
  } finally {
    await app.close()
    await db.destroy()
  }
}

beforeEach(async () => {
  h = await cliHarness()
})
afterEach(async () => {
  await h.drop()
})

describe(`atrium CLI: clients, personal access tokens, settings (${dialect})`, { timeout: 120_000 }, () => {
  it('client create --oauth prints a client secret and the redirect URIs', async () => {
    const res = await cli('client', 'create', '--name', 'assistant', '--scopes', 'chat:read,chat:history', '--oauth', '--redirect-uri', 'https://app.example/cb', '--redirect-uri', 'http://127.0.0.1:8765/cb', '--webhook-url', 'https://hooks.example/x', '--json')
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    expect(res.json()).toEqual({
      clientId: expect.stringMatching(/^app_/),
      botId: expect.stringMatching(/^B-/),
      clientSecret: expect.stringMatching(/^rmc-/),
      signingSecret: expect.stringMatching(/^whsec_/),
      scopes: ['chat:read', 'chat:history'],
      redirectUris: ['https://app.example/cb', 'http://127.0.0.1:8765/cb'],
      accessModels: ['organization', 'personal'],
    })
    const pub = await cli('client', 'create', '--name', 'native', '--scopes', 'chat:read', '--oauth', '--public', '--redirect-uri', 'http://127.0.0.1/cb', '--access-models', 'personal', '--json')
    expect(pub.code).toBe(0)
    expect(pub.json().clientSecret).toBeUndefined()
    expect(pub.json().accessModels).toEqual(['personal'])
    const noOauth = await cli('client', 'create', '--name', 'x', '--scopes', 'all', '--redirect-uri', 'https://a.example/', '--json')
    expect(noOauth.code).toBe(2)
    expect(noOauth.err).toMatch(/--oauth/)
  })

  it('pat create follows the policy; approve, reject and revoke change what the API answers', async () => {
    expect((await cli('user', 'add', '--email', 'ann@example.com', '--name', 'Ann', '--json')).code).toBe(0)
    const pending = await cli('pat', 'create', '--user', 'ann@example.com', '--scopes', 'chat:read', '--json')
    expect(pending.code).toBe(0)
    expect(pending.json()).toMatchObject({ id: expect.any(String), token: expect.stringMatching(/^rmp-/), status: 'pending' })
    const { id, token } = pending.json() as { id: string; token: string }
    await withApi(async (get) => expect(await get('/v0/token.info', token)).toBe(403))

    expect((await cli('pat', 'approve', id, '--json')).json()).toEqual({ id, status: 'active' })
    await withApi(async (get) => expect(await get('/v0/token.info', token)).toBe(200))
    expect((await cli('pat', 'revoke', id, '--json')).json()).toEqual({ id, status: 'revoked' })
    await withApi(async (get) => expect(await get('/v0/token.info', token)).toBe(401))

    const second = (await cli('pat', 'create', '--user', 'ann@example.com', '--scopes', 'all', '--json')).json() as { id: string; token: string }
    expect((await cli('pat', 'reject', second.id, '--json')).json()).toEqual({ id: second.id, status: 'rejected' })
    await withApi(async (get) => expect(await get('/v0/token.info', second.token)).toBe(403))
    const list = (await cli('pat', 'list', '--json')).json().tokens as Array<{ id: string; status: string }>
    expect(list.map((t) => [t.id, t.status])).toEqual([[id, 'revoked'], [second.id, 'rejected']])
  })

  it('settings set personal-access governs new tokens', async () => {
    await cli('user', 'add', '--email', 'bo@example.com', '--name', 'Bo', '--json')
    expect((await cli('settings', 'set', 'personal-access', 'auto', '--json')).json()).toEqual({ personalAccess: 'auto' })
    expect((await cli('pat', 'create', '--user', 'bo@example.com', '--scopes', 'chat:read', '--json')).json().status).toBe('active')
    expect((await cli('settings', 'set', 'personal-access', 'disabled', '--json')).code).toBe(0)
    const refused = await cli('pat', 'create', '--user', 'bo@example.com', '--scopes', 'chat:read', '--json')
    expect(refused.code).toBe(2)
    expect(refused.err).toMatch(/disabled/)
    const bad = await cli('settings', 'set', 'personal-access', 'maybe', '--json')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/disabled, approval, auto/)
    expect((await cli('settings', 'show', '--json')).json()).toEqual({ personalAccess: 'disabled' })
  })

  it('user password enables sign-in; too short is refused', async () => {
    await cli('user', 'add', '--email', 'cy@example.com', '--name', 'Cy', '--json')
    expect((await cli('user', 'password', '--email', 'cy@example.com', '--password', '1234567', '--json')).code).toBe(2)
    const ok = await cli('user', 'password', '--email', 'cy@example.com', '--password', '12345678', '--json')
    expect(ok.code).toBe(0)
    expect(ok.json().email).toBe('cy@example.com')
  })
})
