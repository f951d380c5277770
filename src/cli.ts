import fs from 'node:fs'
import { Command } from 'commander'
import { bootstrap, requireOrganization } from './actions/bootstrap.js'
import { createApiKeyClient, createOAuthClient, setClientApiVersion } from './actions/clients.js'
import { API_VERSIONS } from './api-versions.js'
import { addGroupMembers, createdGroupView, createGroup, listNamedGroupMembers, removeGroupMembers } from './actions/groups.js'
import { addUser, deactivateUser, findUserByReference, listAllUsers, userView } from './actions/users.js'
import { createPat, decidePersonalAccess, listPersonalAccess, revokePersonalAccess } from './actions/pats.js'
import { PASSWORD_MAX, PASSWORD_MIN, setPassword } from './actions/sessions.js'
import { getSettings, setPersonalAccess } from './actions/settings.js'
import type { AccessModel, CredentialStatus } from './domain.js'
import { findUserByEmail } from './store/repos/users.js'
import { createLobby, lobbyUrl } from './actions/lobbies.js'
import { importTranscript } from './actions/transcripts.js'
import { formatFromFileName } from './transcripts/index.js'
import { parseDateParam } from './time.js'
import { createRoom } from './actions/roomlio.js'
import { createRelay, deleteRelay, listRelayViews } from './actions/relays.js'
import { loadConfig, type Config } from './config.js'
import type { Context } from './context.js'
import { AppError } from './errors.js'
import { parseScopeList } from './scopes.js'
import { serve } from './server.js'
import { migrateToLatest } from './store/migrate.js'
import { openConfiguredDatabase } from './store/first-start.js'
import { explainFailure, formatFailure } from './cli/errors.js'
import { runInit } from './cli/init.js'
import { runDoctor } from './cli/doctor.js'
import type { CliTools } from './cli/tools.js'
import { registerMigrate } from './cli/migrate.js'
import { registerBackup } from './cli/backup.js'
import { registerTransfer } from './cli/transfer.js'

export interface CliIo {
  env: NodeJS.ProcessEnv
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  stderrIsTTY?: boolean
  /** The stream behind `stdout`, for commands that write much and wait for it to drain. */
  stdoutStream?: NodeJS.WritableStream
}

