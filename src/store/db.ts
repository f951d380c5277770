import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>
/** What repositories take first: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>

// int8 (bigint) columns hold µs instants and sizes, all below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export function openDatabase(config: DatabaseConfig): Db {
  if (config.dialect === 'sqlite') {
    if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true })
    const database = new SQLite(config.file)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
  })
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}
