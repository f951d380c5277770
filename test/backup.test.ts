import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { dialect, pgUrl } from './helpers.js'

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
      expect(printed).toEqual({ file: target, bytes: fs.statSync(target).size })
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
})
