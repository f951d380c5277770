import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sweepAbandonedStreams } from '../src/actions/streams.js'
import { Sweeper } from '../src/actions/sweeps.js'
import { nowMicros } from '../src/time.js'
import { TestEnv, type Browser, type ClientFixture } from './helpers.js'
import { cookieOf, openRealtime, realtimeOrigin, type RealtimeSocket } from './realtime.js'

/** Streamed messages on /v1: chat.startStream, chat.appendStream, chat.stopStream and the abandoned-stream sweep. */

let env: TestEnv
let client: ClientFixture
const sockets: RealtimeSocket[] = []
beforeEach(async () => {
  env = await TestEnv.create()
  client = await env.apiClient()
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.close()
  await env.close()
})

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const start = (body: unknown, token = client.apiKey) => env.post('/v1/chat.startStream', { token, body })
const append = (body: unknown, token = client.apiKey) => env.post('/v1/chat.appendStream', { token, body })
const stop = (body: unknown, token = client.apiKey) => env.post('/v1/chat.stopStream', { token, body })

async function historyOf(chatId: string, token = client.apiKey) {
  const res = await env.get('/v1/chat.history', { token, query: { chatId } })
  expect(res.statusCode).toBe(200)
  return res.json().messages as Array<Record<string, unknown>>
}

async function row(chatId: string, ts: number) {
  return env.db.selectFrom('messages').select(['text', 'edited_at', 'deleted_at']).where('chat_id', '=', chatId).where('ts', '=', ts).executeTakeFirstOrThrow()
}

async function events(type: string) {
  const rows = await env.db.selectFrom('outbox').select(['type', 'payload']).where('type', '=', type).orderBy('seq').execute()
  return rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>)
}

