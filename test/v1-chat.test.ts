import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { API_VERSIONS, BASELINE_VERSION } from '../src/api-versions.js'
import type { User } from '../src/domain.js'
import { png, TestEnv, type ClientFixture } from './helpers.js'

/** Roam's `/v1` chat methods: v0's rules with bare-UUID ids, Roam-Version, and `{ok:false}` errors. */

let env: TestEnv
let client: ClientFixture
let ann: User
let bob: User
beforeEach(async () => {
  env = await TestEnv.create()
  client = await env.apiClient()
  ann = await env.user({ name: 'Ann' })
  bob = await env.user({ name: 'Bob' })
})
afterEach(async () => {
  await env.close()
})

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const botId = () => client.bot.slice(2)

async function messagesOf(chatId: string) {
  return env.db.selectFrom('messages').select(['sender', 'text', 'thread_ts']).where('chat_id', '=', chatId).where('deleted_at', 'is', null).orderBy('ts').execute()
}

describe('POST /v1/chat.post', () => {
  it('posts to a chatId, given bare or tagged, and answers with bare ids', async () => {
    const group = await env.group({ members: [client.bot] })
    const bare = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'bare', sync: true } })
    expect(bare.statusCode).toBe(200)
    expect(bare.json()).toEqual({ chatId: group.chatId, timestamp: expect.any(Number) })
    const tagged = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatAddress, text: 'tagged' } })
    expect(tagged.json()).toEqual({ chatId: group.chatId })
    const viaGroup = await env.post('/v1/chat.post', { token: client.apiKey, body: { groupId: group.id, text: 'group' } })
    expect(viaGroup.json()).toEqual({ chatId: group.chatId })
    expect((await messagesOf(group.chatId)).map((m) => [m.sender, m.text])).toEqual([
      [client.bot, 'bare'],
      [client.bot, 'tagged'],
      [client.bot, 'group'],
    ])
  })

  it('userIds: one person is their DM, several a multi-DM, created on first use and reused after', async () => {
    const dm = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: [ann.id], text: 'hi Ann' } })
    expect(dm.statusCode).toBe(200)
    const again = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: [`U-${ann.id}`], text: 'again' } })
    expect(again.json().chatId).toBe(dm.json().chatId)
    const multi = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: [ann.id, bob.id], text: 'hi both' } })
    expect(multi.statusCode).toBe(200)
    expect(multi.json().chatId).not.toBe(dm.json().chatId)
    const chats = await env.db.selectFrom('chats').select(['id', 'kind']).where('org_id', '=', env.org.id).orderBy('kind').execute()
    expect(chats).toEqual([
      { id: dm.json().chatId, kind: 'dm' },
      { id: multi.json().chatId, kind: 'multi' },
    ])
    expect((await messagesOf(dm.json().chatId)).map((m) => m.text)).toEqual(['hi Ann', 'again'])
  })

  it('takes exactly one target', async () => {
    const group = await env.group({ members: [client.bot] })
    const none = await env.post('/v1/chat.post', { token: client.apiKey, body: { text: 'x' } })
    expect(none.statusCode).toBe(400)
    expect(none.json()).toEqual({ ok: false, error: 'invalid_arguments', message: 'chatId: is required (or groupId, or userIds)' })
    const two = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, groupId: group.id, text: 'x' } })
    expect(two.statusCode).toBe(400)
    expect(two.json().message).toBe('chatId, groupId: give exactly one target')
    const empty = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: [], text: 'x' } })
    expect(empty.json().message).toBe('userIds: must list at least 1 user id')
    // Problems with one of several people name v1's field, not v0's.
    const unknown = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: [ann.id, '00000000-0000-4000-8000-000000000000'], text: 'x' } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().message).toMatch(/^userIds\/1: no active user/)
    const junk = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: 'general', text: 'x' } })
    expect(junk.statusCode).toBe(400)
    expect(junk.json().message).toMatch(/^chatId: must be a chat id/)
    expect(await messagesOf(group.chatId)).toEqual([])
  })

  it('403 in a chat the bot is not in, and for an unknown chat alike; nothing is stored', async () => {
    const group = await env.group({ private: true })
    // The same answer, word for word: whether a chat exists is not disclosed.
    const answers = []
    for (const chatId of [group.chatId, '00000000-0000-4000-8000-000000000000']) {
      const res = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId, text: 'x' } })
      expect(res.statusCode, chatId).toBe(403)
      answers.push(res.json())
    }
    expect(answers).toEqual([
      { ok: false, error: 'forbidden', message: `${client.bot} is not a member of this chat.` },
      { ok: false, error: 'forbidden', message: `${client.bot} is not a member of this chat.` },
    ])
    expect(await messagesOf(group.chatId)).toEqual([])
  })

  it('replies in a thread; a threadTimestamp that is no message is 400 saying so', async () => {
    const group = await env.group({ members: [client.bot] })
    const root = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'root', sync: true } })
    const ts = root.json().timestamp as number
    const reply = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'reply', threadTimestamp: ts, sync: true } })
    expect(reply.json()).toEqual({ chatId: group.chatId, timestamp: expect.any(Number), threadTimestamp: ts })
    const rounded = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'x', threadTimestamp: ts + 1 } })
    expect(rounded.statusCode).toBe(400)
    expect(rounded.json()).toEqual({ ok: false, error: 'invalid_arguments', message: 'threadTimestamp: no message with this timestamp in the chat' })
    expect((await messagesOf(group.chatId)).map((m) => [m.text, m.thread_ts === null ? null : Number(m.thread_ts)])).toEqual([
      ['root', null],
      ['reply', ts],
    ])
  })

  it('text is capped at 8,000 bytes of UTF-8: 413 with payload_too_large', async () => {
    const group = await env.group({ members: [client.bot] })
    expect((await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: '€'.repeat(2666) + 'xx' } })).statusCode).toBe(200)
    const over = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: '€'.repeat(2667) } })
    expect(over.statusCode).toBe(413)
    expect(over.json()).toEqual({ ok: false, error: 'payload_too_large', message: 'text: must be at most 8000 bytes as UTF-8 (got 8001)' })
    expect(await messagesOf(group.chatId)).toHaveLength(1)
  })

  it('a personal access token posts as its bot persona, into chats its person is in', async () => {
    const token = await env.personalToken(ann)
    const persona = (await env.get('/v1/token.info', { token })).json().bot.id
    const group = await env.group({ members: [`U-${ann.id}`] })
    const res = await env.post('/v1/chat.post', { token, body: { chatId: group.chatId, text: 'from Ann’s agent' } })
    expect(res.statusCode).toBe(200)
    expect((await messagesOf(group.chatId)).map((m) => m.sender)).toEqual([`B-${persona}`])
  })
})

