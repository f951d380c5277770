import path from 'node:path'
import { Command, CommanderError } from 'commander'
import { bootstrap, requireOrganization } from './actions/bootstrap.js'
import { createApiKeyClient } from './actions/clients.js'
import { createRoom } from './actions/roomlio.js'
import { addUser } from './actions/users.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import type { Context } from './context.js'
import { AppError } from './errors.js'
import { parseScopeList } from './scopes.js'
import { serve } from './server.js'
import { backupSqlite } from './store/backup.js'
import { openDatabase } from './store/db.js'
import { migrateToLatest } from './store/migrate.js'

export interface CliIo {
  env: NodeJS.ProcessEnv
  stdout: (text: string) => void
  stderr: (text: string) => void
}

const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}

/**
 * Runs one CLI invocation and resolves to its exit code. `serve` resolves once listening.
 * Every command takes `--json` and then prints exactly one JSON object.
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const loadEnvConfig = () => loadConfig(io.env)

  /** Opens the database named by the environment, migrates it, runs `fn`, closes it. */
  async function withContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T> {
    const config: Config = loadEnvConfig()
    const db = openDatabase(config.database)
    try {
      await migrateToLatest(db)
      return await fn({ db, config })
    } finally {
      await db.destroy()
    }
  }

  /** Prints either one JSON object (`--json`) or readable lines. */
  function output(json: boolean, value: Record<string, unknown>, human: string): void {
    io.stdout(json ? `${JSON.stringify(value)}\n` : `${human}\n`)
  }

  const program = new Command()
    .name('atrium')
    .description('Atrium: a self-hostable virtual-office chat server, Roam HQ API compatible')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()

  program
    .command('serve', { isDefault: true })
    .description('run the HTTP server (migrates and bootstraps an empty database first)')
    .action(async () => {
      await serve(loadEnvConfig())
    })

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const applied = await withContext(async (ctx) => migrateToLatest(ctx.db))
      output(!!opts.json, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
    })

  const user = program.command('user').description('manage users')
  user
    .command('add')
    .description('create a user')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--name <name>', 'display name')
    .option('--admin', 'make the user an administrator of the organization')
    .option('--json', 'print one JSON object')
    .action(async (opts: { email: string; name: string; admin?: boolean; json?: boolean }) => {
      const created = await withContext(async (ctx) => {
        const org = (await bootstrap(ctx)).organization
        return addUser(ctx, org.id, { email: opts.email, name: opts.name, isAdmin: !!opts.admin })
      })
      output(
        !!opts.json,
        { id: `U-${created.id}`, email: created.email, name: created.name, isAdmin: created.isAdmin },
        `created user U-${created.id} <${created.email}>${created.isAdmin ? ' (admin)' : ''}`,
      )
    })

  const client = program.command('client').description('manage API clients')
  client
    .command('create')
    .description('create an API client with an organization API key')
    .requiredOption('--name <name>', 'client name')
    .requiredOption('--scopes <list>', 'comma- or space-separated scopes, or "all"')
    .option('--description <text>', 'what the client is for')
    .option('--json', 'print one JSON object')
    .action(async (opts: { name: string; scopes: string; description?: string; json?: boolean }) => {
      const { scopes, unknown } = parseScopeList(opts.scopes)
      if (unknown.length > 0) throw new AppError('invalid_request', `--scopes: unknown scope(s) ${unknown.join(', ')}`)
      if (scopes.length === 0) throw new AppError('invalid_request', '--scopes: name at least one scope, or "all"')
      const created = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return createApiKeyClient(ctx, org.id, { name: opts.name, description: opts.description ?? null, scopes })
      })
      output(
        !!opts.json,
        {
          clientId: created.app.clientId,
          botId: `B-${created.app.botId}`,
          apiKey: created.apiKey,
          signingSecret: created.signingSecret,
          scopes,
        },
        [
          `client ${created.app.clientId} (bot B-${created.app.botId})`,
          `API key (shown once): ${created.apiKey}`,
          `webhook signing secret: ${created.signingSecret}`,
        ].join('\n'),
      )
    })

  program
    .command('backup <file>')
    .description('copy the SQLite database to <file> while the server runs (PostgreSQL: use pg_dump)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const config = loadEnvConfig()
      if (config.database.dialect !== 'sqlite') {
        throw new AppError('invalid_request', 'backup copies SQLite databases; for PostgreSQL use pg_dump (see the README, Operations)')
      }
      if (config.database.file === ':memory:') throw new AppError('invalid_request', 'an in-memory database cannot be backed up')
      const result = await backupSqlite(config.database.file, file)
      output(!!opts.json, { file: path.resolve(file), bytes: result.bytes }, `backed up ${config.database.file} to ${path.resolve(file)} (${result.bytes} bytes)`)
    })

  const room = program.command('room').description('manage Roomlio rooms')
  room
    .command('create')
    .description('create a Roomlio room (a group with its channel chat) addressed by an external room key')
    .requiredOption('--key <roomKey>', 'your room identifier, unique in the organization')
    .requiredOption('--name <name>', 'room name')
    .option('--private', 'make the group private (members only)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { key: string; name: string; private?: boolean; json?: boolean }) => {
      if (opts.key === '') throw new AppError('invalid_request', '--key: must not be empty')
      const created = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return createRoom(ctx, org.id, { roomKey: opts.key, name: opts.name, private: !!opts.private })
      })
      output(
        !!opts.json,
        { roomID: created.id, roomKey: created.roomKey, name: created.name, chatId: created.chatId, groupId: created.groupId },
        `room ${created.id} "${created.name}" (key ${created.roomKey}; group ${created.groupId}, chat ${created.chatId})`,
      )
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err: unknown) {
    if (err instanceof CommanderError) return err.exitCode
    if (err instanceof ConfigError || err instanceof AppError) {
      io.stderr(`atrium: ${err.message}\n`)
      return 2
    }
    io.stderr(`atrium: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return 1
  }
}

async function requireOrganizationOrBootstrap(ctx: Context) {
  await bootstrap(ctx)
  return requireOrganization(ctx)
}