async function streamRow(id: string) {
  return env.db.selectFrom('message_streams').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

async function openStream(chatId: string, kind: 'text' | 'thinking' = 'text') {
  const res = await start({ chatId, kind })
  expect(res.statusCode).toBe(200)
  return res.json() as { streamId: string; chatId: string; timestamp: number }
}

describe('start, append, stop', () => {
  it('posts an empty message at once, grows it with each append (an edit each time) and finishes it', async () => {
    const group = await env.group({ members: [client.bot] })
    const started = await start({ chatId: group.chatId, kind: 'text' })
    expect(started.statusCode).toBe(200)
    const { streamId, timestamp } = started.json()
    expect(started.json()).toEqual({ streamId: expect.stringMatching(uuidRe), chatId: group.chatId, timestamp: expect.any(Number) })
    expect(await row(group.chatId, timestamp)).toMatchObject({ text: '', edited_at: null, deleted_at: null })
    expect(await historyOf(group.chatId)).toEqual([
      expect.objectContaining({ userId: client.bot.slice(2), chatId: group.chatId, timestamp, text: '', streaming: true }),
    ])
    const created = await events('chat.message.channel')
    expect(created).toEqual([expect.objectContaining({ timestamp, text: '', streaming: true })])

    const parts = ['Hello', ', wor', 'ld ', 'héllo ✓']
    let expected = ''
    for (const [i, part] of parts.entries()) {
      const res = await append({ streamId, text: part })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ streamId, chatId: group.chatId, timestamp })
      expected += part
      expect((await row(group.chatId, timestamp)).text).toBe(expected)
      const [m] = await historyOf(group.chatId)
      expect(m).toMatchObject({ timestamp, text: expected, streaming: true })
      // Every append is one edit of the same message.
      const updates = await events('chat.message.updated')
      expect(updates).toHaveLength(i + 1)
      expect(updates[i]).toMatchObject({ timestamp, text: expected, streaming: true })
    }
    expect((await row(group.chatId, timestamp)).edited_at).not.toBeNull()

    const stopped = await stop({ streamId })
    expect(stopped.statusCode).toBe(200)
    expect(stopped.json()).toEqual({ streamId, chatId: group.chatId, timestamp })
    expect(await historyOf(group.chatId)).toEqual([expect.objectContaining({ timestamp, text: expected, streaming: false })])
    expect((await events('chat.message.updated')).at(-1)).toMatchObject({ timestamp, text: expected, streaming: false })
    expect((await streamRow(streamId)).finished_at).not.toBeNull()

    // Stopping again answers the same and records nothing more; appending is refused.
    const again = await stop({ streamId })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ streamId, chatId: group.chatId, timestamp })
    expect(await events('chat.message.updated')).toHaveLength(parts.length + 1)
    const late = await append({ streamId, text: 'more' })
    expect(late.statusCode).toBe(409)
    expect(late.json()).toEqual({ ok: false, error: 'conflict', message: expect.stringContaining('streamId: the stream has been stopped') })
    expect((await row(group.chatId, timestamp)).text).toBe(expected)

    // A finished stream's message is an ordinary message: its sender edits it with chat.update.
    const edited = await env.post('/v1/chat.update', { token: client.apiKey, body: { chatId: group.chatId, timestamp, text: 'rewritten' } })
    expect(edited.statusCode).toBe(200)
    expect((await row(group.chatId, timestamp)).text).toBe('rewritten')
  })

  it('snapshot replaces the text; stopStream text is added last; threadTimestamp puts the message in the thread', async () => {
    const group = await env.group({ members: [client.bot] })
    const root = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'question', sync: true } })
    const rootTs = root.json().timestamp as number
    const started = await start({ chatId: group.chatAddress, kind: 'text', threadTimestamp: rootTs })
    expect(started.statusCode).toBe(200)
    const { streamId, timestamp } = started.json()
    expect(started.json().threadTimestamp).toBe(rootTs)
    expect((await append({ streamId, text: 'draft one' })).statusCode).toBe(200)
    expect((await append({ streamId, text: 'Final answer', snapshot: true })).statusCode).toBe(200)
    expect((await row(group.chatId, timestamp)).text).toBe('Final answer')
    const stopped = await stop({ streamId, text: '.' })
    expect(stopped.statusCode).toBe(200)
    expect(stopped.json()).toEqual({ streamId, chatId: group.chatId, timestamp, threadTimestamp: rootTs })
    expect((await row(group.chatId, timestamp)).text).toBe('Final answer.')
    const thread = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, threadTimestamp: rootTs } })
    expect(thread.json().messages).toEqual([expect.objectContaining({ timestamp, threadTimestamp: rootTs, text: 'Final answer.', streaming: false })])
  })

  it('a thinking stream stays marked as reasoning after it finished; ordinary messages carry neither field', async () => {
    const group = await env.group({ members: [client.bot] })
    const plain = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'plain', sync: true } })
    const { streamId, timestamp } = await openStream(group.chatId, 'thinking')
    await append({ streamId, text: 'Considering the options' })
    expect((await streamRow(streamId)).kind).toBe('thinking')
    let [m, p] = await historyOf(group.chatId)
    expect(m).toMatchObject({ timestamp, streaming: true, thinking: true })
    await stop({ streamId })
    ;[m, p] = await historyOf(group.chatId)
    expect(m).toMatchObject({ timestamp, text: 'Considering the options', streaming: false, thinking: true })
    expect(p!.timestamp).toBe(plain.json().timestamp)
    expect(p).not.toHaveProperty('streaming')
    expect(p).not.toHaveProperty('thinking')
    // v0's history says the same.
    const v0 = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.chatAddress } })
    expect(v0.json().messages[0]).toMatchObject({ timestamp, streaming: false, thinking: true })
  })

  it('stopping a stream that never got text withdraws the empty message', async () => {
    const group = await env.group({ members: [client.bot] })
    const { streamId, timestamp } = await openStream(group.chatId)
    const stopped = await stop({ streamId })
    expect(stopped.statusCode).toBe(200)
    expect(stopped.json()).toEqual({ streamId, chatId: group.chatId, timestamp })
    expect((await row(group.chatId, timestamp)).deleted_at).not.toBeNull()
    expect(await historyOf(group.chatId)).toEqual([])
    expect(await events('chat.message.deleted')).toEqual([expect.objectContaining({ timestamp })])
  })

  it('appends sent at the same time are all kept, each once', async () => {
    const group = await env.group({ members: [client.bot] })
    const { streamId, timestamp } = await openStream(group.chatId)
    const parts = Array.from({ length: 12 }, (_, i) => `<${i}>`)
    const answers = await Promise.all(parts.map((text) => append({ streamId, text })))
    expect(answers.map((r) => r.statusCode)).toEqual(parts.map(() => 200))
    const text = (await row(group.chatId, timestamp)).text!
    expect([...text.matchAll(/<\d+>/g)].map((m) => m[0]).sort()).toEqual([...parts].sort())
    expect(text).toHaveLength(parts.join('').length)
    // Each edit event shows the text one append longer than the one before.
    const lengths = (await events('chat.message.updated')).map((p) => (p.text as string).length)
    const grew = lengths.map((n, i) => n - (i === 0 ? 0 : lengths[i - 1]!))
    expect(grew.sort()).toEqual(parts.map((p) => p.length).sort())
  })

  it('a personal token streams as its person, in a DM started with chat.post', async () => {
    const ann = await env.user({ name: 'Ann' })
    const bob = await env.user({ name: 'Bob' })
    const pat = await env.personalToken(ann)
    const dm = await env.post('/v1/chat.post', { token: pat, body: { userIds: [bob.id], text: 'hi' } })
    const started = await start({ chatId: dm.json().chatId, kind: 'text' }, pat)
    expect(started.statusCode).toBe(200)
    expect((await append({ streamId: started.json().streamId, text: 'typed by an agent' }, pat)).statusCode).toBe(200)
    const [m] = await historyOf(dm.json().chatId, pat)
    expect(m).toMatchObject({ userId: ann.id, text: 'typed by an agent', streaming: true })
  })
})