describe('GET /v1/chat.history', () => {
  it('pages newest first with bare userId and chatId; threadTimestamp gives only that thread', async () => {
    const group = await env.group({ members: [client.bot] })
    const post = async (text: string, threadTimestamp?: number) =>
      (await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text, sync: true, ...(threadTimestamp ? { threadTimestamp } : {}) } })).json().timestamp as number
    const first = await post('one')
    await post('two')
    await post('in thread', first)
    await post('three')

    const page1 = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, limit: 2 } })
    expect(page1.statusCode).toBe(200)
    expect(page1.json()).toEqual({
      chatId: group.chatId,
      messages: [
        expect.objectContaining({ type: 'message', contentType: 'text', userId: botId(), chatId: group.chatId, text: 'three' }),
        expect.objectContaining({ text: 'two', userId: botId() }),
      ],
      nextCursor: expect.any(String),
    })
    expect(page1.json().messages[0]).not.toHaveProperty('sender')
    const page2 = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, limit: 2, cursor: page1.json().nextCursor } })
    expect(page2.json().messages.map((m: { text: string }) => m.text)).toEqual(['one'])
    expect(page2.json().nextCursor).toBeUndefined()

    const thread = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, threadTimestamp: first } })
    expect(thread.json().messages).toEqual([expect.objectContaining({ text: 'in thread', threadTimestamp: first, userId: botId() })])
    expect(thread.json().messages[0].userId).toMatch(uuidRe)
  })

  it('limit is at most 200; reading a chat the caller is not in is 403', async () => {
    const group = await env.group({ members: [client.bot] })
    const over = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, limit: 201 } })
    expect(over.statusCode).toBe(400)
    expect(over.json()).toEqual({ ok: false, error: 'invalid_arguments', message: expect.stringContaining('limit') })
    expect((await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId, limit: 200 } })).statusCode).toBe(200)
    const secret = await env.group({ private: true })
    const denied = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: secret.chatId } })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().ok).toBe(false)
  })
})

describe('chat.update, chat.delete, chat.typing on /v1', () => {
  it('edit and delete the sender’s own message by chatId and timestamp', async () => {
    const group = await env.group({ members: [client.bot] })
    const ts = (await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'draft', sync: true } })).json().timestamp
    const edited = await env.post('/v1/chat.update', { token: client.apiKey, body: { chatId: group.chatId, timestamp: ts, text: 'final' } })
    expect(edited.statusCode).toBe(200)
    expect(edited.json()).toEqual({ chatId: group.chatId, timestamp: ts })
    expect((await messagesOf(group.chatId)).map((m) => m.text)).toEqual(['final'])

    const other = await env.apiClient()
    await env.db.insertInto('group_members').values({ group_id: group.id, address: other.bot, role: 'member', added_at: 0 }).execute()
    const notMine = await env.post('/v1/chat.update', { token: other.apiKey, body: { chatId: group.chatId, timestamp: ts, text: 'hijack' } })
    // As on v0: only the sender may edit a message.
    expect(notMine.statusCode).toBe(400)
    expect(notMine.json()).toEqual({ ok: false, error: 'invalid_arguments', message: `timestamp: the message was sent by ${client.bot}, not by ${other.bot}` })
    expect((await messagesOf(group.chatId)).map((m) => m.text)).toEqual(['final'])

    const deleted = await env.post('/v1/chat.delete', { token: client.apiKey, body: { chatId: group.chatId, timestamp: ts } })
    expect(deleted.json()).toEqual({ chatId: group.chatId, timestamp: ts })
    expect(await messagesOf(group.chatId)).toEqual([])
  })

  it('typing is accepted in the caller’s chats and refused elsewhere', async () => {
    const group = await env.group({ members: [client.bot] })
    const ok = await env.post('/v1/chat.typing', { token: client.apiKey, body: { chatId: group.chatId } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({})
    const secret = await env.group({ private: true })
    expect((await env.post('/v1/chat.typing', { token: client.apiKey, body: { chatId: secret.chatId } })).statusCode).toBe(403)
  })
})

