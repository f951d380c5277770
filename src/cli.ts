import path from 'node:path'
import fs from 'node:fs'
import { Command, CommanderError } from 'commander'
import { bootstrap, requireOrganization } from './actions/bootstrap.js'
import { createApiKeyClient } from './actions/clients.js'
import { addUser } from './actions/users.js'
import { createLobby } from './actions/lobbies.js'
import { importTranscript } from './actions/transcripts.js'
import { formatFromFileName } from './transcripts/index.js'
import { parseDateParam } from './time.js'
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

  const meeting = program.command('meeting').description('record meetings')
  meeting
    .command('import')
    .description('record an ended meeting from a WebVTT (.vtt) or SRT (.srt) transcript file')
    .argument('<file>', 'transcript file, .vtt or .srt')
    .requiredOption('--title <title>', 'meeting title')
    .requiredOption('--start <time>', "RFC 3339 instant of the file's zero offset")
    .option('--participants <emails>', 'comma-separated emails of those who attended', '')
    .option('--room <name>', 'room the meeting took place in')
    .option('--host <email>', 'hosting member (default: the first member among the participants)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { title: string; start: string; participants: string; room?: string; host?: string; json?: boolean }) => {
      const format = formatFromFileName(file)
      if (!format) throw new AppError('invalid_request', `${file}: the file name must end in .vtt or .srt`)
      const start = parseDateParam(opts.start)
      if (start === undefined) throw new AppError('invalid_request', '--start: must be an RFC 3339 date-time')
      let content: string
      try {
        content = fs.readFileSync(file, 'utf8')
      } catch (err) {
        throw new AppError('invalid_request', `${file}: cannot read (${err instanceof Error ? err.message : String(err)})`)
      }
      const participants = opts.participants.split(',').map((e) => e.trim()).filter(Boolean).map((email) => ({ email }))
      const result = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return importTranscript(ctx, org.id, { title: opts.title, start, participants, content, format, room: opts.room, host: opts.host })
      })
      output(
        !!opts.json,
        { meetingId: result.meetingId, transcriptId: result.transcriptId, cues: result.cues, summarySource: result.summarySource },
        `meeting ${result.meetingId}, transcript ${result.transcriptId} (${result.cues} cues, ${result.summarySource} summary)`,
      )
    })

  const lobby = program.command('lobby').description('manage lobbies (public booking pages)')
  lobby
    .command('create')
    .description('create a lobby offering the host\'s free slots')
    .requiredOption('--handle <handle>', 'first path segment of the lobby URL')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--host <email>', 'hosting member')
    .requiredOption('--duration <minutes>', 'slot length in minutes')
    .option('--slug <slug>', 'second path segment (empty for the handle\'s default lobby)')
    .option('--time-zone <tz>', 'IANA time zone of the availability', 'UTC')
    .option('--days <days>', 'available days, e.g. mon-fri or mon,wed,fri', 'mon-fri')
    .option('--from <HH:MM>', 'start of the daily availability', '09:00')
    .option('--to <HH:MM>', 'end of the daily availability', '17:00')
    .option('--horizon <days>', 'how many days ahead slots are offered', '14')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: { handle: string; name: string; host: string; duration: string; slug?: string; timeZone: string; days: string; from: string; to: string; horizon: string; json?: boolean }) => {
        const duration = Number(opts.duration)
        const horizonDays = Number(opts.horizon)
        if (!Number.isInteger(duration)) throw new AppError('invalid_request', '--duration: must be a whole number of minutes')
        if (!Number.isInteger(horizonDays)) throw new AppError('invalid_request', '--horizon: must be a whole number of days')
        const created = await withContext(async (ctx) => {
          const org = await requireOrganizationOrBootstrap(ctx)
          const l = await createLobby(ctx, org.id, {
            handle: opts.handle,
            slug: opts.slug,
            name: opts.name,
            host: opts.host,
            duration,
            timeZone: opts.timeZone,
            horizonDays,
            availability: [{ days: opts.days.split(','), start: opts.from, end: opts.to }],
          })
          return { lobby: l, url: `${ctx.config.publicUrl}/l/${l.handle}${l.slug ? `/${l.slug}` : ''}` }
        })
        output(
          !!opts.json,
          { id: created.lobby.id, handle: created.lobby.handle, slug: created.lobby.slug, displayName: created.lobby.displayName, url: created.url },
          `lobby ${created.lobby.id} at ${created.url}`,
        )
      },
    )

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
