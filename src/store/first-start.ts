import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import type { Config } from '../config.js'
import { openDatabase, type Db } from './db.js'

/**
 * A problem found before the database is opened, explained in one plain sentence. The CLI prints
 * the message alone (no stack) and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StartupError'
  }
}

/**
 * Refuses to create a new SQLite database by accident. A mistyped `ATRIUM_DATABASE_URL` would
 * otherwise open a new, empty file and bootstrap a second organization beside the real one. Creating
 * a database is implicit only on the very first start (nothing Atrium-made in the data directory);
 * otherwise `init` must be said (`atrium init`, `atrium serve --init`):
 * - the file is missing and its directory does not exist, when `ATRIUM_DATABASE_URL` names it;
 * - the file is missing while another Atrium database exists in the data directory or beside it.
 * Also makes sure the directories exist and are writable, so that failure is one clear sentence.
 */
export function prepareSqliteTarget(config: Config, options: { init: boolean }): void {
  if (config.database.dialect !== 'sqlite' || config.database.file === ':memory:') return
  const file = config.database.file
  const dir = path.dirname(file)
  const explicitUrl = file !== path.join(config.dataDir, 'atrium.db')
  if (!fs.existsSync(file) && !options.init) {
    if (explicitUrl && !fs.existsSync(dir)) {
      throw new StartupError(
        `ATRIUM_DATABASE_URL names ${file}, but the directory ${dir} does not exist; check the path for a typo, or run \`atrium init\` (or \`atrium serve --init\`) to create a new, empty database there`,
      )
    }
    const others = [...new Set([config.dataDir, dir])].flatMap((d) => atriumDatabasesIn(d)).filter((other) => other !== file)
    if (others.length > 0) {
      throw new StartupError(
        `there is no database at ${file}, but ${others.join(', ')} ${others.length === 1 ? 'is an Atrium database' : 'are Atrium databases'}; check ATRIUM_DATABASE_URL and ATRIUM_DATA_DIR for a typo, or run \`atrium init\` (or \`atrium serve --init\`) to create a new, empty organization at ${file}`,
      )
    }
  }
  for (const d of [...new Set([config.dataDir, dir])]) requireWritableDirectory(d)
}

/**
 * Opens the configured database the way every command does: on SQLite, only after
 * prepareSqliteTarget has refused a mistyped path (`init`: creating a new database is intended).
 */
export function openConfiguredDatabase(config: Config, options: { init: boolean }): Db {
  prepareSqliteTarget(config, options)
  return openDatabase(config.database)
}

function requireWritableDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.accessSync(dir, fs.constants.W_OK)
    const probe = path.join(dir, `.atrium-write-test-${process.pid}`)
    fs.writeFileSync(probe, '')
    fs.rmSync(probe)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))
    throw new StartupError(`the data directory ${dir} is not writable (${reason}); set ATRIUM_DATA_DIR to a directory this user can write, or fix its permissions`)
  }
}

/** SQLite files in `dir` that hold an Atrium database (its organizations table). */
export function atriumDatabasesIn(dir: string): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names
    .map((name) => path.join(dir, name))
    .filter((file) => isSqliteFile(file) && holdsAtriumTables(file))
    .sort()
}

function isSqliteFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false
    const fd = fs.openSync(file, 'r')
    try {
      const header = Buffer.alloc(16)
      fs.readSync(fd, header, 0, 16, 0)
      return header.toString('latin1') === 'SQLite format 3\0'
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return false
  }
}

function holdsAtriumTables(file: string): boolean {
  try {
    const db = new SQLite(file, { readonly: true, fileMustExist: true })
    try {
      return db.prepare("select 1 from sqlite_master where type = 'table' and name = 'organizations'").get() !== undefined
    } finally {
      db.close()
    }
  } catch {
    return false
  }
}