const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY,
  stdoutStream: process.stdout,
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
    const db = openConfiguredDatabase(config, { init: false })
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

  // With --json, a failure is one {"error": …} object on stderr (stdout stays for results).
  const json = argv.includes('--json')
  let exitCode = 0
  const program = new Command()
    .name('atrium')
    .description('Atrium: a self-hostable virtual-office chat server, Roam HQ API compatible')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, ...(json ? { outputError: () => undefined } : {}) })
    .showHelpAfterError(!json)

  program
    .command('serve', { isDefault: true })
    .description('run the HTTP server (migrates and bootstraps an empty database first)')
    .option('--init', 'create a new database if none exists at the configured path (see `atrium init`)')
    .action(async (opts: { init?: boolean }) => {
      await serve(loadEnvConfig(), { init: !!opts.init, print: io.stdout })
    })

  program
    .command('init')
    .description('create the database and the organization at the configured path, and print the first admin credentials')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      exitCode = await runInit(loadEnvConfig(), { json: !!opts.json, stdout: io.stdout })
    })

  program
    .command('doctor')
    .description('check the configuration, database, Redis, public URL, private-URL policy and clock')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      exitCode = await runDoctor(io.env, { json: !!opts.json, stdout: io.stdout })
    })

  const tools: CliTools = { io, loadConfig: loadEnvConfig, withContext, output }
  registerMigrate(program, tools)

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
    .option('--members <list>', 'comma-separated U-… user ids and B-… bot ids (an app joins a group by its bot)')
    .option('--admins <list>', 'comma-separated U-… user ids and B-… bot ids')
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

  group
    .command('remove')
    .description('remove members (people or bots) from a group')
    .requiredOption('--group <id>', 'G-… id')
    .requiredOption('--members <list>', 'comma-separated U-… user ids and B-… bot ids')
    .option('--json', 'print one JSON object')
    .action(async (opts: { group: string; members: string; json?: boolean }) => {
      const members = list(opts.members)
      await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        await removeGroupMembers(ctx, org.id, { kind: 'provisioning' }, { group: opts.group, members })
      })
      output(!!opts.json, { group: opts.group, members }, `removed ${members.length} from ${opts.group}`)
    })

  group
    .command('members')
    .description("list a group's members: people, and apps' bots by their app's name")
    .requiredOption('--group <id>', 'G-… id')
    .option('--json', 'print one JSON object')
    .action(async (opts: { group: string; json?: boolean }) => {
      const members = await withContext(async (ctx) => listNamedGroupMembers(ctx, (await requireOrganizationOrBootstrap(ctx)).id, opts.group))
      const human = members.map((m) => `${m.id}  ${m.kind === 'bot' ? `${m.name} (app)` : `${m.name} <${m.email}>`}  ${m.role}`).join('\n')
      output(!!opts.json, { group: opts.group, members }, human || 'no members')
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

  client
    .command('pin')
    .description('pin an API client to a /v1 version (served when its requests carry no Roam-Version header); "none" unpins')
    .requiredOption('--client <id>', 'client id (app_… or the API key client id)')
    .requiredOption('--api-version <date>', `a /v1 version (${API_VERSIONS.map((v) => v.version).join(', ')}) or "none"`)
    .option('--json', 'print one JSON object')
    .action(async (opts: { client: string; apiVersion: string; json?: boolean }) => {
      const version = opts.apiVersion === 'none' ? null : opts.apiVersion
      const app = await withContext(async (ctx) => setClientApiVersion(ctx, (await requireOrganizationOrBootstrap(ctx)).id, opts.client, version, null))
      output(!!opts.json, { clientId: app.clientId, apiVersion: app.apiVersion ?? null }, `client ${app.clientId}: ${app.apiVersion ? `pinned to ${app.apiVersion}` : 'unpinned (baseline)'}`)
    })

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
      const { scopes, unknown } = parseScopeList(opts.scopes, { personal: true })
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

  registerBackup(program, tools)
  registerTransfer(program, tools)

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
          return { lobby: l, url: lobbyUrl(ctx, l) }
        })
        output(
          !!opts.json,
          { id: created.lobby.id, handle: created.lobby.handle, slug: created.lobby.slug, displayName: created.lobby.displayName, url: created.url },
          `lobby ${created.lobby.id} at ${created.url}`,
        )
      },
    )

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
        return createRoom(ctx, org.id, { roomKey: opts.key, name: opts.name, private: !!opts.private, actor: { kind: 'provisioning' } })
      })
      output(
        !!opts.json,
        { roomID: created.id, roomKey: created.roomKey, name: created.name, chatId: created.chatId, groupId: created.groupId },
        `room ${created.id} "${created.name}" (key ${created.roomKey}; group ${created.groupId}, chat ${created.chatId})`,
      )
    })

  const relay = program.command('relay').description('manage webhook relays (JSON posted to a secret URL becomes a chat message)')
  relay
    .command('create')
    .description('create a relay and print its secret URL (shown this once)')
    .requiredOption('--name <name>', 'relay name; its bot posts under this name')
    .option('--group <group>', 'target group: G-… id or exact name')
    .option('--to <emails>', 'target recipients: comma-separated emails or U-… ids (a DM with one, a multi-DM with several)')
    .option('--template <mustache>', 'message template over the payload (default: the payload as JSON)')
    .option('--filter <expression>', 'filtrex expression; payloads for which it does not hold are not posted')
    .option('--link-text <text>', 'text of a link button under the message')
    .option('--link-url <template>', 'Mustache template of the link button URL')
    .option('--json', 'print one JSON object')
    .action(async (opts: { name: string; group?: string; to?: string; template?: string; filter?: string; linkText?: string; linkUrl?: string; json?: boolean }) => {
      if ((opts.group === undefined) === (opts.to === undefined)) throw new AppError('invalid_request', 'give exactly one of --group and --to')
      if ((opts.linkText === undefined) !== (opts.linkUrl === undefined)) throw new AppError('invalid_request', '--link-text and --link-url go together')
      const created = await withContext(async (ctx) => {
        const org = await requireOrganizationOrBootstrap(ctx)
        return createRelay(ctx, org.id, null, {
          name: opts.name,
          ...(opts.group !== undefined ? { group: opts.group } : { to: list(opts.to) }),
          ...(opts.template !== undefined ? { template: opts.template } : {}),
          ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
          ...(opts.linkText !== undefined && opts.linkUrl !== undefined ? { link: { text: opts.linkText, urlTemplate: opts.linkUrl } } : {}),
        })
      })
      output(!!opts.json, { relayId: created.relay.id, url: created.url, relay: created.relay }, `relay ${created.relay.id} "${created.relay.name}": POST JSON to ${created.url}`)
    })

  relay
    .command('list')
    .description("list the organization's relays (never their URLs)")
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const relays = await withContext(async (ctx) => listRelayViews(ctx, (await requireOrganizationOrBootstrap(ctx)).id))
      const human = relays.map((r) => `${r.id}  ${r.name}  → ${r.group ?? (r.to ?? []).join(',')}  ${r.enabled ? 'enabled' : 'disabled'}, ${r.postedCount} posted`).join('\n')
      output(!!opts.json, { relays }, human || 'no relays')
    })

  relay
    .command('delete <id>')
    .description('delete a relay: its URL answers 404 from now on')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withContext(async (ctx) => deleteRelay(ctx, (await requireOrganizationOrBootstrap(ctx)).id, id))
      output(!!opts.json, { deleted: id }, `deleted relay ${id}`)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (err: unknown) {
    const failure = explainFailure(err, io.env)
    // Help and version output end as CommanderErrors with exit code 0; usage errors are already printed.
    if (failure.exitCode === 0 || (failure.code === 'usage' && !json)) return failure.exitCode
    io.stderr(formatFailure(failure, { json, env: io.env }))
    return failure.exitCode
  }
}

async function requireOrganizationOrBootstrap(ctx: Context) {
  await bootstrap(ctx)
  return requireOrganization(ctx)
}
