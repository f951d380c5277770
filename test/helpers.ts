import { randomBytes } from 'node:crypto'
import { insertPersona } from '../src/actions/pats.js'
import fs from 'node:fs/promises'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../src/app.js'
import { createApiKeyClient, createOAuthClient } from '../src/actions/clients.js'
import { setPassword } from '../src/actions/sessions.js'
import { insertGrant } from '../src/store/repos/oauth.js'
import { addUser } from '../src/actions/users.js'
import { loadConfig, type Config } from '../src/config.js'
import type { Context } from '../src/context.js'
import type { App, CredentialStatus, Organization, User } from '../src/domain.js'
import { newId } from '../src/ids.js'
import { ADMIN_SCOPES, SCOPES, type AdminScope, type Scope } from '../src/scopes.js'
import { issueSecret, randomToken } from '../src/secrets.js'
import { insertCredential } from '../src/store/repos/credentials.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { insertOrganization } from '../src/store/repos/organizations.js'
import { findChatByParticipants, insertChat } from '../src/store/repos/chats.js'
import { insertGroup, upsertGroupMembers } from '../src/store/repos/groups.js'
import type { Chat, Group } from '../src/domain.js'
import { nowMicros } from '../src/time.js'
import { InProcessEventBus } from '../src/events/bus.js'
import { storageFor } from '../src/storage/index.js'
import { sharedCompilers } from './compilers.js'
import { leaseSchema, pgUrl, postgresConfigFor, sqliteCopy } from './databases.js'

export const dialect = (process.env.ATRIUM_TEST_DIALECT ?? 'sqlite') as 'sqlite' | 'postgres'
export { pgUrl }

/**
 * A fresh, empty, migrated database of the dialect under test, isolated from every other test: an
 * in-memory copy of a migrated SQLite database, or an emptied PostgreSQL schema of its own leased
 * from a pool of migrated ones (see test/databases.ts). `drop()` gives it up.
 */
export async function freshDatabase(): Promise<{ db: Db; config: Config; drop: () => Promise<void> }> {
  return ownDatabase('shape')
}

/** `check`: what `drop()` verifies before a PostgreSQL schema goes back to the pool (see leaseSchema). */
async function ownDatabase(check: 'shape' | 'migrations'): Promise<{ db: Db; config: Config; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const config = loadConfig({ ATRIUM_DATABASE_URL: 'sqlite::memory:', ATRIUM_DATA_DIR: `/tmp/atrium-test-${randomBytes(6).toString('hex')}` })
    const db = await sqliteCopy()
    return { db, config, drop: async () => db.destroy() }
  }
  const { schema, release } = await leaseSchema(check)
  const config: Config = postgresConfigFor(schema)
  const db = openDatabase(config.database)
  return {
    db,
    config,
    drop: async () => {
      await db.destroy()
      await release()
    },
  }
}

export interface ClientFixture {
  app: App
  apiKey: string
  signingSecret: string
  /** The app's bot address, `B-…`. */
  bot: string
}

export interface RequestOptions {
  token?: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  headers?: Record<string, string>
}

/**
 * One test's world: its own database, organization and application. Build what the test needs
 * with the factories; nothing is shared with other tests.
 */
export class TestEnv {
  private constructor(
    readonly app: FastifyInstance,
    readonly ctx: Context,
    readonly org: Organization,
    private readonly drop: () => Promise<void>,
  ) {}

  static async create(overrides: Partial<Config> = {}): Promise<TestEnv> {
    // Tests through the application run no DDL: the schema's migrations are all drop() checks.
    const { db, config, drop } = await ownDatabase('migrations')
    // The suite is never throttled unless a test asks for rate limiting (or sign-in limits).
    const cfg: Config = {
      ...config,
      rateLimit: { ...config.rateLimit, enabled: false },
      throttle: { ...config.throttle, account: [], address: [], lobbyBookingsPerDay: 0 },
      ...overrides,
    }
    const org: Organization = {
      id: newId(),
      externalId: randomToken(10).toUpperCase(),
      name: 'Test Roam',
      imageUrl: null,
      iconUrl: null,
      personalAccessPolicy: 'approval',
      createdAt: nowMicros(),
    }
    await insertOrganization(db, org)
    const bus = new InProcessEventBus()
    const storage = storageFor(cfg, db)
    const app = await buildApp(cfg, { db, logger: false, bus, storage, compilers: sharedCompilers })
    await app.ready()
    return new TestEnv(app, { db, config: cfg, bus, storage }, org, drop)
  }

  get db(): Db {
    return this.ctx.db
  }

  async close(): Promise<void> {
    await this.app.close()
    await this.drop()
    await fs.rm(this.ctx.config.dataDir, { recursive: true, force: true })
  }

