import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { requireOrganization } from '../src/actions/bootstrap.js'
import { createApiKeyClient } from '../src/actions/clients.js'
import { loadConfig } from '../src/config.js'
import type { Context } from '../src/context.js'
import type { Organization } from '../src/domain.js'
import { SCOPES, type Scope } from '../src/scopes.js'
import { openDatabase } from '../src/store/db.js'

/**
 * Real Atrium server processes on 127.0.0.1, for the crash, scale-out and benchmark runs that the
 * in-process `app.inject` tests cannot cover. Every process started here is killed by `stop()`;
 * callers stop them in afterAll/finally.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const pgUrl = process.env.ATRIUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const redisUrl = process.env.ATRIUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export interface Store {
  /** `ATRIUM_DATABASE_URL` for the server processes. */
  url: string
  dialect: 'sqlite' | 'postgres'
  dataDir: string
  drop(): Promise<void>
}

/** A fresh, empty database: a SQLite file in a new directory, or a new PostgreSQL schema. */
export async function freshStore(dialect: 'sqlite' | 'postgres', label = 'proc'): Promise<Store> {
  const id = randomBytes(6).toString('hex')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `atrium-${label}-`))
  if (dialect === 'sqlite') {
    return {
      url: `sqlite:${path.join(dataDir, 'atrium.db')}`,
      dialect,
      dataDir,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  const schema = `${label}_${id}`
  const admin = new pg.Client({ connectionString: pgUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const sep = pgUrl.includes('?') ? '&' : '?'
  return {
    url: `${pgUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    dialect,
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: pgUrl })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await c.end()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface AtriumProcess {
  readonly port: number
  readonly url: string
  readonly child: ChildProcess
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** SIGKILL: no shutdown, no flushing; resolves once the process is gone. */
  kill(): Promise<void>
  /** SIGTERM (graceful), SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>
}

export interface StartOptions {
  store: Store
  port?: number
  env?: Record<string, string>
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[]
  /** `dist` runs the compiled build (benchmarks); `src` runs the TypeScript sources through tsx. */
  from?: 'dist' | 'src'
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Starts `atrium serve` and resolves once `/readyz` answers 200. */
export async function startAtrium(opts: StartOptions): Promise<AtriumProcess> {
  const port = opts.port ?? (await freePort())
  const from = opts.from ?? 'src'
  const entry = from === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts']
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'serve'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      ATRIUM_DATABASE_URL: opts.store.url,
      ATRIUM_DATA_DIR: opts.store.dataDir,
      ATRIUM_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child)
    resolve()
  }))
  let gone = false
  void exited.then(() => (gone = true))

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000)
  for (;;) {
    if (gone) throw new Error(`atrium exited before becoming ready:\n${out}`)
    try {
      const res = await fetch(`${url}/readyz`)
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`atrium did not become ready within the timeout:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }

  const proc: AtriumProcess = {
    port,
    url,
    child,
    output: () => out,
    async kill() {
      if (!gone) child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (gone) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
  return proc
}

/**
 * This process's own connection to a store the servers use (after one of them bootstrapped it),
 * for creating fixtures and checking state directly.
 */
export async function connectStore(store: Store): Promise<{ ctx: Context; org: Organization; close: () => Promise<void> }> {
  const config = loadConfig({ ATRIUM_DATABASE_URL: store.url, ATRIUM_DATA_DIR: store.dataDir, ATRIUM_LOG_LEVEL: 'warn' })
  const db = openDatabase(config.database)
  const ctx: Context = { db, config }
  return { ctx, org: await requireOrganization(ctx), close: () => db.destroy() }
}

/** An organization API client with the given scopes (all by default); returns its bearer key. */
export async function createClient(ctx: Context, orgId: string, scopes: Scope[] = [...SCOPES]): Promise<{ apiKey: string; bot: string; signingSecret: string; appId: string }> {
  const created = await createApiKeyClient(ctx, orgId, { name: `client-${randomBytes(4).toString('hex')}`, scopes })
  return { apiKey: created.apiKey, bot: `B-${created.app.botId}`, signingSecret: created.signingSecret, appId: created.app.id }
}
