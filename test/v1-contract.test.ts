import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import type { User } from '../src/domain.js'
import { Dispatcher } from '../src/events/dispatcher.js'
import { TestEnv, type ClientFixture } from './helpers.js'
import { Receiver, type ReceivedRequest } from './receiver.js'

/**
 * The conversation a well-behaved Roam agent (Roam's own OpenClaw plugin, for one) has with the
 * server, replayed against a listening Atrium: it subscribes to `chat.message` on /v1 (answering
 * the signed challenge), and for each delivery it verifies the Standard Webhooks signature, reads
 * the envelope, and answers the way the plugin does — typing, history of the chat and of the
 * thread, a reply in the thread; a reply in a DM; an answer streamed with start/append/stop.
 * Every delivery and every answer is held to the shapes Roam's clients read (the spec's §A8, §B3).
 */

const VERSION = '2026-07-23'
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const fast: Partial<Config> = { allowPrivateUrls: true, webhooks: { retrySchedule: [0], disableAfter: 0, timeoutMs: 2000, pollMs: 50 } as Config['webhooks'] }

interface Envelope {
  type: string
  eventId: string
  timestamp: string
  apiVersion: string
  data: Record<string, unknown> & { userId: string; chatId: string; chatType: string; timestamp: number; version: number; contentType: string; text?: string; threadTimestamp?: number }
}

let env: TestEnv
let base: string
let receiver: Receiver
let bot: ClientFixture
let alice: User
let aliceToken: string

beforeEach(async () => {
  env = await TestEnv.create(fast)
  await env.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
  // The endpoint echoes the subscribe-time challenge, as Roam's plugin does, and takes the rest.
  receiver = await Receiver.start((_n, req: ReceivedRequest) => {
    const body = JSON.parse(req.body) as { type?: string; data?: { challenge?: string } }
    return body.type === 'webhook.verification' ? { status: 200, body: JSON.stringify({ challenge: body.data?.challenge }) } : { status: 200 }
  })
  bot = await env.apiClient({ name: 'OpenClaw', scopes: ['chat:send_message', 'chat:history', 'chat:read', 'groups:read', 'item:write', 'webhook:write', 'webhook:read'] })
  alice = await env.user({ name: 'Alice' })
  aliceToken = await env.personalToken(alice)
})

afterEach(async () => {
  await receiver.close()
  await env.close()
})