  async user(input: { email?: string; name?: string; isAdmin?: boolean } = {}): Promise<User> {
    const n = randomToken(8).toLowerCase()
    return addUser(this.ctx, this.org.id, {
      email: input.email ?? `user-${n}@example.com`,
      name: input.name ?? `User ${n}`,
      isAdmin: input.isAdmin ?? false,
    })
  }

  async apiClient(input: { scopes?: Scope[]; name?: string; interactivityUrl?: string } = {}): Promise<ClientFixture> {
    const created = await createApiKeyClient(this.ctx, this.org.id, {
      name: input.name ?? `client-${randomToken(6)}`,
      scopes: input.scopes ?? [...SCOPES],
      interactivityUrl: input.interactivityUrl ?? null,
    })
    return { app: created.app, apiKey: created.apiKey, signingSecret: created.signingSecret, bot: `B-${created.app.botId}` }
  }

  /**
   * An active personal access token (`rmp-…`) for `user`, straight through the store: it acts as
   * the user. (Issuing PATs through the API, with the approval policy, has its own tests.)
   */
  async personalToken(user: User, scopes: Array<Scope | AdminScope> = [...SCOPES], status: CredentialStatus = 'active'): Promise<string> {
    const secret = issueSecret('rmp-')
    const persona = await insertPersona(this.db, user, nowMicros())
    await insertCredential(this.db, {
      botId: persona.botId,
      id: newId(),
      orgId: this.org.id,
      kind: 'pat',
      lookup: secret.lookup,
      secretHash: secret.hash,
      appId: null,
      userId: user.id,
      model: 'personal',
      scopes,
      status,
      name: 'test token',
      grantId: null,
      createdAt: nowMicros(),
      expiresAt: null,
    })
    return secret.token
  }

  /** An organization administrator and a personal token for the admin API (every scope, the admin scopes too). */
  async admin(): Promise<{ user: User; token: string }> {
    const user = await this.user({ isAdmin: true })
    return { user, token: await this.personalToken(user, [...SCOPES, ...ADMIN_SCOPES]) }
  }

  /**
   * A group with its channel chat, straight through the store (group.create's own tests go
   * through the API). Members and admins are tagged addresses (`U-…`, `B-…`).
   */
  async group(input: { name?: string; private?: boolean; members?: string[]; admins?: string[]; enforceThreads?: boolean } = {}): Promise<Group & { address: string; chatAddress: string }> {
    const now = nowMicros()
    const chat = await insertChat(this.db, { id: newId(), orgId: this.org.id, kind: 'channel', groupId: null, participants: [], startedAt: now })
    const group = await insertGroup(this.db, {
      id: newId(),
      orgId: this.org.id,
      chatId: chat.id,
      name: input.name ?? `group-${randomToken(6)}`,
      description: null,
      private: input.private ?? false,
      enforceThreads: input.enforceThreads ?? false,
      createdBy: null,
      createdAt: now,
    })
    await this.db.updateTable('chats').set({ group_id: group.id }).where('id', '=', chat.id).execute()
    await upsertGroupMembers(this.db, group.id, [
      ...(input.members ?? []).map((address) => ({ address, role: 'member' as const })),
      ...(input.admins ?? []).map((address) => ({ address, role: 'admin' as const })),
    ], now)
    return { ...group, address: `G-${group.id}`, chatAddress: `C-${chat.id}` }
  }

  /** The DM (two addresses) or multi-DM (more) among the given addresses, created if needed. */
  async dm(...addresses: string[]): Promise<Chat & { address: string }> {
    const existing = await findChatByParticipants(this.db, this.org.id, addresses)
    const chat = existing ?? (await insertChat(this.db, {
      id: newId(),
      orgId: this.org.id,
      kind: new Set(addresses).size > 2 ? 'multi' : 'dm',
      groupId: null,
      participants: addresses,
      startedAt: nowMicros(),
    }))
    return { ...chat, address: `${chat.kind === 'multi' ? 'M' : 'D'}-${chat.id}` }
  }

  /** A user who can sign in with `password` (default `correct horse battery`). */
  async userWithPassword(input: { isAdmin?: boolean; password?: string } = {}): Promise<User & { password: string }> {
    const user = await this.user({ isAdmin: input.isAdmin ?? false })
    const password = input.password ?? 'correct horse battery'
    await setPassword(this.ctx, this.org.id, user.id, password)
    return { ...user, password }
  }

  /** A browser with its own cookie jar, for the server-rendered pages and session-authenticated APIs. */
  browser(): Browser {
    return new Browser(this.app)
  }

  /** A signed-in browser for `user` (created with `userWithPassword`). */
  async signedIn(user: { email: string; password: string }): Promise<Browser> {
    const browser = this.browser()
    await browser.signIn(user.email, user.password)
    return browser
  }

