import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect } from './helpers.js'
import { loadConfig } from '../src/config.js'
import { serve } from '../src/server.js'
import { freePort, freshStore } from './servers.js'

let h: CliHarness | undefined
afterEach(async () => {
  await h?.drop()
  h = undefined
})

describe(`public URLs printed by the CLI and the server (${dialect})`, () => {
  it('the CLI builds every link from HOST/PORT when ATRIUM_PUBLIC_URL is unset', async () => {
    h = await cliHarness({ PORT: '18123' })
    const init = await h.cli('init', '--json')
    expect(init.code, init.err).toBe(0)
    const printed = JSON.parse(init.out)
    expect(printed.created).toBe(true)
    expect(printed.signinLink).toMatch(/^http:\/\/127\.0\.0\.1:18123\/login\/link\?token=/)
    expect(printed.url).toBe('http://127.0.0.1:18123/')
    const relay = await h.cli('relay', 'create', '--name', 'alerts', '--to', 'admin@atrium.local', '--json')
    expect(relay.code, relay.err).toBe(0)
    expect(JSON.parse(relay.out).url).toMatch(/^http:\/\/127\.0\.0\.1:18123\/relay\/[A-Za-z0-9]+$/)
    const lobby = await h.cli('lobby', 'create', '--handle', 'ada', '--name', 'Ada', '--host', 'admin@atrium.local', '--duration', '30', '--json')
    expect(lobby.code, lobby.err).toBe(0)
    expect(JSON.parse(lobby.out).url).toBe('http://127.0.0.1:18123/l/ada')
  })

  it('ATRIUM_PUBLIC_URL wins over HOST/PORT; a wildcard HOST is reached at 127.0.0.1', async () => {
    h = await cliHarness({ PORT: '18124', ATRIUM_PUBLIC_URL: 'https://chat.example.com/' })
    const relay = await h.cli('relay', 'create', '--name', 'alerts', '--to', 'admin@atrium.local', '--json')
    expect(JSON.parse(relay.out).url).toMatch(/^https:\/\/chat\.example\.com\/relay\//)
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl).toBe('http://127.0.0.1:9000')
    expect(loadConfig({ HOST: '::1', PORT: '9000' }).publicUrl).toBe('http://[::1]:9000')
  })

  it('the server prints links with the port it actually listens on (PORT=0)', async () => {
    const store = await freshStore(dialect, 'boundport')
    let printed = ''
    const app = await serve(loadConfig({ PORT: '0', ATRIUM_DATABASE_URL: store.url, ATRIUM_DATA_DIR: store.dataDir, ATRIUM_LOG_LEVEL: 'silent' }), { print: (t) => (printed += t) })
    try {
      const { port } = app.server.address() as { port: number }
      expect(port).not.toBe(0)
      expect(printed).toContain(`http://127.0.0.1:${port}/login/link?token=`)
      expect(printed).toContain(`http://127.0.0.1:${port}/v0/token.info`)
      expect(printed).not.toContain(':0/')
    } finally {
      await app.close()
      await store.drop()
    }
  })
})

describe(`--json errors (${dialect})`, () => {
  it('a refused request: {"error", "code"} on stderr, nothing on stdout, exit 2', async () => {
    h = await cliHarness()
    const res = await h.cli('client', 'create', '--name', 'x', '--scopes', 'chat:fly', '--json')
    expect(res.code).toBe(2)
    expect(res.out).toBe('')
    expect(JSON.parse(res.err)).toEqual({ error: '--scopes: unknown scope(s) chat:fly', code: 'invalid_request' })
  })

  it('a usage mistake: {"error", "code": "usage"}, no help text, exit 1', async () => {
    h = await cliHarness()
    const res = await h.cli('user', 'add', '--name', 'Ada', '--json')
    expect(res.code).toBe(1)
    expect(res.out).toBe('')
    expect(JSON.parse(res.err)).toEqual({ error: "required option '--email <email>' not specified", code: 'usage' })
  })

  it('an invalid configuration: every command answers one JSON object, exit 1', async () => {
    h = await cliHarness({ ATRIUM_LOG_LEVEL: 'verbose', ATRIUM_BODY_LIMIT: '10' })
    for (const argv of [['migrate'], ['user', 'list'], ['relay', 'list'], ['settings', 'show'], ['init'], ['backup', '/tmp/never.db']]) {
      const res = await h.cli(...argv, '--json')
      expect(res.code, argv.join(' ')).toBe(1)
      expect(res.out).toBe('')
      const body = JSON.parse(res.err)
      expect(body.code).toBe('invalid_configuration')
      expect(body.problems).toEqual([
        'ATRIUM_LOG_LEVEL is "verbose"; expected one of fatal, error, warn, info, debug, trace, silent',
        'ATRIUM_BODY_LIMIT is "10"; expected a whole number of at least 1024',
      ])
      expect(body.error).toBe(body.problems.join('; '))
    }
  })
})