describe('refusals', () => {
  it('403 when the caller may not post in the chat; 400 for a thread key that is no message; nothing is posted', async () => {
    const ann = await env.user()
    const bob = await env.user()
    const theirs = await env.dm(`U-${ann.id}`, `U-${bob.id}`)
    const denied = await start({ chatId: theirs.id, kind: 'text' })
    expect(denied.statusCode).toBe(403)
    expect(denied.json()).toEqual({ ok: false, error: 'forbidden', message: expect.stringContaining(client.bot) })
    const priv = await env.group({ private: true, members: [`U-${ann.id}`] })
    expect((await start({ chatId: priv.chatId, kind: 'text' })).statusCode).toBe(403)

    const group = await env.group({ members: [client.bot] })
    const badThread = await start({ chatId: group.chatId, kind: 'text', threadTimestamp: 1_700_000_000_000_000 })
    expect(badThread.statusCode).toBe(400)
    expect(badThread.json()).toEqual({ ok: false, error: 'invalid_arguments', message: expect.stringMatching(/^threadTimestamp: /) })
    const badKind = await start({ chatId: group.chatId, kind: 'answer' })
    expect(badKind.statusCode).toBe(400)
    expect(badKind.json().message).toContain('kind')
    const badChat = await start({ chatId: 'not-a-chat', kind: 'text' })
    expect(badChat.statusCode).toBe(400)
    expect(badChat.json().message).toMatch(/^chatId: /)
    expect(await env.db.selectFrom('messages').select('ts').execute()).toEqual([])
    expect(await env.db.selectFrom('message_streams').select('id').execute()).toEqual([])
  })

  it('scopes as chat.post: without chat:send_message or chat:write the token is refused', async () => {
    const group = await env.group({ members: [client.bot] })
    const reader = await env.apiClient({ scopes: ['chat:history', 'chat:read'] })
    const res = await start({ chatId: group.chatId, kind: 'text' }, reader.apiKey)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ ok: false })
  })

  it('empty text is 400, a bad stream id 400, an unknown one 404', async () => {
    const group = await env.group({ members: [client.bot] })
    const { streamId } = await openStream(group.chatId)
    const empty = await append({ streamId, text: '' })
    expect(empty.statusCode).toBe(400)
    expect(empty.json()).toEqual({ ok: false, error: 'invalid_arguments', message: 'text: must not be empty' })
    const missing = await append({ streamId })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toContain('text')
    const bad = await append({ streamId: 'stream-1', text: 'x' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/^streamId: /)
    const unknown = await append({ streamId: '00000000-0000-4000-8000-000000000000', text: 'x' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ ok: false, error: 'not_found', message: 'streamId: no such stream' })
    expect((await stop({ streamId: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404)
  })

  it('413 when an append would pass 8,000 bytes; the stream keeps its text and goes on', async () => {
    const group = await env.group({ members: [client.bot] })
    const { streamId, timestamp } = await openStream(group.chatId)
    expect((await append({ streamId, text: 'a'.repeat(7990) })).statusCode).toBe(200)
    const over = await append({ streamId, text: 'é'.repeat(6) })
    expect(over.statusCode).toBe(413)
    expect(over.json()).toEqual({ ok: false, error: 'payload_too_large', message: expect.stringMatching(/^text: .*8002 bytes.*8000/) })
    expect((await row(group.chatId, timestamp)).text).toBe('a'.repeat(7990))
    expect(await events('chat.message.updated')).toHaveLength(1)
    expect((await append({ streamId, text: 'é'.repeat(5) })).statusCode).toBe(200)
    expect(Buffer.byteLength((await row(group.chatId, timestamp)).text!, 'utf8')).toBe(8000)
    expect((await streamRow(streamId)).finished_at).toBeNull()
    // A final text over the limit leaves the stream open as well.
    expect((await stop({ streamId, text: 'x' })).statusCode).toBe(413)
    expect((await streamRow(streamId)).finished_at).toBeNull()
  })

  it('only the credential identity that started a stream may append or stop it (others get 404)', async () => {
    const group = await env.group({ members: [client.bot] })
    const other = await env.apiClient()
    await env.db.insertInto('group_members').values({ group_id: group.id, address: other.bot, role: 'member', added_at: nowMicros() }).execute()
    const { streamId, timestamp } = await openStream(group.chatId)
    const ann = await env.user()
    const pat = await env.personalToken(ann)
    for (const token of [other.apiKey, pat]) {
      const res = await append({ streamId, text: 'not mine' }, token)
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ ok: false, error: 'not_found', message: 'streamId: no such stream' })
      expect((await stop({ streamId }, token)).statusCode).toBe(404)
    }
    expect((await row(group.chatId, timestamp)).text).toBe('')
    expect((await streamRow(streamId)).finished_at).toBeNull()
    // A second key of the same app acts as the same bot: it is the stream's owner.
    expect((await append({ streamId, text: 'mine' })).statusCode).toBe(200)
  })

  it('an owner removed from the group can no longer append (403)', async () => {
    const group = await env.group({ members: [client.bot], private: true })
    const { streamId } = await openStream(group.chatId)
    await env.db.deleteFrom('group_members').where('group_id', '=', group.id).where('address', '=', client.bot).execute()
    expect((await append({ streamId, text: 'x' })).statusCode).toBe(403)
  })
})

