import { buildApp } from '../src/app.js'
import { runCli } from '../src/cli.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDatabase } from '../src/store/db.js'
import { freshDatabase, pgUrl } from './helpers.js'

/**
 * The CLI on a test's own database: `atrium …` runs in-process against the environment the
 * command line would see (a SQLite file under the data directory, or the test's PostgreSQL
 * schema), and `server()` opens the HTTP application on the same database afterwards.
 */
export interface CliHarness {
  env: NodeJS.ProcessEnv
  /** The test's own database and its configuration (on SQLite the CLI writes to a file of its own; see `server()`). */
  fresh: Awaited<ReturnType<typeof freshDatabase>>
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string }>
  server(): Promise<{ app: Awaited<ReturnType<typeof buildApp>>; db: ReturnType<typeof openDatabase>; config: Config; close: () => Promise<void> }>
  /** Runs `fn` on the database the commands wrote to (the SQLite file under the data dir, or the test schema). */
  withDb<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T>
  drop(): Promise<void>
}

export function cliEnvFor(config: Config, dataDir: string): NodeJS.ProcessEnv {
  if (config.database.dialect === 'sqlite') return { ATRIUM_DATA_DIR: dataDir }
  const sep = pgUrl.includes('?') ? '&' : '?'
  return { ATRIUM_DATABASE_URL: `${pgUrl}${sep}options=${encodeURIComponent(`-c search_path=${config.database.schema!}`)}`, ATRIUM_DATA_DIR: dataDir }
}

/** `atrium …` in-process with `env` as its environment: the exit code and what it printed. */
export function cliRunner(env: NodeJS.ProcessEnv): (...argv: string[]) => Promise<{ code: number; out: string; err: string }> {
  return async (...argv) => {
    let out = ''
    let err = ''
    const code = await runCli(argv, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) })
    return { code, out, err }
  }
}

export async function cliHarness(extraEnv: NodeJS.ProcessEnv = {}): Promise<CliHarness> {
  const fresh = await freshDatabase()
  const env = { ...cliEnvFor(fresh.config, `${fresh.config.dataDir}-cli`), ...extraEnv }
  return {
    env,
    fresh,
    cli: cliRunner(env),
    async server() {
      const config = loadConfig(env)
      const db = openDatabase(fresh.config.database.dialect === 'sqlite' ? config.database : fresh.config.database)
      const app = await buildApp(config, { db, logger: false })
      return { app, db, config, close: async () => (await app.close(), await db.destroy()) }
    },
    async withDb(fn) {
      if (fresh.config.database.dialect !== 'sqlite') return fn(fresh.db)
      const db = openDatabase(loadConfig(env).database)
      try {
        return await fn(db)
      } finally {
        await db.destroy()
      }
    },
    drop: () => fresh.drop(),
  }
}
