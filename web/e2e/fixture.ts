import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { bootstrap } from '../../src/actions/bootstrap.js'
import { createApiKeyClient } from '../../src/actions/clients.js'
import { createRoom } from '../../src/actions/office.js'
import { setPassword } from '../../src/actions/sessions.js'
import { addUser } from '../../src/actions/users.js'
import { loadConfig, type Config } from '../../src/config.js'
import { Dispatcher } from '../../src/events/dispatcher.js'
import type { User } from '../../src/domain.js'
import { newId } from '../../src/ids.js'
import { SCOPES } from '../../src/scopes.js'
import { openDatabase, type Db } from '../../src/store/db.js'
import { migrateToLatest } from '../../src/store/migrate.js'
import { insertChat } from '../../src/store/repos/chats.js'
import { insertGroup, upsertGroupMembers } from '../../src/store/repos/groups.js'
import { nowMicros } from '../../src/time.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CHROMIUM = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium'
export const PASSWORD = 'correct horse battery'

/** Generous on purpose: the suite must pass on a loaded two-core machine. */
export const WAIT = 30_000

/** A request received by the stand-in for an app's endpoints (`/interactivity`, `/events`). */
export interface Received {
  path: string
  body: string
  headers: IncomingHttpHeaders
}

/**
 * A real Atrium (SQLite in a temporary directory) serving the built client on a free port, seeded
 * with an administrator, a member, an API client whose Interactivity URL is an HTTP receiver here,
 * the "Engineering" group (both people and the bot) with its room, and two more rooms. Chromium
 * is Debian's, started headless with everything that reaches the network on its own turned off.
 */
