import fs from 'node:fs/promises'
import path from 'node:path'

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
