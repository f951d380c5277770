import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { bootstrap, requireOrganization } from '../src/actions/bootstrap.js'
import { createApiKeyClient } from '../src/actions/clients.js'
import { loadConfig } from '../src/config.js'
import type { Context } from '../src/context.js'
import type { Organization } from '../src/domain.js'
import { SCOPES, type Scope } from '../src/scopes.js'
import { openDatabase } from '../src/store/db.js'
import { migrateToLatest } from '../src/store/migrate.js'
import { newId } from '../src/ids.js'
import { insertChat } from '../src/store/repos/chats.js'
import { insertGroup, upsertGroupMembers } from '../src/store/repos/groups.js'
import { nowMicros } from '../src/time.js'

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
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 180_000)
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

/**
 * Migrates and bootstraps a fresh store from this process, so several servers can then start on
 * it at the same time (each would otherwise race to create the organization).
 */
export async function prepareStore(store: Store): Promise<void> {
  const config = loadConfig({ ATRIUM_DATABASE_URL: store.url, ATRIUM_DATA_DIR: store.dataDir, ATRIUM_LOG_LEVEL: 'warn' })
  const db = openDatabase(config.database)
  try {
    await migrateToLatest(db)
    await bootstrap({ db, config })
  } finally {
    await db.destroy()
  }
}

/** An organization API client with the given scopes (all by default); returns its bearer key. */
export async function createClient(ctx: Context, orgId: string, scopes: Scope[] = [...SCOPES]): Promise<{ apiKey: string; bot: string; signingSecret: string; appId: string }> {
  const created = await createApiKeyClient(ctx, orgId, { name: `client-${randomBytes(4).toString('hex')}`, scopes })
  return { apiKey: created.apiKey, bot: `B-${created.app.botId}`, signingSecret: created.signingSecret, appId: created.app.id }
}

export interface SeededGroup {
  groupId: string
  chatId: string
  /** `C-…`, the address chat.post and chat.history take. */
  chatAddress: string
  groupAddress: string
}

/** A public group whose channel chat has `members` (tagged addresses) as members. */
export async function seedGroup(ctx: Context, orgId: string, name: string, members: string[]): Promise<SeededGroup> {
  const now = nowMicros()
  const chat = await insertChat(ctx.db, { id: newId(), orgId, kind: 'channel', groupId: null, participants: [], startedAt: now })
  const group = await insertGroup(ctx.db, {
    id: newId(),
    orgId,
    chatId: chat.id,
    name,
    description: null,
    private: false,
    enforceThreads: false,
    createdBy: null,
    createdAt: now,
  })
  await ctx.db.updateTable('chats').set({ group_id: group.id }).where('id', '=', chat.id).execute()
  await upsertGroupMembers(ctx.db, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
  return { groupId: group.id, chatId: chat.id, chatAddress: `C-${chat.id}`, groupAddress: `G-${group.id}` }
}


export interface Delivery {
  headers: Record<string, string | string[] | undefined>
  body: unknown
  at: number
}

/** An HTTP endpoint in this process that records every POST it receives (webhook deliveries). */
export async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close: () => Promise<void> }> {
  const http = await import('node:http')
  const deliveries: Delivery[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        body = Buffer.concat(chunks).toString('utf8')
      }
      deliveries.push({ headers: req.headers, body, at: Date.now() })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
