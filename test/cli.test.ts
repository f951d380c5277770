import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { knownMigrations } from '../src/store/migrate.js'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect, TestEnv } from './helpers.js'

let h: CliHarness


const cli = (...argv: string[]) => h.cli(...argv)

beforeEach(async () => {
  h = await cliHarness()
})
afterEach(async () => {
  await h.drop()
})

describe(`atrium CLI (${dialect})`, () => {
  it('client create --scopes all --json prints a working key', async () => {
    const res = await cli('client', 'create', '--name', 'ci', '--scopes', 'all', '--json')
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    const printed = JSON.parse(res.out)
    expect(printed).toMatchObject({
      clientId: expect.stringMatching(/^app_/),
      botId: expect.stringMatching(/^B-[0-9a-f-]{36}$/),
      apiKey: expect.stringMatching(/^rmk-/),
      signingSecret: expect.stringMatching(/^whsec_/),
    })
    // The key works against a server on the same database.
    const { app, close } = await h.server()
    const info = await app.inject({ method: 'GET', url: '/v0/token.info', headers: { authorization: `Bearer ${printed.apiKey}` } })
    expect(info.statusCode).toBe(200)
    expect(info.json().addr).toBe(printed.botId)
    await close()
  })

  it('rejects unknown scopes, naming them, and writes nothing', async () => {
    const res = await cli('client', 'create', '--name', 'x', '--scopes', 'chat:read,chat:fly', '--json')
    expect(res.code).toBe(2)
    expect(res.err).toContain('chat:fly')
    expect(await h.fresh.db.selectFrom('apps').selectAll().execute()).toEqual([])
  })

  it('user add --json creates the user; a duplicate email is refused', async () => {
    const first = await cli('user', 'add', '--email', 'Ada@Example.com', '--name', 'Ada Lovelace', '--admin', '--json')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.out)).toEqual({ id: expect.stringMatching(/^U-/), email: 'ada@example.com', name: 'Ada Lovelace', isAdmin: true })
    const again = await cli('user', 'add', '--email', 'ada@example.com', '--name', 'Ada', '--json')
    expect(again.code).toBe(2)
    expect(again.err).toContain('already exists')
  })

  it('migrate --json reports what it applied, then an up-to-date database', async () => {
    const first = await cli('migrate', '--json')
    expect(first.code).toBe(0)
    // The CLI's SQLite file starts empty; the test's PostgreSQL schema arrives migrated.
    expect(JSON.parse(first.out)).toEqual({ applied: h.fresh.config.database.dialect === 'sqlite' ? knownMigrations() : [] })
    const res = await cli('migrate', '--json')
    expect(res.code).toBe(0)
    expect(JSON.parse(res.out)).toEqual({ applied: [] })
  })
})

describe('TestEnv isolation', () => {
  it('gives each test its own organization', async () => {
    const a = await TestEnv.create()
    const b = await TestEnv.create()
    expect(a.org.id).not.toBe(b.org.id)
    expect(await b.db.selectFrom('organizations').select('id').execute()).toEqual([{ id: b.org.id }])
    await a.close()
    await b.close()
  })
})