describe(`atrium init and atrium doctor (${dialect})`, () => {
  it('doctor --json after init: every check passes or warns, exit 0', async () => {
    const port = await freePort()
    h = await cliHarness({ PORT: String(port) })
    expect((await h.cli('init')).code).toBe(0)
    const res = await h.cli('doctor', '--json')
    const report = JSON.parse(res.out)
    expect(res.code, res.out).toBe(0)
    expect(report.ok).toBe(true)
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['configuration', 'database', 'migrations', 'clock', 'redis', 'public URL', 'private URLs'])
    const byName = Object.fromEntries(report.checks.map((c: { name: string; status: string; detail: string }) => [c.name, c]))
    expect(byName.database.status).toBe('ok')
    expect(byName.migrations).toEqual({ name: 'migrations', status: 'ok', detail: 'every migration is applied' })
    expect(byName.clock.status).toBe('ok')
    if (dialect === 'postgres') expect(byName.clock.detail).toMatch(/ms (behind|ahead of) the database server/)
    // Nothing listens at this command's address: links it prints would lead nowhere.
    expect(byName['public URL']).toMatchObject({ status: 'warn', detail: expect.stringContaining(`nothing answers at http://127.0.0.1:${port}`) })
    // Again: init changes nothing on an existing organization.
    const again = await h.cli('init', '--json')
    expect(JSON.parse(again.out)).toMatchObject({ created: false })
  })

  it('doctor fails on a database migrated by a newer Atrium, saying so', async () => {
    h = await cliHarness()
    expect((await h.cli('init')).code).toBe(0)
    const future = '9000_from_a_newer_atrium'
    await h.withDb(async (db) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await (db as any).insertInto('kysely_migration').values({ name: future, timestamp: new Date().toISOString() }).execute()
    })
    const res = await h.cli('doctor', '--json')
    expect(res.code).toBe(1)
    const report = JSON.parse(res.out)
    expect(report.ok).toBe(false)
    expect(report.checks.find((c: { name: string }) => c.name === 'migrations')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`the database schema is at ${future} (applied by a newer Atrium`),
    })
  })

  it('doctor fails (exit 1) naming what is wrong: unreachable Redis, private URLs allowed on a public address', async () => {
    h = await cliHarness({ ATRIUM_REDIS_URL: 'redis://127.0.0.1:1', ATRIUM_ALLOW_PRIVATE_URLS: 'true', ATRIUM_PUBLIC_URL: 'https://chat.example.com' })
    expect((await h.cli('init')).code).toBe(0)
    const res = await h.cli('doctor')
    expect(res.code).toBe(1)
    expect(res.out).toMatch(/^FAIL {2}redis +cannot reach Redis at ATRIUM_REDIS_URL/m)
    expect(res.out).toMatch(/^WARN {2}private URLs +allowed \(ATRIUM_ALLOW_PRIVATE_URLS\) on a server others reach/m)
    expect(res.out).toMatch(/^OK {4}configuration/m)
  })

  // On PostgreSQL the harness has created and migrated the test's schema: there is no missing database to report.
  it.runIf(dialect === 'sqlite')('doctor reports a database that does not exist yet (and creates nothing)', async () => {
    h = await cliHarness()
    const res = await h.cli('doctor', '--json')
    expect(res.code).toBe(1)
    const report = JSON.parse(res.out)
    expect(report.checks.find((c: { name: string }) => c.name === 'database')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no database at') })
    expect(fs.existsSync(`${h.env.ATRIUM_DATA_DIR}/atrium.db`)).toBe(false)
  })

  it('doctor reports an invalid configuration and checks nothing else', async () => {
    h = await cliHarness({ PORT: 'eighty' })
    const r = await h.cli('doctor', '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toEqual({ ok: false, checks: [{ name: 'configuration', status: 'fail', detail: 'PORT is "eighty"; expected a whole number from 0 to 65535' }] })
  })
})

describe('ATRIUM_SHUTDOWN_GRACE_MS', () => {
  it('takes 0 to 3600000 milliseconds (default 10000)', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000)
    expect(loadConfig({ ATRIUM_SHUTDOWN_GRACE_MS: '0' }).shutdownGraceMs).toBe(0)
    expect(loadConfig({ ATRIUM_SHUTDOWN_GRACE_MS: '3600000' }).shutdownGraceMs).toBe(3_600_000)
    expect(() => loadConfig({ ATRIUM_SHUTDOWN_GRACE_MS: '3600001' })).toThrow('ATRIUM_SHUTDOWN_GRACE_MS is "3600001"; expected a whole number from 0 to 3600000')
    expect(() => loadConfig({ ATRIUM_SHUTDOWN_GRACE_MS: '-1' })).toThrow('ATRIUM_SHUTDOWN_GRACE_MS is "-1"; expected a whole number from 0 to 3600000')
  })
})
