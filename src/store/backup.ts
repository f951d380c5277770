import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'

/**
 * Copies a live SQLite database to `destination` with SQLite's online backup API: consistent
 * (a snapshot of one moment) while the server keeps reading and writing. The copy is written to
 * a temporary file next to the destination and renamed into place when complete, so a failed or
 * interrupted backup never leaves a half-written file under the destination's name.
 */
export async function backupSqlite(source: string, destination: string): Promise<{ bytes: number; pages: number }> {
  if (!fs.existsSync(source)) throw new Error(`no database at ${source}`)
  const target = path.resolve(destination)
  if (target === path.resolve(source)) throw new Error('the backup file must differ from the database file')
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const temp = `${target}.${process.pid}.partial`
  const db = new SQLite(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const { totalPages } = await db.backup(temp)
    fs.renameSync(temp, target)
    return { bytes: fs.statSync(target).size, pages: totalPages }
  } catch (err) {
    fs.rmSync(temp, { force: true })
    throw err
  } finally {
    db.close()
  }
}
