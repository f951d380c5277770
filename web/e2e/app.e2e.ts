import path from 'node:path'
import { deflateSync } from 'node:zlib'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED_EXAMPLE } from '../src/blockkit/example.js'
import { Fixture, ROOT } from './fixture.js'

/** Screenshots of the main screens, refreshed by every run. */
const shots = path.join(ROOT, 'web', 'screenshots')

describe('web client in Chromium', () => {
  let fx: Fixture

  beforeAll(async () => {
    fx = await Fixture.start()
  })

  afterAll(async () => {
    await fx?.close()
  })

  const botPost = async (body: Record<string, unknown>) => {
    const res = await fetch(`${fx.base}/v0/chat.post`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ chat: fx.chat, ...body }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
  }

  it('signs in, shows the office floor, and records entering a room', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.getByRole('button', { name: 'Enter Engineering' }).click()
    await page.locator('.room.here').getByRole('heading', { name: /Engineering/ }).waitFor()
    await page.getByRole('button', { name: 'Check in' }).click()
    await page.getByRole('button', { name: 'Check out' }).waitFor()
    await page.screenshot({ path: path.join(shots, 'office.png'), fullPage: true })
    const audit = await fx.db.selectFrom('audit_log').select(['event_type', 'data']).where('event_type', '=', 'ENTER_ROOM').execute()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.data).location.kind).toBe('RoomLocation')
    await context.close()
  })

  it('delivers a message to a second browser in real time, renders Block Kit, and sends a signed interaction', async () => {
    const a = await fx.signIn(fx.admin.email)
    const b = await fx.signIn(fx.alice.email)
    await a.page.goto(`/chat/${fx.chat}`)
    await b.page.goto(`/chat/${fx.chat}`)
    await a.page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await b.page.getByRole('heading', { name: 'Engineering' }).waitFor()
    // Both sockets are subscribed before anything is sent.
    await Fixture.realtimeOpen(a.page)
    await Fixture.realtimeOpen(b.page)

    const text = `Hello from the admin ${Date.now()}`
    await a.page.getByLabel('Message Engineering').fill(text)
    await a.page.keyboard.press('Enter')
    await b.page.getByText(text).waitFor()

    // The bot posts the complete Block Kit example of the documentation.
    await botPost(SEED_EXAMPLE)
    const message = a.page.locator('article', { has: a.page.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' }) })
    await message.waitFor()
    await b.page.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' }).waitFor()
    await expect(message.getByRole('link', { name: /View Diff/ }).getAttribute('target')).resolves.toBe('_blank')
    await expect(message.locator('.bk').getAttribute('data-color')).resolves.toBe('#5B3FD9')
    await expect(message.locator('.bk-section-text strong').allTextContents()).resolves.toEqual(['Environment:', 'Branch:', 'Commit:'])
    await expect(message.locator('hr.bk-divider').count()).resolves.toBe(1)
    await expect(message.getByRole('button', { name: 'Reject' }).getAttribute('class')).resolves.toContain('bk-danger')
    await a.page.screenshot({ path: path.join(shots, 'chat-block-kit.png') })

    await message.getByRole('button', { name: 'Approve' }).click()
    await message.getByRole('status').filter({ hasText: 'Clicked' }).waitFor()
    const hits = await fx.receivedAtLeast(1, '/interactivity')
    expect(hits).toHaveLength(1)
    const hit = hits[0]!
    const payload = new Webhook(fx.signingSecret).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    }) as Record<string, unknown>
    expect(payload).toMatchObject({ type: 'block_actions', actionId: 'deploy_approve', value: 'api-gateway-v2.4.1', user: { email: fx.admin.email } })
    expect((payload.message as { chatId: string }).chatId).toBe(fx.chat)
    await a.context.close()
    await b.context.close()
  })

  it('shows typing, reactions, thread replies, edits and deletes in the other browser as they happen', async () => {
    const a = await fx.signIn(fx.admin.email)
    const b = await fx.signIn(fx.alice.email)
    for (const p of [a.page, b.page]) {
      await p.goto(`/chat/${fx.chat}`)
      await p.getByRole('heading', { name: 'Engineering' }).waitFor()
      await Fixture.realtimeOpen(p)
    }
    const bMain = b.page.locator('.conversation')
    await a.page.getByLabel('Message Engineering').pressSequentially('Ship')
    await b.page.getByText(/is typing…/).waitFor()
    await a.page.getByLabel('Message Engineering').fill('Ship it today')
    await a.page.keyboard.press('Enter')
    const aMessage = a.page.locator('.conversation article', { hasText: 'Ship it today' })
    const bMessage = bMain.locator('article', { hasText: 'Ship it today' })
    await bMessage.waitFor()
    await b.page.getByText(/is typing…/).waitFor({ state: 'detached' })

    await bMessage.getByRole('button', { name: 'React with tada' }).click()
    await aMessage.getByRole('button', { name: 'tada reaction, 1' }).waitFor()

    await bMessage.getByRole('button', { name: 'Reply in thread' }).click()
    await b.page.getByLabel('Reply in thread').fill('On it')
    await b.page.getByLabel('Reply in thread').press('Enter')
    await b.page.locator('aside.thread').getByText('On it').waitFor()
    await aMessage.getByRole('button', { name: '1 reply' }).waitFor()
    await expect(a.page.locator('.conversation article', { hasText: 'On it' }).count()).resolves.toBe(0)
    await b.page.screenshot({ path: path.join(shots, 'chat-thread.png') })

    await aMessage.getByRole('button', { name: 'Edit' }).click()
    await a.page.getByLabel('Edit message').fill('Ship it tomorrow')
    await a.page.getByRole('button', { name: 'Save' }).click()
    const edited = bMain.locator('article', { hasText: 'Ship it tomorrow' })
    await edited.getByText('(edited)').waitFor()

    a.page.once('dialog', (d) => void d.accept())
    await a.page.locator('.conversation article', { hasText: 'Ship it tomorrow' }).getByRole('button', { name: 'Delete' }).click()
    await edited.waitFor({ state: 'detached' })
    await a.context.close()
    await b.context.close()
  })

  it('uploads an image and shows its preview', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto(`/chat/${fx.chat}`)
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await page.getByLabel('Attach files').setInputFiles({ name: 'diagram ü.png', mimeType: 'image/png', buffer: PNG })
    await page.getByRole('button', { name: 'Send' }).click()
    const img = page.locator('img.preview[alt="diagram ü.png"]')
    await img.waitFor()
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.preview')].some((i) => i.complete && i.naturalWidth === 48))
    await context.close()
  })

  it('lets an admin create an API key in the console that works against token.info, rotate its secret and read the delivery log', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    const failed: string[] = []
    page.on('response', (r) => r.url().includes('/admin/') && r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`))
    await page.getByRole('link', { name: 'Developer console' }).click()
    await page.getByLabel('Name').fill('Console test client')
    await page.getByRole('button', { name: 'Create client' }).click()
    const key = (await page.locator('[data-secret="API key"]').textContent())!.trim()
    expect(key).toMatch(/^rmk-/)
    const res = await fetch(`${fx.base}/v0/token.info`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { addr: string }).addr).toMatch(/^B-/)
    await page.screenshot({ path: path.join(shots, 'console.png'), fullPage: true })

    page.on('dialog', (d) => void d.accept())
    await page.getByRole('button', { name: 'Settings of Console test client' }).click()
    await page.getByRole('button', { name: 'Rotate signing secret' }).click()
    await expect(page.locator('[data-secret="New signing secret"]').textContent()).resolves.toMatch(/^whsec_/)

    // A webhook subscription of the bot; a message is delivered to it, shows in the log, and is replayed.
    const subscribed = await fetch(`${fx.base}/v0/webhook.subscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${fx.receiverBase}/events`, event: 'chat:message:channel' }),
    })
    expect(subscribed.status, await subscribed.clone().text()).toBe(200)
    // The admin posts (an app does not hear its own messages), through the session as the client does.
    const { csrfToken } = (await (await page.request.get('/app/session')).json()) as { csrfToken: string }
    const posted = await page.request.post('/v0/chat.post', { headers: { 'x-csrf-token': csrfToken }, data: { chat: fx.chat, text: 'Deployed api-gateway v2.4.1' } })
    expect(posted.status(), await posted.text()).toBe(200)
    const [delivered] = await fx.receivedAtLeast(1, '/events')
    await page.getByRole('link', { name: 'Webhooks & deliveries' }).click()
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor()
    await page.getByRole('cell', { name: `${fx.receiverBase}/events` }).first().waitFor()
    const row = page.locator('tr', { has: page.getByRole('button', { name: `Replay chat.message.channel delivery ${delivered!.headers['webhook-id']}` }) })
    await row.getByText('delivered', { exact: true }).waitFor()
    await row.getByRole('button', { name: /^Replay / }).click()
    await row.getByText('replay queued').waitFor()
    const [, replayed] = await fx.receivedAtLeast(2, '/events')
    expect(replayed!.headers['webhook-id']).toBe(delivered!.headers['webhook-id'])
    await page.screenshot({ path: path.join(shots, 'console-deliveries.png'), fullPage: true })
    await page.getByRole('link', { name: 'Personal access' }).click()
    await page.getByRole('heading', { name: 'Approval queue' }).waitFor()
    await page.getByText('Nothing waiting.').waitFor()

    // A person added in the console signs in with the one-time link they are handed.
    await page.getByRole('link', { name: 'Users & groups' }).click()
    await page.getByLabel('Email', { exact: true }).fill('grace@example.com')
    await page.getByLabel('Full name').fill('Grace Hopper')
    await page.getByRole('button', { name: 'Add person' }).click()
    const link = (await page.locator('[data-secret="Sign-in link"]').textContent())!.trim()
    const grace = await fx.browser.newContext({ baseURL: fx.base })
    const gracePage = await grace.newPage()
    await gracePage.goto(link)
    await gracePage.waitForURL(/\/office$/)
    await gracePage.getByRole('button', { name: 'Sign out' }).waitFor()
    await expect(gracePage.locator('.me').textContent()).resolves.toContain('Grace Hopper')
    await grace.close()
    expect(failed).toEqual([])

    await page.goto('/builder')
    await page.getByText('Valid: chat.post would accept these blocks.').waitFor()
    await page.screenshot({ path: path.join(shots, 'builder.png') })
    await context.close()
  })

  it('lets an admin set up a webhook relay in the console; JSON posted to its URL appears in the chat', async () => {
    const { context, page } = await fx.signIn(fx.admin.email)
    await page.getByRole('link', { name: 'Developer console' }).click()
    await page.getByRole('link', { name: 'Webhook relays' }).click()
    const form = page.locator('form.relay-form')
    await form.getByLabel('Name', { exact: true }).fill('CI')
    await form.getByLabel('Group', { exact: true }).selectOption({ label: 'Engineering' })
    await form.getByLabel(/^Message template/).fill('Build *{{build.id}}* {{status}}')
    await form.getByLabel(/^Filter/).fill('status != "skipped"')
    await form.getByLabel(/^Color rules/).fill('[{"when": "status == \\"failed\\"", "color": "danger"}]')
    await form.getByLabel('Link button text').fill('Open build')
    await form.getByLabel('Link button URL').fill('https://ci.example.com/builds/{{build.id}}')
    await form.getByRole('button', { name: 'Create relay' }).click()
    await page.locator('[data-secret="Relay URL"], form.relay-form [role="alert"]').first().waitFor()
    expect(await form.getByRole('alert').count(), (await form.getByRole('alert').allTextContents()).join()).toBe(0)
    const url = (await page.locator('[data-secret="Relay URL"]').textContent())!.trim()
    await page.getByText('CI', { exact: true }).waitFor()

    const send = (payload: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
    expect(((await (await send({ build: { id: 41 }, status: 'skipped' })).json()) as { posted: boolean }).posted).toBe(false)
    const posted = await send({ build: { id: 42 }, status: 'failed' })
    expect(posted.status, await posted.clone().text()).toBe(200)

    await page.goto(`/chat/${fx.chat}`)
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    const message = page.locator('.message', { hasText: 'Build 42 failed' })
    await message.waitFor()
    await message.getByRole('link', { name: 'Open build' }).waitFor()
    expect(await message.getByRole('link', { name: 'Open build' }).getAttribute('href')).toBe('https://ci.example.com/builds/42')
    await expect(page.getByText('Build 41').count()).resolves.toBe(0)
    await context.close()
  })

  it('stays reachable through 30 quick reloads with a second tab open: the browser is not charged to the API budget', async () => {
    const { context, page } = await fx.signIn(fx.alice.email)
    const refused: string[] = []
    context.on('response', (r) => {
      if (r.status() === 429) refused.push(`${r.request().method()} ${r.url()}`)
    })
    const tab = await context.newPage()
    await tab.goto('/office')
    await tab.getByRole('heading', { name: 'Office' }).waitFor()
    await page.goto(`/chat/${fx.chat}`)
    const history = page.getByRole('log', { name: 'Messages in Engineering' })
    await history.waitFor()
    for (let i = 0; i < 30; i++) {
      await page.reload()
      await page.getByRole('heading', { name: 'Engineering' }).waitFor()
      // The history pane loaded (its first page, or the start of the conversation).
      await history.locator('.message, p.muted, button').first().waitFor()
      if (i % 10 === 9) {
        await tab.reload()
        await tab.getByRole('heading', { name: 'Office' }).waitFor()
      }
    }
    await Fixture.realtimeOpen(page)
    expect(refused).toEqual([])
    for (const p of [page, tab]) {
      expect(await p.getByText(/Too many requests/).count()).toBe(0)
      expect(await p.getByText(/Atrium is unreachable/).count()).toBe(0)
    }
    // API keys keep Roam's budget: 10 at once.
    const limit = await fetch(`${fx.base}/v0/token.info`, { headers: { authorization: `Bearer ${fx.apiKey}` } })
    expect(limit.status).toBe(200)
    expect(limit.headers.get('ratelimit-limit')).toBe('10')
    await context.close()
  })

  it('lets an admin add an app\'s bot to a private group in the member panel; the bot then posts into the open chat', async () => {
    const notes = await fx.apiClient('Release notes')
    const releases = await fx.group('Releases', { private: true, members: [`U-${fx.admin.id}`, `U-${fx.alice.id}`] })
    const post = (text: string) =>
      fetch(`${fx.base}/v0/chat.post`, {
        method: 'POST',
        headers: { authorization: `Bearer ${notes.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ chat: releases.address, text }),
      })
    expect((await post('not yet')).status).toBe(403)

    const { context, page } = await fx.signIn(fx.admin.email)
    await page.goto(`/chat/${releases.chat}`)
    await page.getByRole('heading', { name: 'Releases' }).waitFor()
    await Fixture.realtimeOpen(page)
    await page.getByRole('button', { name: 'Members of Releases' }).click()
    const panel = page.getByRole('complementary', { name: 'Members of Releases' })
    const members = panel.getByRole('list', { name: 'Members of Releases' })
    await members.getByText('Alice Liddell').waitFor()

    // By keyboard: pick the app, Tab to Add, Enter.
    const picker = panel.getByLabel('Add a person or app')
    await picker.focus()
    await picker.selectOption({ label: 'Release notes (app)' })
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add')
    await page.keyboard.press('Enter')
    await members.getByText('Release notes').waitFor()
    await panel.getByRole('status').filter({ hasText: 'Added Release notes (app).' }).waitFor()

    const text = `Release 2.4.1 is out ${Date.now()}`
    const sent = await post(text)
    expect(sent.status, await sent.clone().text()).toBe(200)
    await page.getByRole('log', { name: 'Messages in Releases' }).getByText(text).waitFor()
    await page.screenshot({ path: path.join(shots, 'chat-members.png') })

    // Removing it (after confirming) closes the group to the bot again.
    page.once('dialog', (d) => void d.accept())
    await panel.getByRole('button', { name: 'Remove Release notes (app)' }).click()
    await panel.getByRole('status').filter({ hasText: 'Removed Release notes (app).' }).waitFor()
    expect(await members.getByText('Release notes').count()).toBe(0)
    expect((await post('gone')).status).toBe(403)

    // A member who is not an admin sees the list, without controls.
    const b = await fx.signIn(fx.alice.email)
    await b.page.goto(`/chat/${releases.chat}`)
    await b.page.getByRole('button', { name: 'Members of Releases' }).click()
    const theirs = b.page.getByRole('complementary', { name: 'Members of Releases' })
    await theirs.getByRole('list', { name: 'Members of Releases' }).getByText('Alice Liddell').waitFor()
    expect(await theirs.getByLabel('Add a person or app').count()).toBe(0)
    expect(await theirs.getByRole('button', { name: /^Remove/ }).count()).toBe(0)
    await b.context.close()

    // The admin removes a person the same way (which also leaves Alice's chats as they were).
    page.once('dialog', (d) => void d.accept())
    await panel.getByRole('button', { name: 'Remove Alice Liddell <alice@example.com>' }).click()
    await panel.getByRole('status').filter({ hasText: 'Removed Alice Liddell' }).waitFor()
    expect(await members.getByText('Alice Liddell').count()).toBe(0)
    await context.close()
  })

  it('works on a phone-sized screen', async () => {
    const { context, page } = await fx.signIn(fx.alice.email, { width: 390, height: 844 })
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Chat', exact: true }).click()
    // A phone shows the list of conversations first, then the one picked.
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Engineering/ }).click()
    await page.getByRole('heading', { name: 'Engineering' }).waitFor()
    await page.screenshot({ path: path.join(shots, 'chat-phone.png') })
    await context.close()
  })
})

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
