import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { migrationStatus, SchemaTooNewError } from './migrate.js'
import type { Database } from './schema.js'

/** Reads the bytes of an uploaded file by storage key (undefined: none stored). */
export type ReadFile = (key: string) => Promise<Buffer | undefined>
/** Stores the bytes of an uploaded file under its storage key. */
export type WriteFile = (key: string, bytes: Buffer) => Promise<void>

export interface BackupResult {
  bytes: number
  pages: number
  /** Uploaded files copied into the backup. */
  files: number
  /** Storage keys of items in the snapshot whose bytes were not found (deleted after the snapshot). */
  missingFiles: string[]
}

/**
 * Copies a live SQLite database to `destination` with SQLite's online backup API: consistent
 * (a snapshot of one moment) while the server keeps reading and writing. With `readFile`, the bytes
 * of every item in the snapshot are put into the copy's `file_blobs` table, so the backup is one
 * self-contained file (on SQLite the server keeps uploads on disk; the table is otherwise empty).
 * The copy is written to a temporary file next to the destination and renamed into place when
 * complete, so a failed or interrupted backup never leaves a half-written file under the
 * destination's name.
 */
export async function backupSqlite(source: string, destination: string, readFile?: ReadFile): Promise<BackupResult> {
  if (!fs.existsSync(source)) throw new Error(`no database at ${source}`)
  const target = path.resolve(destination)
  if (target === path.resolve(source)) throw new Error('the backup file must differ from the database file')
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const temp = `${target}.${process.pid}.partial`
  const db = new SQLite(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const { totalPages } = await db.backup(temp)
    db.close()
    const { files, missingFiles } = readFile ? await embedFiles(temp, readFile) : { files: 0, missingFiles: [] }
    fs.renameSync(temp, target)
    return { bytes: fs.statSync(target).size, pages: totalPages, files, missingFiles }
  } catch (err) {
    fs.rmSync(temp, { force: true })
    throw err
  } finally {
    if (db.open) db.close()
  }
}

async function embedFiles(copyFile: string, readFile: ReadFile): Promise<{ files: number; missingFiles: string[] }> {
  const copy = new SQLite(copyFile)
  try {
    // The backup stands alone: one file, no write-ahead log beside it.
    copy.pragma('journal_mode = DELETE')
    const keys = (copy.prepare('select distinct storage_key as key from items order by storage_key').all() as Array<{ key: string }>).map((r) => r.key)
    const insert = copy.prepare('insert or replace into file_blobs (key, bytes, size, created_at) values (?, ?, ?, ?)')
    const missingFiles: string[] = []
    let files = 0
    for (const key of keys) {
      const bytes = await readFile(key)
      if (!bytes) {
        missingFiles.push(key)
        continue
      }
      insert.run(key, bytes, bytes.length, Date.now() * 1000)
      files++
    }
    return { files, missingFiles }
  } finally {
    copy.close()
  }
}

export interface RestoreResult {
  /** Schema version of the restored database (the next start migrates it if this Atrium is newer). */
  schema: string | null
  /** Uploaded files written back to the file storage. */
  files: number
}

/**
 * Restores a backup made by `backupSqlite` to `destination`, which must not exist yet: a restore
 * never overwrites a database. The backup is checked first (a SQLite database that passes its
 * integrity check, holds Atrium's migration records and is not newer than this code); the copy is
 * built in a temporary file, embedded upload bytes are handed to `writeFile` and removed from it,
 * and only then is it renamed into place.
 */
export async function restoreSqlite(backupFile: string, destination: string, writeFile: WriteFile): Promise<RestoreResult> {
  const target = path.resolve(destination)
  for (const existing of [target, `${target}-wal`, `${target}-shm`]) {
    if (fs.existsSync(existing)) throw new RestoreRefused(`${existing} exists: restore only into an empty data directory (move the current database away first)`)
  }
  if (!fs.existsSync(backupFile)) throw new RestoreRefused(`${backupFile}: no such file`)
  let source: SQLite.Database
  try {
    source = new SQLite(backupFile, { readonly: true, fileMustExist: true })
    const ok = source.pragma('integrity_check', { simple: true })
    if (ok !== 'ok') throw new Error(`integrity check: ${String(ok)}`)
  } catch (err) {
    throw new RestoreRefused(`${backupFile} is not a readable SQLite database (${err instanceof Error ? err.message : String(err)})`)
  }
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const temp = `${target}.${process.pid}.partial`
  try {
    const hasMigrations = source.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'").get() as { n: number }
    if (hasMigrations.n !== 1) throw new RestoreRefused(`${backupFile} is not an Atrium database (no migration records)`)
    await source.backup(temp)
    source.close()

    const copy = new SQLite(temp)
    // No WAL beside the temporary file: the server turns WAL on again when it opens the database.
    copy.pragma('journal_mode = DELETE')
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: copy }) })
    let result: RestoreResult
    try {
      const status = await migrationStatus(db)
      if (status.unknown.length > 0) throw new SchemaTooNewError(status, backupFile)
      const blobs = await db.selectFrom('file_blobs').select(['key', 'bytes']).execute()
      for (const blob of blobs) await writeFile(blob.key, Buffer.from(blob.bytes))
      await db.deleteFrom('file_blobs').execute()
      copy.exec('vacuum')
      result = { schema: status.current, files: blobs.length }
    } finally {
      await db.destroy()
    }
    fs.renameSync(temp, target)
    return result
  } catch (err) {
    fs.rmSync(temp, { force: true })
    throw err
  } finally {
    if (source.open) source.close()
  }
}

/** A restore that was refused before anything was written. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused'
}
