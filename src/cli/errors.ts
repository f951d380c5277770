import { CommanderError } from 'commander'
import { SchemaTooNewError } from '../store/migrate.js'
import { ConfigError } from '../config.js'
import { maskUrlPassword } from '../config-problems.js'
import { AppError } from '../errors.js'
import { StartupError } from '../store/first-start.js'
import { RestoreRefused } from '../store/backup.js'

/** How a failed command is reported: plain lines (or one JSON object) and an exit code. */
export interface Failure {
  /** One sentence per problem. */
  lines: string[]
  /** Stable machine-readable code for `--json`. */
  code: string
  /** 2: the command itself was wrong (usage, invalid request); 1: configuration or environment. */
  exitCode: number
  /** Shown only with ATRIUM_LOG_LEVEL=debug or trace. */
  stack?: string | undefined
}

type ErrnoLike = Error & { code?: string; errno?: number; address?: string; port?: number; syscall?: string; path?: string; errors?: unknown[] }

/**
 * Turns what a command threw into sentences a person can act on: every configuration problem on
 * its own line; an unreachable database, refused credentials, a busy port or an unwritable data
 * directory as one plain sentence each; a request the command refused as its catalogue message.
 */
export function explainFailure(err: unknown, env: NodeJS.ProcessEnv): Failure {
  const stack = err instanceof Error ? err.stack : undefined
  if (err instanceof ConfigError) return { lines: err.problems, code: 'invalid_configuration', exitCode: 1 }
  if (err instanceof AppError) return { lines: [err.message], code: err.code, exitCode: 2 }
  if (err instanceof CommanderError) return { lines: [err.message.replace(/^error: /, '')], code: 'usage', exitCode: err.exitCode }
  if (err instanceof StartupError) return { lines: [err.message], code: 'startup', exitCode: 1, stack }
  if (err instanceof SchemaTooNewError) return { lines: [err.message], code: 'schema_too_new', exitCode: 1 }
  // A restore refused before writing anything: the file given was wrong, like a refused request.
  if (err instanceof RestoreRefused) return { lines: [err.message], code: 'invalid_request', exitCode: 2 }
  const known = environmentProblem(err as ErrnoLike, env)
  if (known) return { lines: [known], code: 'environment', exitCode: 1, stack }
  const message = err instanceof Error ? err.message : String(err)
  return { lines: [message], code: 'internal', exitCode: 1, stack }
}

function environmentProblem(err: ErrnoLike, env: NodeJS.ProcessEnv): string | undefined {
  if (!(err instanceof Error)) return undefined
  const code = err.code ?? (err.errors?.[0] as ErrnoLike | undefined)?.code
  const database = describeDatabase(env)
  switch (code) {
    case 'EADDRINUSE':
      return `port ${err.port ?? env.PORT ?? 8080} on ${err.address ?? env.HOST ?? '127.0.0.1'} is already in use (another Atrium, or another program); stop it or set PORT to a free port`
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${err.address ?? env.HOST}: this machine has no such address; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`
    case 'ECONNREFUSED':
      return `cannot reach the database: nothing answers at ${database}; start PostgreSQL or correct ATRIUM_DATABASE_URL`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach the database: the host name in ATRIUM_DATABASE_URL (${database}) does not resolve; correct ATRIUM_DATABASE_URL`
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach the database at ${database} (${code}); check the host and port in ATRIUM_DATABASE_URL and the network`
    case '28P01':
    case '28000':
      return `the database at ${database} refused the credentials (${err.message}); correct the user name or password in ATRIUM_DATABASE_URL`
    case '3D000':
      return `the database at ${database} does not exist (${err.message}); create it (createdb) or correct the database name in ATRIUM_DATABASE_URL`
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOTDIR':
      return `cannot write ${err.path ?? 'the data directory'} (${code}); set ATRIUM_DATA_DIR (or ATRIUM_DATABASE_URL) to a place this user can write`
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `cannot open the SQLite database ${database} for writing (${err.message}); check that its directory exists and is writable`
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `${database} is not an Atrium SQLite database (${err.message}); correct ATRIUM_DATABASE_URL or restore the file from a backup`
    default:
      return undefined
  }
}

/** The configured database, for messages, with any password masked. */
export function describeDatabase(env: NodeJS.ProcessEnv): string {
  const url = env.ATRIUM_DATABASE_URL
  if (url === undefined || url === '') return `${env.ATRIUM_DATA_DIR || './data'}/atrium.db`
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length)
  return maskUrlPassword(url)
}

/** Writes a failure: `atrium: <sentence>` lines, or one `{"error": …}` object with `--json`. */
export function formatFailure(failure: Failure, options: { json: boolean; env: NodeJS.ProcessEnv }): string {
  const debug = options.env.ATRIUM_LOG_LEVEL === 'debug' || options.env.ATRIUM_LOG_LEVEL === 'trace'
  const stack = debug && failure.stack ? failure.stack : undefined
  if (options.json) {
    return `${JSON.stringify({
      error: failure.lines.join('; '),
      code: failure.code,
      ...(failure.lines.length > 1 ? { problems: failure.lines } : {}),
      ...(stack ? { stack } : {}),
    })}\n`
  }
  const hint = failure.code === 'internal' && !debug ? ' (ATRIUM_LOG_LEVEL=debug shows the stack)' : ''
  const text = failure.lines.map((line, i) => `atrium: ${line}${i === failure.lines.length - 1 ? hint : ''}\n`).join('')
  return stack ? `${text}${stack}\n` : text
}