export class Fixture {
  readonly received: Received[] = []
  private waiters: Array<() => void> = []
  private constructor(
    readonly base: string,
    /** The receiver's origin; the app's Interactivity URL is `${receiverBase}/interactivity`. */
    readonly receiverBase: string,
    readonly db: Db,
    readonly admin: User,
    readonly alice: User,
    readonly apiKey: string,
    readonly signingSecret: string,
    /** The Engineering group's chat address (C-…). */
    readonly chat: string,
    readonly browser: Browser,
    private readonly ctx: { db: Db; config: Config },
    private readonly app: FastifyInstance,
    private readonly receiver: Server,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<Fixture> {
    if (!existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first')
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
    const dataDir = mkdtempSync(path.join(tmpdir(), 'atrium-e2e-'))
    const holder: { fixture?: Fixture } = {}
    const early: Received[] = []
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const hit = { path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers }
        if (holder.fixture) holder.fixture.record(hit)
        else early.push(hit)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`

    const port = await freePort()
    const config = loadConfig({
      PORT: String(port),
      ATRIUM_DATA_DIR: dataDir,
      ATRIUM_LOG_LEVEL: 'warn',
      // Rate limits as deployed: API keys 10 at once then 1 per second, browsers their own budget.
      ATRIUM_RATE_LIMIT: 'on',
      // Every test signs the same people in afresh, far more often than a person would; the
      // sign-in throttle itself is tested through the API (test/signin-throttle.test.ts).
      ATRIUM_SIGNIN_ACCOUNT_LIMIT: '100:1',
      ATRIUM_PUBLIC_FORM_LIMIT: '100:1',
      ATRIUM_ALLOW_PRIVATE_URLS: '1',
      ATRIUM_DISPATCH_INTERVAL_MS: '100',
    })
    const db = openDatabase(config.database)
    await migrateToLatest(db)
    const boot = await bootstrap({ db, config })
    const ctx = { db, config }
    const org = boot.organization
    const admin = boot.created!.admin
    await setPassword(ctx, org.id, admin.id, PASSWORD)
    const alice = await addUser(ctx, org.id, { email: 'alice@example.com', name: 'Alice Liddell', isAdmin: false })
    await setPassword(ctx, org.id, alice.id, PASSWORD)
    const client = await createApiKeyClient(ctx, org.id, { name: 'Deploy bot', scopes: [...SCOPES], interactivityUrl: `${receiverBase}/interactivity` })

    // A group with both people and the bot; its chat is also the "Engineering" room's chat.
    const now = nowMicros()
    const chatRow = await insertChat(db, { id: newId(), orgId: org.id, kind: 'channel', groupId: null, participants: [], startedAt: now })
    const group = await insertGroup(db, { id: newId(), orgId: org.id, chatId: chatRow.id, name: 'Engineering', description: null, private: false, enforceThreads: false, createdBy: null, createdAt: now })
    await db.updateTable('chats').set({ group_id: group.id }).where('id', '=', chatRow.id).execute()
    const members = [`U-${admin.id}`, `U-${alice.id}`, `B-${client.app.botId}`]
    await upsertGroupMembers(db, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
    await createRoom(ctx, org.id, { name: 'Engineering', group: `G-${group.id}` })
    await createRoom(ctx, org.id, { name: 'Design studio' })
    await createRoom(ctx, org.id, { name: 'Lounge' })

    const app = await buildApp(config, { db, logger: false })
    // Webhook deliveries, as `atrium serve` runs them.
    const dispatcher = new Dispatcher({ db, config })
    app.addHook('preClose', async () => dispatcher.stop())
    await app.listen({ port, host: '127.0.0.1' })
    dispatcher.start()
    const base = `http://127.0.0.1:${port}`
    // Ready means the client is served and the API answers, not just that the port is bound.
    const ready = await fetch(`${base}/office`)
    if (!ready.ok) throw new Error(`Atrium is not serving the client: ${ready.status}`)

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 120_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    const fixture = new Fixture(base, receiverBase, db, admin, alice, client.apiKey, client.signingSecret, `C-${chatRow.id}`, browser, ctx, app, receiver, dataDir)
    holder.fixture = fixture
    early.forEach((hit) => fixture.record(hit))
    return fixture
  }

  private record(hit: Received): void {
    this.received.push(hit)
    const waiters = this.waiters
    this.waiters = []
    waiters.forEach((w) => w())
  }

  /** Another API client (all scopes): its API key and its bot's address. */
  async apiClient(name: string): Promise<{ apiKey: string; bot: string }> {
    const created = await createApiKeyClient(this.ctx, this.admin.orgId, { name, scopes: [...SCOPES], interactivityUrl: null })
    return { apiKey: created.apiKey, bot: `B-${created.app.botId}` }
  }

  /** Another group with its channel chat and the given members (tagged addresses). */
  async group(name: string, opts: { private: boolean; members: string[] }): Promise<{ address: string; chat: string }> {
    const now = nowMicros()
    const chatRow = await insertChat(this.db, { id: newId(), orgId: this.admin.orgId, kind: 'channel', groupId: null, participants: [], startedAt: now })
    const group = await insertGroup(this.db, { id: newId(), orgId: this.admin.orgId, chatId: chatRow.id, name, description: null, private: opts.private, enforceThreads: false, createdBy: null, createdAt: now })
    await this.db.updateTable('chats').set({ group_id: group.id }).where('id', '=', chatRow.id).execute()
    await upsertGroupMembers(this.db, group.id, opts.members.map((address) => ({ address, role: 'member' as const })), now)
    return { address: `G-${group.id}`, chat: `C-${chatRow.id}` }
  }

  /** Requests the receiver got at a path. */
  receivedAt(path: string): Received[] {
    return this.received.filter((r) => r.path === path)
  }

  /** Resolves once the receiver holds `count` requests at `path` (or fails after `timeout` ms). */
  async receivedAtLeast(count: number, path: string, timeout = WAIT): Promise<Received[]> {
    const deadline = Date.now() + timeout
    while (this.receivedAt(path).length < count) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`the receiver got ${this.receivedAt(path).length} request(s) at ${path}, expected ${count}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    return this.receivedAt(path)
  }

  /** A fresh browser context (its own cookies and storage) signed in through the login page. */
  async signIn(email: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ viewport, baseURL: this.base })
    context.setDefaultTimeout(WAIT)
    context.setDefaultNavigationTimeout(WAIT)
    const page = await context.newPage()
    page.on('pageerror', (e) => console.error('page error:', e.message))
    await page.goto('/office')
    await page.waitForURL(/\/login/)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: /sign in/i }).click()
    await page.waitForURL(/\/office/)
    await page.getByRole('heading', { name: 'Office' }).waitFor()
    return { context, page }
  }

  /** Waits until the page's realtime socket has said `ready`. */
  static async realtimeOpen(page: Page): Promise<void> {
    await page.waitForFunction(() => (window as unknown as { atriumRealtime?: { status: string } }).atriumRealtime?.status === 'open')
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined)
    await this.app.close()
    await this.db.destroy()
    await new Promise<void>((resolve) => this.receiver.close(() => resolve()))
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}
