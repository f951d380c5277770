import fs from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import type { Db } from '../store/db.js'
import { deleteFileBytes, getFileBytes, putFileBytes } from '../store/repos/files.js'
import { nowMicros } from '../time.js'

/**
 * Where uploaded file bytes live, addressed by an opaque key (Atrium uses the item id). Metadata
 * (name, type, size, dimensions) stays in the database; a backend only keeps bytes.
 */
export interface FileStorage {
  put(key: string, bytes: Buffer): Promise<void>
  /** The stored bytes, or undefined when nothing is stored under the key. */
  get(key: string): Promise<Buffer | undefined>
  /** Removes the bytes; removing a missing key is not an error. */
  delete(key: string): Promise<void>
}

const keyRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/

function checkKey(key: string): string {
  if (!keyRe.test(key) || key.includes('..')) throw new Error(`invalid storage key: ${JSON.stringify(key)}`)
  return key
}

/** Files in one directory on the local disk (`$ATRIUM_DATA_DIR/uploads`), one file per key. */
export class LocalDiskStorage implements FileStorage {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, checkKey(key))
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true })
    const target = this.file(key)
    // Write then rename, so a reader never sees a partly written file.
    const temp = `${target}.${process.pid}.tmp`
    await fs.writeFile(temp, bytes)
    await fs.rename(temp, target)
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true })
  }
}

export function localStorageFor(dataDir: string): LocalDiskStorage {
  return new LocalDiskStorage(path.join(dataDir, 'uploads'))
}

/**
 * Bytes in the database (table `file_blobs`), the storage on PostgreSQL: every process sharing
 * the database serves every upload, no shared disk is needed, and `pg_dump` backs files up with
 * everything else. Uploads are bounded by item.upload's 10 MB limit, so one value per file is fine.
 */
export class DatabaseStorage implements FileStorage {
  constructor(private readonly db: Db) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await putFileBytes(this.db, checkKey(key), bytes, nowMicros())
  }

  async get(key: string): Promise<Buffer | undefined> {
    return getFileBytes(this.db, checkKey(key))
  }

  async delete(key: string): Promise<void> {
    await deleteFileBytes(this.db, checkKey(key))
  }
}

/** The storage for a configuration: the database on PostgreSQL, the data directory's disk on SQLite. */
export function storageFor(config: Pick<Config, 'database' | 'dataDir'>, db: Db): FileStorage {
  return config.database.dialect === 'postgres' ? new DatabaseStorage(db) : localStorageFor(config.dataDir)
}