describe('POST /v1/item.upload', () => {
  it('takes raw bytes and answers the item, which chat.post can attach', async () => {
    const group = await env.group({ members: [client.bot] })
    const res = await env.inject({
      method: 'POST',
      url: '/v1/item.upload',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'image/png', 'content-disposition': 'attachment; filename="dot.png"' },
      payload: png(2, 2),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: expect.stringMatching(uuidRe), type: 'photo', name: 'dot.png', mime: 'image/png' })
    const post = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, items: [res.json().id] } })
    expect(post.statusCode).toBe(200)
  })
})

describe('/v1 errors and Roam-Version', () => {
  it('answers {ok:false, error, message} with Roam’s codes and v0’s statuses', async () => {
    const none = await env.get('/v1/chat.history', { query: { chatId: '00000000-0000-4000-8000-000000000000' } })
    expect(none.statusCode).toBe(401)
    expect(none.json()).toEqual({ ok: false, error: 'not_authed', message: expect.any(String) })
    const bad = await env.get('/v1/chat.history', { token: 'rmk-not-a-token', query: { chatId: 'x' } })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().error).toBe('invalid_token')
    const narrow = await env.apiClient({ scopes: ['chat:read'] })
    const scope = await env.get('/v1/chat.history', { token: narrow.apiKey, query: { chatId: 'x' } })
    expect(scope.statusCode).toBe(403)
    expect(scope.json().error).toBe('missing_scope')
    const unknown = await env.get('/v1/no.such.method', { token: client.apiKey })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ ok: false, error: 'not_found', message: 'No such method: GET /v1/no.such.method' })
    const wrongMethod = await env.get('/v1/chat.post', { token: client.apiKey })
    expect(wrongMethod.statusCode).toBe(405)
    expect(wrongMethod.json().error).toBe('method_not_allowed')
  })

  it('a revoked token is token_revoked, which clients treat as permanent', async () => {
    const token = await env.personalToken(ann)
    expect((await env.get('/v1/chat.history', { token, query: { chatId: 'x' } })).statusCode).toBe(400)
    await env.db.updateTable('credentials').set({ status: 'revoked' }).where('user_id', '=', ann.id).execute()
    const res = await env.get('/v1/chat.history', { token, query: { chatId: 'x' } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ ok: false, error: 'token_revoked', message: 'This token has been revoked.' })
  })

  it('serves the version asked for and echoes it; the baseline without one; unknown and future dates are 400', async () => {
    const group = await env.group({ members: [client.bot] })
    const plain = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId } })
    expect(plain.headers['roam-version']).toBe(BASELINE_VERSION)
    for (const { version } of API_VERSIONS) {
      const res = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId }, headers: { 'roam-version': version } })
      expect(res.statusCode, version).toBe(200)
      expect(res.headers['roam-version']).toBe(version)
    }
    const cases: Array<[string, RegExp]> = [
      ['2026-06-02', /^Roam-Version: 2026-06-02 is not a version of this API/],
      ['2999-01-01', /^Roam-Version: 2999-01-01 is in the future/],
      ['yesterday', /^Roam-Version: must be a date/],
    ]
    for (const [value, message] of cases) {
      const res = await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId }, headers: { 'roam-version': value } })
      expect(res.statusCode, value).toBe(400)
      expect(res.json()).toEqual({ ok: false, error: 'invalid_arguments', message: expect.stringMatching(message) })
    }
  })
})

describe('mentions with bare ids', () => {
  it('<@uuid> (as Roam’s v1 clients write it) mentions that person or bot; an unknown id mentions nobody', async () => {
    const group = await env.group({ members: [client.bot, `U-${ann.id}`] })
    const stranger = '00000000-0000-4000-8000-000000000000'
    const text = `<@${ann.id}> and <@${botId()}>, not <@${stranger}>, and <@U-${bob.id}>`
    const res = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text, sync: true } })
    expect(res.statusCode).toBe(200)
    const mentions = await env.db.selectFrom('message_mentions').select('address').where('chat_id', '=', group.chatId).execute()
    expect(mentions.map((m) => m.address).sort()).toEqual([`U-${ann.id}`, client.bot, `U-${bob.id}`].sort())
    // An edit re-reads them.
    await env.post('/v1/chat.update', { token: client.apiKey, body: { chatId: group.chatId, timestamp: res.json().timestamp, text: `only <@${bob.id}>` } })
    const after = await env.db.selectFrom('message_mentions').select('address').where('chat_id', '=', group.chatId).execute()
    expect(after.map((m) => m.address)).toEqual([`U-${bob.id}`])
  })
})