/** A call the way a client makes it: over HTTP, JSON in and out, with the pinned Roam-Version. */
async function call(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; version: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'roam-version': VERSION, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, version: res.headers.get('roam-version'), json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

async function subscribe(token: string, filter?: Record<string, unknown>): Promise<{ id: string; signingSecret?: string }> {
  // Roam's plugin names the pin `version`.
  const res = await call(token, 'POST', 'webhook.subscribe', { url: receiver.url(), event: 'chat.message', version: VERSION, ...(filter ? { filter } : {}) })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  expect(res.json).toMatchObject({ id: expect.stringMatching(uuidRe), event: 'chat.message', url: receiver.url() })
  return res.json as { id: string; signingSecret?: string }
}

/** Deliveries received since `from`, verified with the standardwebhooks library; the challenge left out. */
async function deliveries(secret: string, from = 0): Promise<Array<{ envelope: Envelope; webhookId: string }>> {
  await new Dispatcher(env.ctx).drain()
  return receiver.requests
    .slice(from)
    .map((req) => ({ envelope: Receiver.verify(secret, req) as Envelope, webhookId: String(req.headers['webhook-id']) }))
    .filter((d) => d.envelope.type !== 'webhook.verification')
}

/** What Roam's clients read of a delivery: the §A8 envelope around a `chat.message`. */
function expectMessageEnvelope(d: { envelope: Envelope; webhookId: string }): Envelope['data'] {
  const e = d.envelope
  expect(e).toMatchObject({ type: 'chat.message', eventId: d.webhookId, apiVersion: VERSION })
  expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
  expect(e.data).toMatchObject({ userId: expect.stringMatching(uuidRe), chatId: expect.stringMatching(uuidRe), timestamp: expect.any(Number), version: expect.any(Number) })
  expect(['dm', 'group']).toContain(e.data.chatType)
  return e.data
}

/** The plugin's answer to a message: typing, history (chat, then thread), a reply where it was asked. */
async function answer(data: Envelope['data'], text: string): Promise<Record<string, unknown>> {
  const thread = data.threadTimestamp
  const typing = await call(bot.apiKey, 'POST', 'chat.typing', { chatId: data.chatId, ...(thread ? { threadTimestamp: thread } : {}) })
  expect(typing.status).toBe(200)
  expect(typing.version).toBe(VERSION)
  const history = await call(bot.apiKey, 'GET', `chat.history?chatId=${data.chatId}&limit=20`)
  expect(history.status).toBe(200)
  for (const m of history.json.messages as Array<Record<string, unknown>>) {
    expect(m).toMatchObject({ userId: expect.stringMatching(uuidRe), timestamp: expect.any(Number) })
  }
  if (thread) {
    const replies = await call(bot.apiKey, 'GET', `chat.history?chatId=${data.chatId}&threadTimestamp=${thread}&limit=20`)
    expect(replies.status).toBe(200)
    // Only the thread's replies, the parent left out.
    const keys = (replies.json.messages as Array<{ timestamp: number; threadTimestamp?: number }>).map((m) => [m.timestamp === thread, m.threadTimestamp])
    expect(keys.every(([isParent, t]) => !isParent && t === thread)).toBe(true)
  }
  const posted = await call(bot.apiKey, 'POST', 'chat.post', { chatId: data.chatId, text, markdown: true, sync: true, ...(thread ? { threadTimestamp: thread } : {}) })
  expect(posted.status, JSON.stringify(posted.json)).toBe(200)
  expect(posted.json).toEqual({ chatId: data.chatId, timestamp: expect.any(Number), ...(thread ? { threadTimestamp: thread } : {}) })
  return posted.json
}

const posts = (chatId: string) =>
  env.db.selectFrom('messages').select(['sender', 'text', 'thread_ts', 'reply_ts']).where('chat_id', '=', chatId).where('deleted_at', 'is', null).orderBy('ts').execute()

describe('an organization bot, as Roam’s agent plugin drives it', () => {
  it('a mention in a thread: typing, both histories, and the reply in that thread', async () => {
    const botId = bot.bot.slice(2)
    const group = await env.group({ name: 'OC mention thread', members: [bot.bot, `U-${alice.id}`] })
    await subscribe(bot.apiKey)
    const parent = await env.post('/v0/chat.post', { token: aliceToken, body: { chat: group.chatAddress, text: 'Let’s brainstorm scope for Q3', sync: true } })
    await deliveries(bot.signingSecret)
    const seen = receiver.requests.length
    const ask = await env.post('/v0/chat.post', {
      token: aliceToken,
      body: { chat: group.chatAddress, text: `<@${botId}> what do you think?`, threadTimestamp: parent.json().timestamp, sync: true },
    })
    expect(ask.statusCode).toBe(200)

    const [delivery, ...more] = await deliveries(bot.signingSecret, seen)
    expect(more).toEqual([])
    const data = expectMessageEnvelope(delivery!)
    expect(data).toMatchObject({ userId: alice.id, chatId: group.chatId, chatType: 'group', contentType: 'text', threadTimestamp: parent.json().timestamp, version: 1 })
    expect(data.text).toContain('what do you think?')

    await answer(data, 'Start from the customer interviews.')
    const stored = await posts(group.chatId)
    expect(stored.at(-1)).toEqual({ sender: bot.bot, text: 'Start from the customer interviews.', thread_ts: parent.json().timestamp, reply_ts: null })
  })

  it('a DM: the reply goes back to the DM, with a file attached', async () => {
    await subscribe(bot.apiKey, { chatType: 'dm' })
    const dm = await env.post('/v0/chat.post', { token: aliceToken, body: { chat: bot.bot, text: 'hello bot', sync: true } })
    expect(dm.statusCode).toBe(200)
    const [delivery] = await deliveries(bot.signingSecret)
    const data = expectMessageEnvelope(delivery!)
    expect(data).toMatchObject({ userId: alice.id, chatType: 'dm', text: 'hello bot', version: 1 })

    // The plugin uploads the file raw, then posts it.
    const upload = await fetch(`${base}/v1/item.upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="report.txt"' },
      body: 'the report',
    })
    expect(upload.status).toBe(200)
    const item = (await upload.json()) as { id: string }
    const posted = await call(bot.apiKey, 'POST', 'chat.post', { chatId: data.chatId, text: 'Here it is', markdown: true, sync: true, items: [item.id] })
    expect(posted.status).toBe(200)
    expect((await posts(data.chatId)).map((m) => [m.sender, m.text])).toEqual([
      [`U-${alice.id}`, 'hello bot'],
      [bot.bot, 'Here it is'],
    ])
  })

  it('its own messages come back with its own userId, which the plugin skips', async () => {
    const group = await env.group({ members: [bot.bot] })
    await subscribe(bot.apiKey)
    const posted = await call(bot.apiKey, 'POST', 'chat.post', { chatId: group.chatId, text: 'bot-initiated note', sync: true })
    expect(posted.status).toBe(200)
    const [delivery] = await deliveries(bot.signingSecret)
    expect(expectMessageEnvelope(delivery!)).toMatchObject({ userId: bot.bot.slice(2), text: 'bot-initiated note' })
  })

  it('a streamed answer: one message that grows, each step an edit with a higher version', async () => {
    const group = await env.group({ members: [bot.bot, `U-${alice.id}`] })
    await subscribe(bot.apiKey)
    await env.post('/v0/chat.post', { token: aliceToken, body: { chat: group.chatAddress, text: `<@${bot.bot.slice(2)}> summarise`, sync: true } })
    const [question] = await deliveries(bot.signingSecret)
    const asked = expectMessageEnvelope(question!)
    const seen = receiver.requests.length

    const started = await call(bot.apiKey, 'POST', 'chat.startStream', { chatId: asked.chatId, kind: 'text' })
    expect(started.status, JSON.stringify(started.json)).toBe(200)
    expect(started.json).toMatchObject({ streamId: expect.any(String), chatId: asked.chatId })
    const streamId = started.json.streamId as string
    for (const part of ['Three ', 'points: ', 'ship, measure, repeat.']) {
      const appended = await call(bot.apiKey, 'POST', 'chat.appendStream', { streamId, text: part })
      expect(appended.status).toBe(200)
    }
    expect((await call(bot.apiKey, 'POST', 'chat.stopStream', { streamId })).status).toBe(200)

    // Deliveries may arrive in any order (as Roam's); the version orders them.
    const own = (await deliveries(bot.signingSecret, seen)).map(expectMessageEnvelope).sort((a, b) => a.version - b.version)
    expect(new Set(own.map((d) => d.timestamp)).size).toBe(1)
    expect(own.map((d) => d.version)).toEqual([1, 2, 3, 4, 5])
    expect(own.map((d) => d.text)).toEqual(['', 'Three ', 'Three points: ', 'Three points: ship, measure, repeat.', 'Three points: ship, measure, repeat.'])
    expect(own.map((d) => d.streaming)).toEqual([true, true, true, true, false])
    // Stopping is the last version: subscribers learn the message is final.
    expect(own.at(-1)).toMatchObject({ userId: bot.bot.slice(2), contentType: 'text', streaming: false })
    const history = await call(bot.apiKey, 'GET', `chat.history?chatId=${asked.chatId}&limit=1`)
    expect(history.json.messages).toEqual([expect.objectContaining({ text: 'Three points: ship, measure, repeat.', streaming: false })])
  })
})

describe('a personal agent (personal access token), as Roam’s agent plugin drives it', () => {
  it('token.info names owner and persona; the owner’s DM to the persona reaches it, and the reply comes from the persona', async () => {
    const info = await call(aliceToken, 'GET', 'token.info')
    expect(info.json).toMatchObject({ user: { id: alice.id, name: 'Alice' }, bot: { id: expect.stringMatching(uuidRe) } })
    const persona = (info.json.bot as { id: string }).id
    const sub = await subscribe(aliceToken)
    expect(sub.signingSecret).toEqual(expect.any(String))

    // Alice opens a DM with her agent (from the web client, or v0 as here).
    const dm = await env.post('/v0/chat.post', { token: await env.personalToken(alice, ['chat:send_message']), body: { chat: `B-${persona}`, text: 'draft my standup', sync: true } })
    expect(dm.statusCode).toBe(200)
    const [delivery] = await deliveries(sub.signingSecret!)
    const data = expectMessageEnvelope(delivery!)
    // The plugin answers only its owner, and skips what its persona wrote.
    expect(data).toMatchObject({ userId: alice.id, chatType: 'dm', text: 'draft my standup' })

    const seen = receiver.requests.length
    const reply = await call(aliceToken, 'POST', 'chat.post', { chatId: data.chatId, text: 'Yesterday: …', markdown: true, sync: true })
    expect(reply.status).toBe(200)
    const echoes = (await deliveries(sub.signingSecret!, seen)).map(expectMessageEnvelope)
    for (const echo of echoes) expect(echo.userId).toBe(persona)
    expect((await posts(data.chatId)).map((m) => m.sender)).toEqual([`U-${alice.id}`, `B-${persona}`])
  })

  it('in a group it hears only what mentions its person or its persona', async () => {
    const bob = await env.user({ name: 'Bob' })
    const bobToken = await env.personalToken(bob)
    const persona = ((await call(aliceToken, 'GET', 'token.info')).json.bot as { id: string }).id
    const group = await env.group({ members: [`U-${alice.id}`, `U-${bob.id}`] })
    const sub = await subscribe(aliceToken)
    for (const text of ['lunch?', `<@${alice.id}> can you review?`, `<@${persona}> summarise the thread`]) {
      expect((await env.post('/v0/chat.post', { token: bobToken, body: { chat: group.chatAddress, text } })).statusCode).toBe(200)
    }
    const heard = (await deliveries(sub.signingSecret!)).map(expectMessageEnvelope).map((d) => d.text)
    expect(heard.sort()).toEqual([`<@${alice.id}> can you review?`, `<@${persona}> summarise the thread`].sort())
  })
})
