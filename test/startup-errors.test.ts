import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dialect } from './helpers.js'
import { pgUrl, repoRoot } from './servers.js'

/**
 * What a newcomer sees when the configuration or the environment is wrong: the real binary in a
 * child process, one plain line per problem, exit code 1, no stack trace unless
 * ATRIUM_LOG_LEVEL=debug. The process-level behaviour does not depend on the test dialect, so these
 * run in the sqlite project only (the PostgreSQL cases talk to the PostgreSQL server directly).
 */

const dirs: string[] = []
afterEach(() => {
  while (dirs.length > 0) fs.rmSync(dirs.pop()!, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-startup-'))
  dirs.push(dir)
  return dir
}

/** Runs `atrium <args>` from the sources to completion (it must fail fast: 60 s at most). */
async function atrium(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '')
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m)

describe.runIf(dialect === 'sqlite')('start-up errors read well', () => {
  it('an invalid configuration: one line per variable, the value received (secrets by length), what is valid', async () => {
    const res = await atrium(['serve'], {
      ATRIUM_DATA_DIR: tempDir(),
      ATRIUM_LOG_LEVEL: 'verbose',
      PORT: '70000',
      ATRIUM_COOKIE_SECRET: 'too-short-secret',
      ATRIUM_DATABASE_URL: 'mysql://root:hunter2@db/atrium',
    })
    expect(res.code).toBe(1)
    expect(lines(res.stderr).sort()).toEqual(
      [
        'atrium: ATRIUM_COOKIE_SECRET is a secret of 16 characters; expected at least 32 characters',
        'atrium: ATRIUM_DATABASE_URL is "mysql://root:***@db/atrium"; expected postgres://user@host:5432/db, or sqlite:<path to a file>',
        'atrium: ATRIUM_LOG_LEVEL is "verbose"; expected one of fatal, error, warn, info, debug, trace, silent',
        'atrium: PORT is "70000"; expected a whole number from 0 to 65535',
      ].sort(),
    )
    expect(res.stderr).not.toContain('too-short-secret')
    expect(res.stderr).not.toContain('hunter2')
    expect(res.stdout).toBe('')
  }, 90_000)

  it('a busy port: one sentence, exit 1, no stack; the stack with ATRIUM_LOG_LEVEL=debug', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as net.AddressInfo
    try {
      const res = await atrium(['serve'], { ATRIUM_DATA_DIR: tempDir(), PORT: String(port), ATRIUM_LOG_LEVEL: 'warn' })
      expect(res.code).toBe(1)
      expect(lines(res.stderr)).toEqual([`atrium: port ${port} on 127.0.0.1 is already in use (another Atrium, or another program); stop it or set PORT to a free port`])
      const debug = await atrium(['serve'], { ATRIUM_DATA_DIR: tempDir(), PORT: String(port), ATRIUM_LOG_LEVEL: 'debug' })
      expect(debug.code).toBe(1)
      expect(debug.stderr).toContain(`atrium: port ${port} on 127.0.0.1 is already in use`)
      expect(debug.stderr).toMatch(/^\s+at /m)
    } finally {
      blocker.close()
    }
  }, 120_000)

  it('an unreachable database, refused credentials, a missing database: one sentence each, exit 1', async () => {
    const dataDir = tempDir()
    const closed = `postgres://postgres@127.0.0.1:1/test`
    const unreachable = await atrium(['serve'], { ATRIUM_DATA_DIR: dataDir, ATRIUM_DATABASE_URL: closed, ATRIUM_LOG_LEVEL: 'warn' })
    expect(unreachable.code).toBe(1)
    expect(lines(unreachable.stderr)).toEqual([`atrium: cannot reach the database: nothing answers at ${closed}; start PostgreSQL or correct ATRIUM_DATABASE_URL`])

    const u = new URL(pgUrl)
    u.username = 'no_such_role'
    u.password = 'secret-pw'
    const refused = await atrium(['user', 'list'], { ATRIUM_DATA_DIR: dataDir, ATRIUM_DATABASE_URL: u.toString(), ATRIUM_LOG_LEVEL: 'warn' })
    expect(refused.code).toBe(1)
    expect(lines(refused.stderr)).toHaveLength(1)
    expect(refused.stderr).toMatch(/^atrium: the database at postgres:\/\/no_such_role:\*\*\*@.* refused the credentials \(.*no_such_role.*\); correct the user name or password in ATRIUM_DATABASE_URL\n$/)
    expect(refused.stderr).not.toContain('secret-pw')

    const missing = new URL(pgUrl)
    missing.pathname = '/no_such_database_for_atrium'
    const absent = await atrium(['serve'], { ATRIUM_DATA_DIR: dataDir, ATRIUM_DATABASE_URL: missing.toString(), ATRIUM_LOG_LEVEL: 'warn' })
    expect(absent.code).toBe(1)
    expect(absent.stderr).toMatch(/^atrium: the database at .* does not exist .*; create it \(createdb\) or correct the database name in ATRIUM_DATABASE_URL\n$/)
    for (const r of [unreachable, refused, absent]) noStack(r.stderr)
  }, 180_000)

  it('an unwritable data directory: one sentence, exit 1', async () => {
    const file = path.join(tempDir(), 'not-a-directory')
    fs.writeFileSync(file, '')
    const res = await atrium(['serve'], { ATRIUM_DATA_DIR: path.join(file, 'data'), ATRIUM_LOG_LEVEL: 'warn' })
    expect(res.code).toBe(1)
    expect(lines(res.stderr)).toEqual([
      `atrium: the data directory ${path.join(file, 'data')} is not writable (ENOTDIR); set ATRIUM_DATA_DIR to a directory this user can write, or fix its permissions`,
    ])
  }, 90_000)

  it('a mistyped SQLite path is refused instead of creating a second organization; serve --init creates it', async () => {
    const dataDir = tempDir()
    const first = await atrium(['init', '--json'], { ATRIUM_DATA_DIR: dataDir, ATRIUM_LOG_LEVEL: 'warn' })
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ created: true, database: path.join(dataDir, 'atrium.db') })

    const typo = `sqlite:${path.join(dataDir, 'atrum.db')}`
    const refused = await atrium(['serve'], { ATRIUM_DATA_DIR: dataDir, ATRIUM_DATABASE_URL: typo, ATRIUM_LOG_LEVEL: 'warn' })
    expect(refused.code).toBe(1)
    expect(lines(refused.stderr)).toEqual([
      `atrium: there is no database at ${path.join(dataDir, 'atrum.db')}, but ${path.join(dataDir, 'atrium.db')} is an Atrium database; check ATRIUM_DATABASE_URL and ATRIUM_DATA_DIR for a typo, or run \`atrium init\` (or \`atrium serve --init\`) to create a new, empty organization at ${path.join(dataDir, 'atrum.db')}`,
    ])
    expect(fs.existsSync(path.join(dataDir, 'atrum.db'))).toBe(false)

    const missingDir = `sqlite:${path.join(dataDir, 'no-such-dir', 'atrium.db')}`
    const noDir = await atrium(['serve'], { ATRIUM_DATA_DIR: tempDir(), ATRIUM_DATABASE_URL: missingDir, ATRIUM_LOG_LEVEL: 'warn' })
    expect(noDir.code).toBe(1)
    expect(noDir.stderr).toContain(`ATRIUM_DATABASE_URL names ${path.join(dataDir, 'no-such-dir', 'atrium.db')}, but the directory ${path.join(dataDir, 'no-such-dir')} does not exist`)
    expect(fs.existsSync(path.join(dataDir, 'no-such-dir'))).toBe(false)
  }, 180_000)
})
