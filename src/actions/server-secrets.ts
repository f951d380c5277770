import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import type { Db } from '../store/db.js'
import { keepServerSecret } from '../store/repos/server-secrets.js'
import { nowMicros } from '../time.js'

/** The file, in the data directory, that keeps a SQLite deployment's generated cookie secret. */
export const COOKIE_SECRET_FILE = 'cookie-secret'

/**
 * The secret that signs cookies (CSRF): ATRIUM_COOKIE_SECRET when set; otherwise one generated on
 * the first start and kept, so a restart does not invalidate open forms and every process of a
 * deployment accepts the others' cookies. SQLite (one machine) keeps it in a file readable only by
 * the server's user (mode 0600) in the data directory; PostgreSQL keeps it in the database, which
 * every process shares.
 */
export async function cookieSecretFor(config: Pick<Config, 'cookieSecret' | 'database' | 'dataDir'>, db: Db): Promise<string> {
  if (config.cookieSecret !== undefined) return config.cookieSecret
  const candidate = randomBytes(32).toString('hex')
  if (config.database.dialect === 'postgres') return keepServerSecret(db, 'cookie', candidate, nowMicros())
  return keepFileSecret(path.join(config.dataDir, COOKIE_SECRET_FILE), candidate)
}

async function keepFileSecret(file: string, candidate: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  try {
    // `wx`: only the first writer creates it; everyone else reads what it wrote.
    await fs.writeFile(file, `${candidate}\n`, { flag: 'wx', mode: 0o600 })
    return candidate
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  for (let attempt = 0; ; attempt++) {
    const kept = (await fs.readFile(file, 'utf8')).trim()
    if (kept.length >= 32) return kept
    // Another process created the file and has not written it yet.
    if (attempt >= 50) throw new Error(`${file}: not a cookie secret (remove it, or set ATRIUM_COOKIE_SECRET)`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
