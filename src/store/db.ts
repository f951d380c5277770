import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect, sql, SqliteDialect, type Compilable, type CompiledQuery, type Transaction } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import { dialectOf, type Dialect } from './dialect.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>
/** What repositories take first: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>

// int8 (bigint) columns hold µs instants and sizes, all below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

/**
 * Opens the configured database. `image` is for an in-memory SQLite database only (`sqlite::memory:`):
 * it starts as a copy of that serialized database (`serialize()` of another one) instead of empty,
 * so a test suite migrates one database and hands each test a copy. A file database ignores it.
 */
export function openDatabase(config: DatabaseConfig, image?: Buffer): Db {
  if (config.dialect === 'sqlite') {
    if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true })
    const database = config.file === ':memory:' && image ? new SQLite(image) : new SQLite(config.file)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    cacheStatements(database)
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
  })
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

/**
 * Reuses prepared statements by SQL text. Kysely prepares every query it runs; parsing and planning
 * the same SQL again on each request was the largest single cost of a simple authenticated request
 * on SQLite. Statements are re-planned by SQLite itself after schema changes, and Kysely runs one
 * query at a time per connection, so a cached statement is never in use twice at once. The cache is
 * bounded (least recently used out) because queries with variable-length IN lists produce many texts.
 */
function cacheStatements(database: SQLite.Database, max = 500): void {
  const prepare = database.prepare.bind(database)
  const cache = new Map<string, SQLite.Statement>()
  database.prepare = ((source: string) => {
    let stmt = cache.get(source)
    if (stmt) {
      cache.delete(source)
    } else {
      stmt = prepare(source)
      if (cache.size >= max) cache.delete(cache.keys().next().value!)
    }
    cache.set(source, stmt)
    return stmt
  }) as typeof database.prepare
}

/** Stands for the index-th argument of a prepared query while it is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A query for the hottest paths (every authenticated request, every message post): built and
 * compiled to SQL once per dialect with placeholders, then run with each call's arguments.
 * Building and compiling a Kysely query costs more CPU than SQLite takes to run a primary-key
 * lookup, and a wide query (many selected columns) costs more still. `build` must use each argument
 * only as a bound value (where, values, set, limit), never to shape the query.
 */
export function prepared<Args extends unknown[], Row>(build: (db: Executor, ...args: Args) => Compilable<Row>): (db: Executor, ...args: Args) => Promise<Row[]> {
  const compiled = new Map<Dialect, CompiledQuery<Row>>()
  const compile = (db: Executor): CompiledQuery<Row> => {
    const slots = Array.from({ length: build.length - 1 }, (_, i) => new Slot(i))
    const query = build(db, ...(slots as unknown as Args)).compile()
    const used = new Set(query.parameters.filter((p): p is Slot => p instanceof Slot).map((p) => p.index))
    if (used.size !== slots.length) throw new Error(`prepared query binds ${used.size} of its ${slots.length} arguments: ${query.sql}`)
    return query
  }
  return async (db, ...args) => {
    const dialect = dialectOf(db)
    let query = compiled.get(dialect)
    if (!query) compiled.set(dialect, (query = compile(db)))
    const parameters = query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p))
    return (await db.executeQuery<Row>({ ...query, parameters })).rows
  }
}

/** Whether the database answers a trivial query (readiness probes). */
export async function pingDatabase(db: Executor): Promise<void> {
  await sql`select 1`.execute(db)
}

/**
 * The database server's clock, in milliseconds since the epoch (doctor's clock check); undefined on
 * SQLite, which runs in this process on this machine's clock.
 */
export async function databaseNowMs(db: Executor): Promise<number | undefined> {
  if (dialectOf(db) === 'sqlite') return undefined
  const row = (await sql<{ ms: string | number }>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`.execute(db)).rows[0]
  return Number(row?.ms)
}
