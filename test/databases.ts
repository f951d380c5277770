import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../src/config.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { migrateToLatest } from '../src/store/migrate.js'
import type { Database } from '../src/store/schema.js'

/**
 * Where each test's database comes from. Running every migration for every test was most of the
 * cost of a test, so migrations run once and tests get copies (test/migrate.test.ts and the CLI
 * tests still run them for real, through `atrium migrate`):
 *
 * - SQLite: one in-memory database is migrated per test process and serialized; each test opens
 *   its own in-memory copy of that image.
 * - PostgreSQL: migrated schemas are kept in a pool in the test database and leased, one test at
 *   a time, under a session advisory lock held by this process (so a crashed process gives its
 *   leases back). A leased schema is emptied first (every row deleted, identities restarted); a
 *   schema whose tables or migrations a test changed is dropped instead of going back to the pool.
 *   The pool is per migration set: a schema made by other migrations is never handed out.
 */

export const pgUrl = process.env.ATRIUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

// ---------------------------------------------------------------- SQLite

let sqliteImage: Promise<Buffer> | undefined

/** A migrated in-memory SQLite database, serialized (made once per process). */
function migratedImage(): Promise<Buffer> {
  sqliteImage ??= (async () => {
    const raw = new SQLite(':memory:')
    raw.pragma('foreign_keys = ON')
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
    try {
      await migrateToLatest(db)
      return raw.serialize()
    } finally {
      await db.destroy()
    }
  })()
  return sqliteImage
}

/** An in-memory SQLite database, already migrated: a copy of the process's migrated image. */
export async function sqliteCopy(): Promise<Db> {
  return openDatabase({ dialect: 'sqlite', file: ':memory:' }, await migratedImage())
}

// ---------------------------------------------------------------- PostgreSQL

/** The registry of pooled schemas, in its own schema of the test database. */
const REGISTRY = 'atrium_test_pool'
/** Idle pooled schemas, and per-test schemas of interrupted runs, are dropped after this long. */
const STALE = '1 hour'

/** Identifies the migration set: the text of every migration file. */
function migrationSetId(): string {
  const dir = new URL('../src/store/migrations/', import.meta.url)
  const hash = createHash('sha256')
  for (const name of fs.readdirSync(dir).filter((n) => /\.[cm]?[jt]s$/.test(n)).sort()) {
    hash.update(name).update('\0').update(fs.readFileSync(new URL(name, dir))).update('\0')
  }
  return hash.digest('hex').slice(0, 12)
}

const lockKey = (schema: string) => `atrium-test-pool:${schema}`

/**
 * The shape of a schema (tables, columns with types and defaults, indexes, constraints) and the
 * migrations recorded in it: equal fingerprints mean a test left the schema as migrated.
 */
async function fingerprint(c: pg.Client, schema: string): Promise<string> {
  const { rows } = await c.query<{ f: string }>(
    `select md5(coalesce(string_agg(x, E'\\n' order by x), '')) as f from (
       select c.relname || '|' || c.relkind::text || '|' || coalesce(a.attname, '') || '|' || coalesce(format_type(a.atttypid, a.atttypmod), '')
              || '|' || coalesce(a.attnotnull::text, '') || '|' || coalesce(a.attidentity::text, '') || '|' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') as x
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
         left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
        where n.nspname = $1
       union all
       select 'constraint|' || conname || '|' || pg_get_constraintdef(k.oid)
         from pg_constraint k join pg_namespace n on n.oid = k.connamespace where n.nspname = $1
     ) parts`,
    [schema],
  )
  return `${rows[0]!.f}:${await appliedMigrations(c, schema)}`
}

interface Pool {
  /** Holds the advisory locks of this process's leases; also runs the pool's own statements. */
  admin: pg.Client
  set: string
  /** Schemas this process has leased (advisory locks are re-entrant within the one session). */
  held: Set<string>
  /** Serializes this process's leases and releases on the one connection. */
  queue: Promise<unknown>
  /** Statements that empty a schema of the pool's migration set (`$SCHEMA` stands for its name). */
  emptying?: string
}

let pool: Promise<Pool> | undefined

function schemaPool(): Promise<Pool> {
  pool ??= (async () => {
    const admin = new pg.Client({ connectionString: pgUrl })
    await admin.connect()
    admin.on('error', () => {})
    await ensureRegistry(admin)
    // Emptying skips foreign-key triggers: every table is emptied, so order does not matter.
    await admin.query(`set session_replication_role = replica`)
    return { admin, set: migrationSetId(), held: new Set<string>(), queue: Promise.resolve() }
  })()
  pool.catch(() => (pool = undefined))
  return pool
}

async function ensureRegistry(c: pg.Client): Promise<void> {
  const exists = await c.query(`select 1 from pg_tables where schemaname = $1 and tablename = 'schemas'`, [REGISTRY])
  if (exists.rowCount) return
  await c.query('begin')
  try {
    await c.query(`select pg_advisory_xact_lock(hashtext($1))`, [REGISTRY])
    await c.query(`create schema if not exists ${REGISTRY}`)
    await c.query(`create table if not exists ${REGISTRY}.schemas (
      name text primary key,
      migration_set text not null,
      fingerprint text not null,
      released boolean not null default false,
      uses integer not null default 0,
      used_at timestamptz not null default now()
    )`)
    await c.query('commit')
  } catch (err) {
    await c.query('rollback')
    throw err
  }
}