  /** An OAuth API client (confidential unless `public`), straight through the action. */
  async oauthClient(input: { scopes?: Scope[]; redirectUris?: string[]; accessModels?: Array<'organization' | 'personal'>; public?: boolean } = {}) {
    return createOAuthClient(this.ctx, this.org.id, {
      name: `oauth-${randomToken(6)}`,
      scopes: input.scopes ?? [...SCOPES],
      redirectUris: input.redirectUris ?? ['http://127.0.0.1:9876/callback'],
      ...(input.accessModels ? { accessModels: input.accessModels } : {}),
      public: input.public ?? false,
    })
  }

  /**
   * An OAuth access token (`rmo-…`) of an installed OAuth client, straight through the store:
   * `organization` acts as the client's bot, `personal` as `user`. (The full browser flow has
   * its own tests.)
   */
  async oauthToken(input: { model: 'organization' | 'personal'; user: User; app?: App; scopes?: Scope[]; status?: 'active' | 'pending' }): Promise<{ token: string; app: App; grantId: string }> {
    const app = input.app ?? (await this.oauthClient()).app
    const now = nowMicros()
    const grantId = newId()
    const status = input.status ?? 'active'
    const scopes = input.scopes ?? [...SCOPES]
    await insertGrant(this.db, { id: grantId, orgId: this.org.id, appId: app.id, userId: input.user.id, model: input.model, scopes, status, createdAt: now })
    const secret = issueSecret('rmo-')
    await insertCredential(this.db, {
      id: newId(),
      orgId: this.org.id,
      kind: 'oauth_access',
      lookup: secret.lookup,
      secretHash: secret.hash,
      appId: app.id,
      userId: input.user.id,
      model: input.model,
      scopes,
      status,
      name: app.name,
      grantId,
      createdAt: now,
      expiresAt: now + 3600 * 1_000_000,
    })
    return { token: secret.token, app, grantId }
  }

  inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
    return this.app.inject(opts)
  }

  get(url: string, opts: RequestOptions = {}): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'GET', url, query: clean(opts.query), headers: headers(opts) })
  }

  post(url: string, opts: RequestOptions = {}): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST',
      url,
      query: clean(opts.query),
      headers: headers(opts),
      ...(opts.body === undefined ? {} : { payload: opts.body as object }),
    })
  }
}

function headers(opts: RequestOptions): Record<string, string> {
  return { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers }
}

function clean(query: RequestOptions['query']): Record<string, string> | undefined {
  if (!query) return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = String(v)
  return out
}

/**
 * A minimal browser over `app.inject`: keeps cookies, reads the CSRF token of the last page, and
 * submits forms (`application/x-www-form-urlencoded`). Redirects are not followed.
 */
export class Browser {
  readonly cookies = new Map<string, string>()
  /** CSRF token of the last HTML page (from its `csrf-token` meta tag). */
  csrfToken: string | undefined

  constructor(private readonly app: FastifyInstance) {}

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {}
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now()) || c.value === ''
      if (expired) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    const m = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)
    if (m) this.csrfToken = m[1]!.replace(/&#39;|&quot;|&amp;|&lt;|&gt;/g, (e) => ({ '&#39;': "'", '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>' })[e]!)
    return res
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { ...this.cookieHeader(), ...headers } }))
  }

  /** Submits a form; the CSRF token of the last page is added as `_csrf` unless given. */
  async submit(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams({ ...(this.csrfToken ? { _csrf: this.csrfToken } : {}), ...fields })
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: form.toString(),
      }),
    )
  }

  /** A JSON write with the session cookie and (unless `csrf: false`) the `x-csrf-token` header. */
  async postJson(
    url: string,
    body: unknown,
    opts: { csrf?: boolean; method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const csrf = opts.csrf === false || !this.csrfToken ? {} : { 'x-csrf-token': this.csrfToken }
    return this.keep(await this.app.inject({ method: opts.method ?? 'POST', url, headers: { ...this.cookieHeader(), ...csrf, ...opts.headers }, payload: body as object }))
  }

  /** Raw bytes (uploads) with the session cookie and (unless `csrf: false`) the `x-csrf-token` header. */
  async postBytes(url: string, bytes: Buffer, headers: Record<string, string>, opts: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const csrf = opts.csrf === false || !this.csrfToken ? {} : { 'x-csrf-token': this.csrfToken }
    return this.keep(await this.app.inject({ method: 'POST', url, headers: { ...this.cookieHeader(), ...csrf, ...headers }, payload: bytes }))
  }

  async signIn(email: string, password: string): Promise<LightMyRequestResponse> {
    await this.get('/login')
    const res = await this.submit('/login', { email, password })
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 200)}`)
    return res
  }
}

/** The smallest PNG item.upload accepts: signature and an IHDR chunk with its dimensions. */
export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25)
  ihdr.writeUInt32BE(13, 0)
  ihdr.write('IHDR', 4, 'latin1')
  ihdr.writeUInt32BE(width, 8)
  ihdr.writeUInt32BE(height, 12)
  ihdr.writeUInt8(8, 16)
  ihdr.writeUInt8(6, 17)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(12)])
}
