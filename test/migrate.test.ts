import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { runCli } from '../src/cli.js'
import type { Db } from '../src/store/db.js'
import { knownMigrations } from '../src/store/migrate.js'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect } from './helpers.js'

let h: CliHarness

const applied = () => h.withDb(async (db) => (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name))

/** Undoes a migration with its own `down` and forgets it, as if the database were one version behind. */
async function takeBack(db: Db, name: string): Promise<void> {
  const migration = (await import(`../src/store/migrations/${name}.ts`)) as { down: (db: Db) => Promise<void> }
  await migration.down(db)
  await sql`delete from kysely_migration where name = ${name}`.execute(db)
}

beforeEach(async () => {
  h = await cliHarness()
})
afterEach(async () => {
  await h.drop()
})

describe(`atrium migrate (${dialect})`, () => {
  const known = knownMigrations()
  const latest = known[known.length - 1]!
  const previous = known[known.length - 2]!

  it('--status names the schema version and the pending migrations; migrate applies them', async () => {
    expect((await h.cli('migrate')).code).toBe(0)
    // Take the newest migration back out, as if the database were one version behind.
    await h.withDb(async (db) => {
      await takeBack(db, latest)
    })
    const behind = await h.cli('migrate', '--status', '--json')
    expect(behind.err).toBe('')
    expect(behind.code).toBe(0)
    expect(JSON.parse(behind.out)).toEqual({ current: previous, latest, applied: known.slice(0, -1), pending: [latest], newer: [], upToDate: false })
    const human = await h.cli('migrate', '--status')
    expect(human.out).toContain(`database schema: ${previous}`)
    expect(human.out).toContain(`pending: ${latest}`)
    // --status changed nothing.
    expect(await applied()).toEqual(known.slice(0, -1))

    const run = await h.cli('migrate', '--json')
    expect(JSON.parse(run.out)).toEqual({ applied: [latest] })
    const now = await h.cli('migrate', '--status', '--json')
    expect(JSON.parse(now.out)).toMatchObject({ current: latest, pending: [], upToDate: true })
    expect((await h.cli('migrate', '--status')).out).toContain('up to date')
  })

  it('refuses a database migrated by a newer Atrium, naming both versions, and changes nothing', async () => {
    expect((await h.cli('migrate')).code).toBe(0)
    const future = '9000_from_a_newer_atrium'
    await h.withDb(async (db) => {
      await takeBack(db, latest)
      await sql`insert into kysely_migration (name, timestamp) values (${future}, ${new Date().toISOString()})`.execute(db)
    })
    const before = await applied()

    const res = await h.cli('migrate')
    expect(res.code).toBe(1)
    expect(res.out).toBe('')
    expect(res.err).toContain(`the database schema is at ${future}`)
    expect(res.err).toContain(`up to ${latest}`)
    expect(res.err).not.toMatch(/\n\s+at /) // a message, not a stack trace
    // Not even the pending migration ran.
    expect(await applied()).toEqual(before)

    // With --json: exactly one {"error"} object on stderr, nothing else.
    const json = await h.cli('migrate', '--json')
    expect(json.code).toBe(1)
    expect(json.out).toBe('')
    expect(json.err.trimEnd().split('\n')).toHaveLength(1)
    expect(JSON.parse(json.err)).toEqual({ error: res.err.replace(/^atrium: /, '').trimEnd(), code: 'schema_too_new' })

    // Every other command refuses the same way, before touching anything.
    const other = await h.cli('user', 'add', '--email', 'ada@example.com', '--name', 'Ada')
    expect(other.code).toBe(1)
    expect(other.err).toContain(future)

    const status = await h.cli('migrate', '--status', '--json')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out)).toMatchObject({ current: future, latest, newer: [future], upToDate: false })
  })
})

describe.runIf(dialect === 'sqlite')('atrium migrate on a mistyped SQLite path', () => {
  /** `atrium …` with the harness's data directory and another ATRIUM_DATABASE_URL. */
  async function cliWith(url: string, ...argv: string[]) {
    let out = ''
    let err = ''
    const env = { ...h.env, ATRIUM_DATABASE_URL: url }
    const code = await runCli(argv, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) })
    return { code, out, err }
  }

  it('is refused beside another Atrium database or in a missing directory, and creates nothing', async () => {
    expect((await h.cli('migrate')).code).toBe(0)
    const dataDir = h.env.ATRIUM_DATA_DIR!

    const typo = path.join(dataDir, 'atrum.db')
    for (const argv of [['migrate'], ['migrate', '--status']]) {
      const res = await cliWith(`sqlite:${typo}`, ...argv)
      expect(res.code, argv.join(' ')).toBe(1)
      expect(res.out).toBe('')
      expect(res.err).toContain(`there is no database at ${typo}, but ${path.join(dataDir, 'atrium.db')} is an Atrium database`)
      expect(fs.existsSync(typo)).toBe(false)
    }

    const missingDir = path.join(dataDir, 'no-such-dir')
    const res = await cliWith(`sqlite:${path.join(missingDir, 'atrium.db')}`, 'migrate', '--json')
    expect(res.code).toBe(1)
    expect(res.out).toBe('')
    expect(JSON.parse(res.err)).toMatchObject({ code: 'startup', error: expect.stringContaining(`the directory ${missingDir} does not exist`) })
    expect(fs.existsSync(missingDir)).toBe(false)
  })
})
