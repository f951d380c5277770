import type { Kysely } from 'kysely'
import { dialectOf } from '../dialect.js'

/**
 * File bytes kept in the database, by storage key. Used as the file storage when the database is
 * PostgreSQL, so every Atrium process sharing the database serves every upload without a shared
 * disk. (On SQLite, uploads stay files under the data directory; the table exists but stays empty.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('file_blobs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('bytes', dialectOf(db) === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('file_blobs').ifExists().execute()
}
