import path from 'node:path'
import { Command, CommanderError } from 'commander'
import { bootstrap, requireOrganization } from './actions/bootstrap.js'
import { createApiKeyClient, createOAuthClient } from './actions/clients.js'
import { addGroupMembers, createdGroupView, createGroup } from './actions/groups.js'
import { addUser, deactivateUser, findUserByReference, listAllUsers, userView } from './actions/users.js'
import { createPat, decidePersonalAccess, listPersonalAccess, revokePersonalAccess } from './actions/pats.js'
import { PASSWORD_MAX, PASSWORD_MIN, setPassword } from './actions/sessions.js'
import { getSettings, setPersonalAccess } from './actions/settings.js'
import type { AccessModel, CredentialStatus } from './domain.js'
import { findUserByEmail } from './store/repos/users.js'
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

  user
    .command('list')
    .description('list users (active ones, in the order they joined)')
    .option('--all', 'include deactivated users')
    .option('--json', 'print one JSON object')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const users = await withContext(async (ctx) => listAllUsers(ctx, (await requireOrganizationOrBootstrap(ctx)).id, !!opts.all))
      output(
        !!opts.json,
        { users: users.map((u) => ({ ...userView(u, { email: true, status: false, available: false }), active: u.active })) },
        users.length === 0
          ? 'no users'
          : users.map((u) => `U-${u.id}  ${u.email}  ${u.name}${u.isAdmin ? ' (admin)' : ''}${u.active ? '' : ' (deactivated)'}`).join('\n'),
      )
    })

  user
    .command('deactivate')
    .description('deactivate a user: their tokens stop working at once')
    .argument('<user>', 'U-… id or email address')
    .option('--json', 'print one JSON object')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const done = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        const found = await findUserByReference(ctx, org.id, ref)
        return deactivateUser(ctx, org.id, found.id, { via: 'cli' })
      })
      output(!!opts.json, { id: `U-${done.id}`, email: done.email, active: done.active }, `deactivated U-${done.id} <${done.email}>`)
    })

  const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')

  const group = program.command('group').description('manage groups')
  group
    .command('create')
    .description('create a group and its channel chat')
    .requiredOption('--name <name>', 'group name (at most 64 characters)')
    .option('--description <text>', 'what the group is for')
    .option('--private', 'make the group private')
    .option('--enforce-threads', 'require threaded replies')
    .option('--members <list>', 'comma-separated emails or U-… ids')
    .option('--admins <list>', 'comma-separated emails or U-… ids')
    .option('--json', 'print one JSON object')
    .action(async (opts: { name: string; description?: string; private?: boolean; enforceThreads?: boolean; members?: string; admins?: string; json?: boolean }) => {
      const created = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return createGroup(ctx, org.id, { kind: 'provisioning' }, {
          name: opts.name,
          description: opts.description ?? null,
          private: !!opts.private,
          enforceThreads: !!opts.enforceThreads,
          members: list(opts.members),
          admins: list(opts.admins),
        })
      })
      const view = createdGroupView(created)
      output(!!opts.json, { ...view }, `created group ${view.id} "${view.name}"${view.private ? ' (private)' : ''}`)
    })

  group
    .command('add')
    .description('add members or admins to a group')
    .requiredOption('--group <id>', 'G-… id')
    .option('--members <list>', 'comma-separated U-… ids')
    .option('--admins <list>', 'comma-separated U-… ids')
    .option('--json', 'print one JSON object')
    .action(async (opts: { group: string; members?: string; admins?: string; json?: boolean }) => {
      const members = list(opts.members)
      const admins = list(opts.admins)
      await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        await addGroupMembers(ctx, org.id, { kind: 'provisioning' }, { group: opts.group, members, admins })
      })
      output(!!opts.json, { group: opts.group, members, admins }, `added ${members.length + admins.length} to ${opts.group}`)
    })

  const client = program.command('client').description('manage API clients')
  client
    .command('create')
    .description('create an API client: an organization API key, or an OAuth client with --oauth')
    .requiredOption('--name <name>', 'client name')
    .requiredOption('--scopes <list>', 'comma- or space-separated scopes, or "all"')
    .option('--description <text>', 'what the client is for')
    .option('--oauth', 'authorization type OAuth (client id + secret, redirect URIs) instead of an API key')
    .option('--redirect-uri <url>', 'OAuth redirect URI, matched exactly (repeat for several)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--public', 'OAuth client without a secret (native and browser apps; PKCE required)')
    .option('--access-models <list>', 'OAuth access models: organization, personal or both (default both)')
    .option('--interactivity-url <url>', 'URL receiving Block Kit interactions')
    .option('--webhook-url <url>', 'URL receiving webhook events')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        name: string
        scopes: string
        description?: string
        oauth?: boolean
        redirectUri: string[]
        public?: boolean
        accessModels?: string
        interactivityUrl?: string
        webhookUrl?: string
        json?: boolean
      }) => {
        const { scopes, unknown } = parseScopeList(opts.scopes)
        if (unknown.length > 0) throw new AppError('invalid_request', `--scopes: unknown scope(s) ${unknown.join(', ')}`)
        if (scopes.length === 0) throw new AppError('invalid_request', '--scopes: name at least one scope, or "all"')
        if (!opts.oauth && (opts.redirectUri.length > 0 || opts.public || opts.accessModels)) {
          throw new AppError('invalid_request', '--redirect-uri, --public and --access-models need --oauth')
        }
        const models = opts.accessModels?.split(/[\s,]+/).filter((m) => m !== '')
        if (models && models.some((m) => m !== 'organization' && m !== 'personal')) {
          throw new AppError('invalid_request', '--access-models: organization, personal or both')
        }
        const common = {
          name: opts.name,
          description: opts.description ?? null,
          scopes,
          interactivityUrl: opts.interactivityUrl ?? null,
          webhookUrl: opts.webhookUrl ?? null,
        }
        const created = await withContext(async (ctx) => {
          const org = await requireOrganizationOrBootstrap(ctx)
          if (!opts.oauth) return createApiKeyClient(ctx, org.id, common)
          return createOAuthClient(ctx, org.id, {
            ...common,
            redirectUris: opts.redirectUri,
            public: !!opts.public,
            ...(models ? { accessModels: models as AccessModel[] } : {}),
          })
        })
        const secret = 'apiKey' in created ? { apiKey: created.apiKey } : created.clientSecret ? { clientSecret: created.clientSecret } : {}
        output(
          !!opts.json,
          {
            clientId: created.app.clientId,
            botId: `B-${created.app.botId}`,
            ...secret,
            signingSecret: created.signingSecret,
            scopes,
            ...(opts.oauth ? { redirectUris: created.app.redirectUris, accessModels: created.app.accessModels } : {}),
          },
          [
            `client ${created.app.clientId} (bot B-${created.app.botId})`,
            ...('apiKey' in secret ? [`API key (shown once): ${secret.apiKey}`] : []),
            ...('clientSecret' in secret ? [`client secret (shown once): ${secret.clientSecret}`] : []),
            `webhook signing secret: ${created.signingSecret}`,
          ].join('\n'),
        )
      },
    )

  user
    .command('password')
    .description('set the password a user signs in with')
    .requiredOption('--email <email>', 'email address of the user')
    .requiredOption('--password <password>', `new password (${PASSWORD_MIN} to ${PASSWORD_MAX} characters)`)
    .option('--json', 'print one JSON object')
    .action(async (opts: { email: string; password: string; json?: boolean }) => {
      const found = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        const u = await findUserByEmail(ctx.db, org.id, opts.email)
        if (!u) throw new AppError('not_found', `--email: no user with ${opts.email}`)
        await setPassword(ctx, org.id, u.id, opts.password)
        return u
      })
      output(!!opts.json, { id: `U-${found.id}`, email: found.email }, `password set for ${found.email}`)
    })

  const pat = program.command('pat').description('manage personal access tokens')
  pat
    .command('create')
    .description("create a personal access token for a user (subject to the organization's personal access policy)")
    .requiredOption('--user <email>', 'email address of the token owner')
    .requiredOption('--scopes <list>', 'comma- or space-separated scopes, or "all"')
    .option('--name <name>', 'what the token is for')
    .option('--json', 'print one JSON object')
    .action(async (opts: { user: string; scopes: string; name?: string; json?: boolean }) => {
      const { scopes, unknown } = parseScopeList(opts.scopes)
      if (unknown.length > 0) throw new AppError('invalid_request', `--scopes: unknown scope(s) ${unknown.join(', ')}`)
      const created = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        const owner = await findUserByEmail(ctx.db, org.id, opts.user)
        if (!owner) throw new AppError('not_found', `--user: no user with ${opts.user}`)
        return createPat(ctx, owner, { name: opts.name ?? null, scopes })
      })
      output(
        !!opts.json,
        { id: created.id, token: created.token, status: created.status, scopes: created.scopes },
        [`personal access token ${created.id} (${created.status})`, `token (shown once): ${created.token}`].join('\n'),
      )
    })
  pat
    .command('list')
    .description('list personal access tokens and personal OAuth installs')
    .option('--status <status>', 'only active, pending, rejected or revoked ones')
    .option('--json', 'print one JSON object')
    .action(async (opts: { status?: string; json?: boolean }) => {
      if (opts.status && !['active', 'pending', 'rejected', 'revoked'].includes(opts.status)) {
        throw new AppError('invalid_request', '--status: active, pending, rejected or revoked')
      }
      const tokens = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return listPersonalAccess(ctx, org.id, opts.status ? { status: opts.status as CredentialStatus } : {})
      })
      output(!!opts.json, { tokens }, tokens.map((t) => `${t.id}  ${t.kind}  ${t.status}  ${t.user}  ${t.name}`).join('\n') || 'no personal access tokens')
    })
  for (const verb of ['approve', 'reject', 'revoke'] as const) {
    pat
      .command(`${verb} <id>`)
      .description(`${verb} a personal access token or personal OAuth install`)
      .option('--json', 'print one JSON object')
      .action(async (id: string, opts: { json?: boolean }) => {
        const item = await withContext(async (ctx) => {
          const org = await requireOrganizationOrBootstrap(ctx)
          const actor = { orgId: org.id, userId: null }
          return verb === 'revoke' ? revokePersonalAccess(ctx, actor, id, { ownOnly: false }) : decidePersonalAccess(ctx, actor, id, verb)
        })
        output(!!opts.json, { id: item.id, status: item.status }, `${item.id}: ${item.status}`)
      })
  }

  const settings = program.command('settings').description('organization settings')
  settings
    .command('set <name> <value>')
    .description('change a setting: personal-access <disabled|approval|auto>')
    .option('--json', 'print one JSON object')
    .action(async (name: string, value: string, opts: { json?: boolean }) => {
      if (name !== 'personal-access') throw new AppError('invalid_request', `unknown setting "${name}" (known: personal-access)`)
      const result = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return setPersonalAccess(ctx, org.id, value, null)
      })
      output(!!opts.json, { ...result }, `personal-access: ${result.personalAccess}`)
    })
  settings
    .command('show')
    .description('print the organization settings')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const result = await withContext(async (ctx) => getSettings(ctx, (await requireOrganizationOrBootstrap(ctx)).id))
      output(!!opts.json, { ...result }, `personal-access: ${result.personalAccess}`)
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