describe('abandoned streams', () => {
  it('the sweep finishes a stream idle past ATRIUM_STREAM_TIMEOUT_MS, once, and leaves active ones open', async () => {
    const group = await env.group({ members: [client.bot] })
    const idle = await openStream(group.chatId)
    await append({ streamId: idle.streamId, text: 'half an answer' })
    const empty = await openStream(group.chatId)
    const timeout = env.ctx.config.limits.streamTimeoutMs * 1000
    const now = nowMicros()
    // Not yet timed out: nothing happens.
    expect(await sweepAbandonedStreams(env.ctx, now)).toBe(0)
    expect((await streamRow(idle.streamId)).finished_at).toBeNull()

    // Past the timeout, a third stream that was appended to meanwhile stays open.
    const active = await openStream(group.chatId)
    await env.db.updateTable('message_streams').set({ last_active_at: now + timeout }).where('id', '=', active.streamId).execute()
    const later = now + timeout + 1_000_000
    expect(await sweepAbandonedStreams(env.ctx, later)).toBe(2)
    expect((await streamRow(idle.streamId)).finished_at).toBe(later)
    expect((await streamRow(empty.streamId)).finished_at).toBe(later)
    expect((await streamRow(active.streamId)).finished_at).toBeNull()
    const history = await historyOf(group.chatId)
    expect(history.map((m) => [m.timestamp, m.text, m.streaming])).toEqual([
      [active.timestamp, '', true],
      [idle.timestamp, 'half an answer', false],
    ])
    // The empty one was withdrawn; the finished one announced as final.
    expect((await row(group.chatId, empty.timestamp)).deleted_at).toBe(later)
    expect((await events('chat.message.updated')).at(-1)).toMatchObject({ timestamp: idle.timestamp, streaming: false })
    // A second sweep (another process) finds nothing left to do.
    expect(await sweepAbandonedStreams(env.ctx, later + 1)).toBe(0)
    const late = await append({ streamId: idle.streamId, text: ' more' })
    expect(late.statusCode).toBe(409)
    expect((await stop({ streamId: idle.streamId })).statusCode).toBe(200)
  })

  it('two sweeps at once finish each stream once', async () => {
    const group = await env.group({ members: [client.bot] })
    for (let i = 0; i < 5; i++) {
      const s = await openStream(group.chatId)
      await append({ streamId: s.streamId, text: `answer ${i}` })
    }
    const later = nowMicros() + env.ctx.config.limits.streamTimeoutMs * 1000 + 1
    const [x, y] = await Promise.all([sweepAbandonedStreams(env.ctx, later), sweepAbandonedStreams(env.ctx, later)])
    expect(x + y).toBe(5)
    expect((await events('chat.message.updated')).filter((p) => p.streaming === false)).toHaveLength(5)
  })

  it("the server's sweeper finishes abandoned streams on its own timer", async () => {
    const limits = env.ctx.config.limits
    await env.close()
    env = await TestEnv.create({ limits: { ...limits, streamTimeoutMs: 1000 } })
    client = await env.apiClient()
    const group = await env.group({ members: [client.bot] })
    const { streamId } = await openStream(group.chatId)
    await append({ streamId, text: 'left hanging' })
    const sweeper = new Sweeper(env.ctx)
    sweeper.start()
    try {
      const deadline = Date.now() + 10_000
      while ((await streamRow(streamId)).finished_at === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect((await streamRow(streamId)).finished_at).not.toBeNull()
    } finally {
      await sweeper.stop()
    }
  })
})

describe('browsers', () => {
  async function listen(browser: Browser) {
    const s = openRealtime(await realtimeOrigin(env), cookieOf(browser))
    sockets.push(s)
    const frames: Array<{ type: string; payload: Record<string, unknown> }> = []
    s.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as (typeof frames)[number] | string
      if (typeof f === 'object') frames.push(f)
    })
    expect(await s.ready).toBe(true)
    return frames
  }

  async function waitUntil(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  }

  it('a member sees the message appear, grow with each append and finish, over the realtime socket', async () => {
    const user = await env.userWithPassword()
    const group = await env.group({ members: [client.bot, `U-${user.id}`] })
    const browser = await env.signedIn(user)
    const frames = await listen(browser)
    const { streamId, timestamp } = await openStream(group.chatId)
    const mine = () => frames.filter((f) => f.payload.timestamp === timestamp)
    await waitUntil(() => mine().length >= 1)
    expect(mine()[0]).toMatchObject({ type: 'chat.message.channel', payload: { text: '', streaming: true } })
    let text = ''
    for (const [i, part] of ['One', ' two', ' three'].entries()) {
      await append({ streamId, text: part })
      text += part
      await waitUntil(() => mine().length >= i + 2)
      expect(mine()[i + 1]).toMatchObject({ type: 'chat.message.updated', payload: { text, streaming: true } })
    }
    await stop({ streamId })
    await waitUntil(() => mine().length >= 5)
    expect(mine().map((f) => [f.type, f.payload.text, f.payload.streaming])).toEqual([
      ['chat.message.channel', '', true],
      ['chat.message.updated', 'One', true],
      ['chat.message.updated', 'One two', true],
      ['chat.message.updated', 'One two three', true],
      ['chat.message.updated', 'One two three', false],
    ])
  })
})
