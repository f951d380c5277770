import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { bootstrap } from '../../src/actions/bootstrap.js'
import { createApiKeyClient } from '../../src/actions/clients.js'
import { createRoom } from '../../src/actions/office.js'
import { setPassword } from '../../src/actions/sessions.js'
import { addUser } from '../../src/actions/users.js'
import { loadConfig } from '../../src/config.js'
import type { User } from '../../src/domain.js'
import { newId } from '../../src/ids.js'
import { SCOPES } from '../../src/scopes.js'
import { openDatabase, type Db } from '../../src/store/db.js'
import { migrateToLatest } from '../../src/store/migrate.js'
import { insertChat } from '../../src/store/repos/chats.js'
import { insertGroup, upsertGroupMembers } from '../../src/store/repos/groups.js'
import { nowMicros } from '../../src/time.js'
import { SEED_EXAMPLE } from '../src/blockkit/example.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const shots = path.join(root, 'web', 'screenshots')
const CHROMIUM = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium'
const PASSWORD = 'correct horse battery'

/** A receiver standing in for an app's Interactivity URL. */
interface Received {
  body: string
  headers: IncomingHttpHeaders
}

describe('web client in Chromium', () => {
  let dataDir: string
  let db: Db
  let app: FastifyInstance
  let base: string
  let browser: Browser
  let receiver: Server
  const received: Received[] = []
  let apiKey: string
  let signingSecret: string
  let admin: User
  let alice: User
  let chat: string

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'web', 'dist', 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first')
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
    dataDir = mkdtempSync(path.join(tmpdir(), 'atrium-e2e-'))

    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push({ body, headers: req.headers })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/interactivity`

    const port = await freePort()
    const config = loadConfig({
      PORT: String(port),
      ATRIUM_DATA_DIR: dataDir,
      ATRIUM_LOG_LEVEL: 'warn',
      ATRIUM_RATE_LIMIT: 'off',
      ATRIUM_ALLOW_PRIVATE_URLS: '1',
    })
    db = openDatabase(config.database)
    await migrateToLatest(db)
    const boot = await bootstrap({ db, config })
    const ctx = { db, config }
    const org = boot.organization
    admin = boot.created!.admin
    await setPassword(ctx, org.id, admin.id, PASSWORD)
    alice = await addUser(ctx, org.id, { email: 'alice@example.com', name: 'Alice Liddell', isAdmin: false })
    await setPassword(ctx, org.id, alice.id, PASSWORD)
    const client = await createApiKeyClient(ctx, org.id, { name: 'Deploy bot', scopes: [...SCOPES], interactivityUrl: receiverUrl })
    apiKey = client.apiKey
    signingSecret = client.signingSecret

    // A group with both people and the bot; its chat is also the "Engineering" room's chat.
    const now = nowMicros()
    const chatRow = await insertChat(db, { id: newId(), orgId: org.id, kind: 'channel', groupId: null, participants: [], startedAt: now })
    const group = await insertGroup(db, { id: newId(), orgId: org.id, chatId: chatRow.id, name: 'Engineering', description: null, private: false, enforceThreads: false, createdBy: null, createdAt: now })
    await db.updateTable('chats').set({ group_id: group.id }).where('id', '=', chatRow.id).execute()
    const members = [`U-${admin.id}`, `U-${alice.id}`, `B-${client.app.botId}`]
    await upsertGroupMembers(db, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
    chat = `C-${chatRow.id}`
    await createRoom(ctx, org.id, { name: 'Engineering', group: `G-${group.id}` })
    await createRoom(ctx, org.id, { name: 'Design studio' })
    await createRoom(ctx, org.id, { name: 'Lounge' })

    app = await buildApp(config, { db, logger: false })
    await app.listen({ port, host: '127.0.0.1' })
    base = `http://127.0.0.1:${port}`

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await db?.destroy()
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()))
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function signIn(email: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, baseURL: base })
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

  it('signs in, shows the office floor, and records entering a room', async () => {
    const { context, page } = await signIn(admin.email)
    await page.getByRole('button', { name: 'Enter Engineering' }).click()
    await page.locator('.room.here').getByRole('heading', { name: /Engineering/ }).waitFor()
    await page.getByRole('button', { name: 'Check in' }).click()
    await page.getByRole('button', { name: 'Check out' }).waitFor()
    await page.screenshot({ path: path.join(shots, 'office.png'), fullPage: true })
    const audit = await db.selectFrom('audit_log').select(['event_type', 'data']).where('event_type', '=', 'ENTER_ROOM').execute()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.data).location.kind).toBe('RoomLocation')
    await context.close()
  })

  it('delivers a message to a second browser in real time, renders Block Kit, and sends a signed interaction', async () => {
    const a = await signIn(admin.email)
    const b = await signIn(alice.email)
    await a.page.goto(`/chat/${chat}`)
    await b.page.goto(`/chat/${chat}`)
    await a.page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await b.page.getByRole('heading', { name: 'Engineering' }).waitFor()
    // Let both sockets connect before sending.
    await a.page.waitForFunction(() => (window as unknown as { atriumRealtime: { status: string } }).atriumRealtime.status === 'open')
    await b.page.waitForFunction(() => (window as unknown as { atriumRealtime: { status: string } }).atriumRealtime.status === 'open')

    const text = `Hello from the admin ${Date.now()}`
    await a.page.getByLabel('Message Engineering').fill(text)
    await a.page.keyboard.press('Enter')
    await b.page.getByText(text).waitFor({ timeout: 15_000 })

    // The bot posts the complete Block Kit example of the documentation.
    const res = await fetch(`${base}/v0/chat.post`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ chat, ...SEED_EXAMPLE }),
    })
    expect(res.status).toBe(200)
    const message = a.page.locator('article', { has: a.page.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' }) })
    await message.waitFor({ timeout: 15_000 })
    await expect(message.getByRole('link', { name: /View Diff/ }).getAttribute('target')).resolves.toBe('_blank')
    await expect(message.locator('.bk').getAttribute('data-color')).resolves.toBe('#5B3FD9')
    await a.page.screenshot({ path: path.join(shots, 'chat-block-kit.png') })

    await message.getByRole('button', { name: 'Approve' }).click()
    await message.getByRole('status').filter({ hasText: 'Clicked' }).waitFor({ timeout: 15_000 })
    expect(received).toHaveLength(1)
    const hit = received[0]!
    const payload = new Webhook(signingSecret).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    }) as Record<string, unknown>
    expect(payload).toMatchObject({ type: 'block_actions', actionId: 'deploy_approve', value: 'api-gateway-v2.4.1', user: { email: admin.email } })
    expect((payload.message as { chatId: string }).chatId).toBe(chat)
    await a.context.close()
    await b.context.close()
  })

  it('uploads an image and shows its preview', async () => {
    const { context, page } = await signIn(admin.email)
    await page.goto(`/chat/${chat}`)
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await page.getByLabel('Attach files').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG })
    await page.getByRole('button', { name: 'Send' }).click()
    const img = page.locator('img.preview[alt="dot.png"]')
    await img.waitFor({ timeout: 15_000 })
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.preview')].some((i) => i.complete && i.naturalWidth > 0))
    await context.close()
  })

  it('lets an admin create an API key in the console that works against token.info', async () => {
    const { context, page } = await signIn(admin.email)
    await page.getByRole('link', { name: 'Developer console' }).click()
    await page.getByLabel('Name').fill('Console test client')
    await page.getByRole('button', { name: 'Create client' }).click()
    const key = (await page.locator('[data-secret="API key"]').textContent())!.trim()
    expect(key).toMatch(/^rmk-/)
    const res = await fetch(`${base}/v0/token.info`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { addr: string }).addr).toMatch(/^B-/)
    await page.screenshot({ path: path.join(shots, 'console.png'), fullPage: true })
    await page.goto('/builder')
    await page.getByText('Valid: chat.post would accept these blocks.').waitFor({ timeout: 15_000 })
    await page.screenshot({ path: path.join(shots, 'builder.png') })
    await context.close()
  })

  it('works on a phone-sized screen', async () => {
    const { context, page } = await signIn(alice.email, { width: 390, height: 844 })
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('link', { name: 'Chat' }).click()
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await page.screenshot({ path: path.join(shots, 'chat-phone.png') })
    await context.close()
  })
})

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** A small solid-colour PNG, encoded here so the test ships no binary fixture. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf: Buffer) => {
    let c = 0xffffffff
    for (const b of buf) c = table[(c ^ b) & 0xff]! ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const tail = Buffer.alloc(4)
    tail.writeUInt32BE(crc(body))
    return Buffer.concat([head, body, tail])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())])
  const raw = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const PNG = png(48, 32, [91, 63, 217])