async function tryLock(c: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await c.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext($1)) as ok`, [lockKey(schema)])
  return rows[0]!.ok
}

async function unlock(c: pg.Client, schema: string): Promise<void> {
  await c.query(`select pg_advisory_unlock(hashtext($1))`, [lockKey(schema)])
}

async function dropSchema(c: pg.Client, schema: string, why = ''): Promise<void> {
  if (process.env.ATRIUM_TEST_POOL_LOG) fs.appendFileSync(process.env.ATRIUM_TEST_POOL_LOG, `${new Date().toISOString()} dropped ${schema}: ${why}\n`)
  // DROP … CASCADE's catalog walk can trip over another schema being dropped at that moment and
  // fail with `… does not exist`; such a failure changed nothing, so it is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await c.query(`drop schema if exists "${schema}" cascade`)
      break
    } catch (err) {
      if (attempt >= 5 || !(err instanceof Error) || !/ does not exist$/.test(err.message)) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    }
  }
  await c.query(`delete from ${REGISTRY}.schemas where name = $1`, [schema])
}

/** The statements that empty a schema of this migration set, read once from a migrated schema. */
async function emptyingFor(p: Pool, schema: string): Promise<string> {
  if (p.emptying) return p.emptying
  const tables = await p.admin.query<{ t: string }>(
    `select tablename as t from pg_tables where schemaname = $1 and tablename not in ('kysely_migration', 'kysely_migration_lock') order by 1`,
    [schema],
  )
  const identities = await p.admin.query<{ t: string; col: string }>(
    `select c.relname as t, a.attname as col from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and a.attidentity <> '' and not a.attisdropped`,
    [schema],
  )
  p.emptying = [
    ...tables.rows.map((r) => `delete from "$SCHEMA"."${r.t}";`),
    ...identities.rows.map((r) => `select setval(pg_get_serial_sequence('"$SCHEMA"."${r.t}"', '${r.col}'), 1, false);`),
  ].join('\n')
  return p.emptying
}

async function createPooled(p: Pool): Promise<string> {
  const schema = `tp_${p.set}_${randomBytes(6).toString('hex')}`
  if (!(await tryLock(p.admin, schema))) throw new Error(`pool schema ${schema} is locked`)
  try {
    await p.admin.query(`create schema "${schema}"`)
    const db = openDatabase({ dialect: 'postgres', url: pgUrl, schema })
    try {
      await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
    const print = await fingerprint(p.admin, schema)
    await p.admin.query(`insert into ${REGISTRY}.schemas (name, migration_set, fingerprint, uses) values ($1, $2, $3, 1)`, [schema, p.set, print])
  } catch (err) {
    await dropSchema(p.admin, schema, 'failed to migrate').catch(() => undefined)
    await unlock(p.admin, schema)
    throw err
  }
  return schema
}

/** The migrations recorded in a schema. */
async function appliedMigrations(c: pg.Client, schema: string): Promise<string> {
  const applied = await c.query<{ names: string | null }>(`select string_agg(name, ',' order by name) as names from "${schema}".kysely_migration`)
  return applied.rows[0]!.names ?? ''
}

/**
 * Leases an empty, migrated schema of this migration set: a pooled one that is free, emptied, or
 * a new one. `release` gives it back, or drops it if the test changed it: with `check: 'shape'`
 * (a caller that may run DDL or migrations: the CLI) it compares the whole shape of the schema;
 * with `check: 'migrations'` (a test through the application, which runs no DDL) only the
 * recorded migrations, as reading the shape from the catalog costs more than the rest of a lease.
 */
export async function leaseSchema(check: 'shape' | 'migrations' = 'shape'): Promise<{ schema: string; release: () => Promise<void> }> {
  const p = await schemaPool()
  return serially(p, () => lease(p, check))
}

function serially<T>(p: Pool, fn: () => Promise<T>): Promise<T> {
  const run = p.queue.then(fn, fn)
  p.queue = run.catch(() => undefined)
  return run
}

async function lease(p: Pool, check: 'shape' | 'migrations'): Promise<{ schema: string; release: () => Promise<void> }> {
  const c = p.admin
  let schema: string | undefined
  const free = await c.query<{ name: string; released: boolean; uses: number }>(
    `select name, released, uses from ${REGISTRY}.schemas where migration_set = $1 order by used_at limit 20`,
    [p.set],
  )
  for (const row of free.rows) {
    if (p.held.has(row.name) || !(await tryLock(c, row.name))) continue
    // Registered and locked by us: nobody else uses or drops it now. Was it given back whole?
    const current = await c.query<{ released: boolean; uses: number }>(`select released, uses from ${REGISTRY}.schemas where name = $1`, [row.name])
    const state = current.rows[0]
    if (!state) {
      await unlock(c, row.name)
      continue
    }
    if (!state.released) {
      // Its last user's process ended without giving it back: its shape is unknown.
      await dropSchema(c, row.name, 'unreleased')
      await unlock(c, row.name)
      continue
    }
    await c.query('begin')
    try {
      await c.query((await emptyingFor(p, row.name)).replaceAll('$SCHEMA', row.name))
      await c.query(`update ${REGISTRY}.schemas set released = false, uses = uses + 1, used_at = now() where name = $1`, [row.name])
      await c.query('commit')
    } catch (err) {
      await c.query('rollback')
      await unlock(c, row.name)
      throw err
    }
    // Deleted rows are left behind as dead tuples (autovacuum may be off): vacuum now and then.
    if ((state.uses + 1) % 50 === 0) await c.query(`vacuum ${(await c.query<{ t: string }>(`select string_agg(format('%I.%I', schemaname, tablename), ', ') as t from pg_tables where schemaname = $1`, [row.name])).rows[0]!.t}`)
    schema = row.name
    break
  }
  schema ??= await createPooled(p)
  const leased = schema
  p.held.add(leased)
  let given = false
  return {
    schema: leased,
    // Giving a schema back twice is harmless: by then it may be another lease's.
    release: () => serially(p, async () => {
      if (given) return
      given = true
      const registered = (await c.query<{ fingerprint: string }>(`select fingerprint from ${REGISTRY}.schemas where name = $1`, [leased])).rows[0]?.fingerprint
      const intact =
        registered !== undefined &&
        (check === 'shape'
          ? (await fingerprint(c, leased).catch(() => undefined)) === registered
          : (await appliedMigrations(c, leased).catch(() => undefined)) === registered.slice(registered.indexOf(':') + 1))
      if (intact) {
        await c.query(`update ${REGISTRY}.schemas set released = true, used_at = now() where name = $1`, [leased])
      } else {
        await dropSchema(c, leased, `changed ${check}`)
      }
      await unlock(c, leased)
      p.held.delete(leased)
    }),
  }
}

/**
 * Makes sure `count` migrated schemas of this migration set are in the pool, so that the first
 * tests after a migration changed do not each wait for (or time out in) a full migration. Run
 * before the tests (vitest's globalSetup); the connection it used is closed afterwards.
 */
export async function warmPool(count: number): Promise<number> {
  const p = await schemaPool()
  try {
    const have = await p.admin.query<{ n: number }>(`select count(*)::int as n from ${REGISTRY}.schemas where migration_set = $1 and released`, [p.set])
    const missing = Math.max(0, count - have.rows[0]!.n)
    for (let i = 0; i < missing; i++) {
      const schema = await createPooled(p)
      await p.admin.query(`update ${REGISTRY}.schemas set released = true, uses = 0 where name = $1`, [schema])
      await unlock(p.admin, schema)
    }
    return missing
  } finally {
    pool = undefined
    await p.admin.end()
  }
}

/**
 * Drops what interrupted runs left in the test database: pooled schemas idle for an hour (or of
 * a migration set this code no longer has, once idle that long) and per-test schemas (`t_…`)
 * migrated more than an hour ago. Schemas in use (locked) are left alone.
 */
export async function dropStaleSchemas(): Promise<string[]> {
  const c = new pg.Client({ connectionString: pgUrl })
  await c.connect()
  const dropped: string[] = []
  try {
    await ensureRegistry(c)
    const idle = await c.query<{ name: string }>(`select name from ${REGISTRY}.schemas where used_at < now() - interval '${STALE}'`)
    for (const { name } of idle.rows) {
      if (!(await tryLock(c, name))) continue
      const still = await c.query(`select 1 from ${REGISTRY}.schemas where name = $1 and used_at < now() - interval '${STALE}'`, [name])
      if (still.rowCount) {
        await dropSchema(c, name)
        dropped.push(name)
      }
      await unlock(c, name)
    }
    // Per-test schemas: their kysely_migration table was written when they were made.
    const old = await c.query<{ name: string }>(
      `select n.nspname as name from pg_class t join pg_namespace n on n.oid = t.relnamespace
        where t.relname = 'kysely_migration' and t.relkind = 'r' and n.nspname ~ '^t_[0-9a-f]{16}$'
          and (pg_stat_file(pg_relation_filepath(t.oid), true)).modification < now() - interval '${STALE}'`,
    )
    for (const { name } of old.rows) {
      await dropSchema(c, name)
      dropped.push(name)
    }
  } finally {
    await c.end()
  }
  return dropped
}

/** The schema (and data dir) names of a test's own PostgreSQL database. */
export function postgresConfigFor(schema: string) {
  const base = loadConfig({ ATRIUM_DATABASE_URL: pgUrl, ATRIUM_DATA_DIR: `/tmp/atrium-test-${schema}-${randomBytes(4).toString('hex')}` })
  return { ...base, database: { dialect: 'postgres' as const, url: pgUrl, schema } }
}
