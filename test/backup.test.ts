import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { buildApp } from '../src/app.js'
import { dialect, pgUrl } from './helpers.js'
import { seedDirectory, seedMessages, snapshot } from './org-snapshot.js'

let dir: string
let env: NodeJS.ProcessEnv

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) })
  return { code, out, err }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-backup-'))
  env = { ATRIUM_DATA_DIR: dir }
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('atrium backup', () => {
  it.skipIf(dialect !== 'sqlite')('copies a SQLite database that is being written to', async () => {
    expect((await cli('client', 'create', '--name', 'before-backup', '--scopes', 'all', '--json')).code).toBe(0)
    // A live writer holds the database open (as the server would) while the backup runs.
    const live: Db = openDatabase(loadConfig(env).database)
    try {
      await live.updateTable('organizations').set({ name: 'Backed Up Org' }).execute()
      const target = path.join(dir, 'backups', 'atrium-copy.db')
      const res = await cli('backup', target, '--json')
      expect(res.err).toBe('')
      expect(res.code).toBe(0)
      const printed = JSON.parse(res.out)
      expect(printed).toEqual({ file: target, bytes: fs.statSync(target).size, files: 0 })
      expect(fs.readdirSync(path.dirname(target))).toEqual(['atrium-copy.db'])

      const copy = new SQLite(target, { readonly: true })
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
        expect(copy.prepare('select name from organizations').get()).toEqual({ name: 'Backed Up Org' })
        expect(copy.prepare("select count(*) as n from apps where name = 'before-backup'").get()).toEqual({ n: 1 })
      } finally {
        copy.close()
      }
    } finally {
      await live.destroy()
    }
  })

  it.skipIf(dialect !== 'sqlite')('refuses to overwrite the database with itself', async () => {
    expect((await cli('migrate')).code).toBe(0)
    const res = await cli('backup', path.join(dir, 'atrium.db'))
    expect(res.code).toBe(1)
    expect(res.err).toContain('must differ from the database file')
  })

  it('points PostgreSQL users to pg_dump', async () => {
    env = { ATRIUM_DATA_DIR: dir, ATRIUM_DATABASE_URL: pgUrl }
    const res = await cli('backup', path.join(dir, 'x.db'))
    expect(res.code).toBe(2)
    expect(res.err).toContain('pg_dump')
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false)
  })

  it('points PostgreSQL users to pg_restore', async () => {
    env = { ATRIUM_DATA_DIR: dir, ATRIUM_DATABASE_URL: 'postgres://atrium:hunter2@db.example:5432/atrium' }
    const res = await cli('restore', path.join(dir, 'x.dump'))
    expect(res.code).toBe(2)
    expect(res.err).toContain('pg_restore')
    expect(res.err).not.toContain('hunter2')
  })
})

describe('atrium restore', () => {
  /** The HTTP application on the database of `dataDir` (as `atrium serve` would open it). */
  async function serverOn(dataDir: string) {
    const config = loadConfig({ ATRIUM_DATA_DIR: dataDir, ATRIUM_RATE_LIMIT: 'off' })
    const app = await buildApp(config, { logger: false })
    await app.ready()
    return app
  }

  it.skipIf(dialect !== 'sqlite')('brings back a backup, uploaded files included, into a fresh data directory', { timeout: 60_000 }, async () => {
    const { apiKey, people } = await seedDirectory(cli)
    let app = await serverOn(dir)
    const { group, itemId, bytes } = await seedMessages(app, apiKey, people)
    const before = await snapshot(app, apiKey, group, itemId)
    expect(before.history.messages).toHaveLength(3)
    expect(Buffer.from(before.file, 'base64').equals(bytes)).toBe(true)

    // Backed up while the server runs.
    const file = path.join(dir, 'backups', 'atrium.backup')
    const backup = await cli('backup', file, '--json')
    expect(backup.err).toBe('')
    expect(JSON.parse(backup.out)).toMatchObject({ file, files: 1 })
    await app.close()

    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-restored-'))
    try {
      env = { ATRIUM_DATA_DIR: fresh }
      const restored = await cli('restore', file, '--json')
      expect(restored.err).toBe('')
      expect(restored.code).toBe(0)
      expect(JSON.parse(restored.out)).toMatchObject({ database: path.join(fresh, 'atrium.db'), files: 1 })
      // The file went back to the uploads directory, and out of the database.
      expect(fs.readdirSync(path.join(fresh, 'uploads'))).toHaveLength(1)
      const db = new SQLite(path.join(fresh, 'atrium.db'), { readonly: true })
      expect(db.prepare('select count(*) as n from file_blobs').get()).toEqual({ n: 0 })
      db.close()

      app = await serverOn(fresh)
      expect(await snapshot(app, apiKey, group, itemId)).toEqual(before)
      await app.close()

      // A second restore would overwrite the database: refused, nothing touched.
      const again = await cli('restore', file)
      expect(again.code).toBe(2)
      expect(again.err).toContain('exists')
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true })
    }
  })

  it.skipIf(dialect !== 'sqlite')('refuses a backup made by a newer Atrium (exit 1), writing nothing', async () => {
    expect((await cli('migrate')).code).toBe(0)
    const file = path.join(dir, 'newer.backup')
    expect((await cli('backup', file)).code).toBe(0)
    const copy = new SQLite(file)
    copy.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9000_from_a_newer_atrium', new Date().toISOString())
    copy.close()
    const target = path.join(dir, 'target')
    env = { ATRIUM_DATA_DIR: target }
    const res = await cli('restore', file)
    expect(res.code).toBe(1)
    expect(res.err).toContain('9000_from_a_newer_atrium')
    expect(fs.existsSync(target) ? fs.readdirSync(target) : []).toEqual([])
    // With --json: exactly one {"error"} object on stderr, naming the file.
    const json = await cli('restore', file, '--json')
    expect(json.code).toBe(1)
    expect(json.out).toBe('')
    const body = JSON.parse(json.err)
    expect(body.code).toBe('schema_too_new')
    expect(body.error.startsWith(`${file}: the database schema is at 9000_from_a_newer_atrium`)).toBe(true)
  })

  it.skipIf(dialect !== 'sqlite')('refuses a file that is not an Atrium backup, writing nothing', async () => {
    const junk = path.join(dir, 'junk.db')
    fs.writeFileSync(junk, 'not a database at all, just some text that is long enough to have a header')
    const target = path.join(dir, 'target')
    env = { ATRIUM_DATA_DIR: target }
    const res = await cli('restore', junk)
    expect(res.code).toBe(2)
    expect(res.err).toContain('not a readable SQLite database')
    const json = await cli('restore', junk, '--json')
    expect(json.code).toBe(2)
    expect(JSON.parse(json.err)).toMatchObject({ code: 'invalid_request', error: expect.stringContaining('not a readable SQLite database') })
    expect(fs.existsSync(path.join(target, 'atrium.db'))).toBe(false)

    const empty = path.join(dir, 'empty.db')
    new SQLite(empty).close()
    const notOurs = await cli('restore', empty)
    expect(notOurs.code).toBe(2)
    expect(notOurs.err).toContain('not an Atrium database')
    expect(fs.readdirSync(target).filter((f) => f.startsWith('atrium.db'))).toEqual([])
  })
})
