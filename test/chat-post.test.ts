import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_ITEMS, MAX_TEXT_BYTES, POLL_LIMITS } from '../src/actions/messages.js'
import { MAX_MULTI_DM_ADDRESSES } from '../src/actions/chats.js'
import { componentErrors, contractErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'

async function outbox(env: TestEnv) {
  const rows = await env.db.selectFrom('outbox').selectAll().orderBy('seq').execute()
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload), routing: JSON.parse(r.routing) }))
}

describe('chat.post', () => {
  let env: TestEnv
  let client: ClientFixture
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient()
  })
  afterEach(async () => env.close())

  const post = (body: unknown, opts: { token?: string; headers?: Record<string, string> } = {}) =>
    env.post('/v0/chat.post', { token: opts.token ?? client.apiKey, body, ...(opts.headers ? { headers: opts.headers } : {}) })

  const history = (chat: string, query: Record<string, string | number> = {}) =>
    env.get('/v0/chat.history', { token: client.apiKey, query: { chat, ...query } })

  describe('resolving chat', () => {
    it('posts to a user address in the DM with it, started on first use and reused after', async () => {
      const user = await env.user()
      const first = await post({ chat: `U-${user.id}`, text: 'hello', sync: true })
      expect(first.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/chat.post', 'post', 200, first.json())).toEqual([])
      expect(first.json().chat).toMatch(/^D-/)
      expect(first.json().timestamp).toEqual(expect.any(Number))
      const second = await post({ chat: `U-${user.id}`, text: 'again' })
      expect(second.json()).toEqual({ chat: first.json().chat })
      expect((await env.dm(client.bot, `U-${user.id}`)).address).toBe(first.json().chat)
      expect((await history(first.json().chat)).json().messages.map((m: { text: string }) => m.text)).toEqual(['again', 'hello'])
    })

    it('posts to a bot address in the DM between the two bots', async () => {
      const other = await env.apiClient()
      const res = await post({ chat: other.bot, text: 'hi bot' })
      expect(res.statusCode).toBe(200)
      expect(res.json().chat).toBe((await env.dm(client.bot, other.bot)).address)
    })

    it('posts to an array of users in the multi-DM among them and the sender (M-), a DM for one user', async () => {
      const [a, b] = [await env.user(), await env.user()]
      const multi = await post({ chat: [`U-${a.id}`, `U-${b.id}`], text: 'all of us' })
      expect(multi.statusCode).toBe(200)
      expect(multi.json().chat).toMatch(/^M-/)
      expect(multi.json().chat).toBe((await env.dm(client.bot, `U-${a.id}`, `U-${b.id}`)).address)
      const again = await post({ chat: [`U-${b.id}`, `U-${a.id}`, `U-${a.id}`], text: 'same chat' })
      expect(again.json().chat).toBe(multi.json().chat)
      const single = await post({ chat: [`U-${a.id}`], text: 'just you' })
      expect(single.json().chat).toBe((await env.dm(client.bot, `U-${a.id}`)).address)
    })

    it(`takes at most ${MAX_MULTI_DM_ADDRESSES} addresses in an array`, async () => {
      const users = []
      for (let i = 0; i < MAX_MULTI_DM_ADDRESSES + 1; i++) users.push(`U-${(await env.user()).id}`)
      expect((await post({ chat: users.slice(0, MAX_MULTI_DM_ADDRESSES), text: 'x' })).statusCode).toBe(200)
      const over = await post({ chat: users, text: 'x' })
      expect(over.statusCode).toBe(400)
      expect(over.json().error).toMatch(/^chat: must list at most 50/)
    })

    it('posts to a group (G-) or its channel chat (C-) and answers with the chat id', async () => {
      const group = await env.group({ members: [client.bot] })
      const viaGroup = await post({ chat: group.address, text: 'one' })
      expect(viaGroup.json()).toEqual({ chat: group.chatAddress })
      const viaChat = await post({ chat: group.chatAddress, text: 'two' })
      expect(viaChat.json()).toEqual({ chat: group.chatAddress })
    })

    it('rejects malformed and unknown addresses', async () => {
      const cases: Array<[unknown, number, RegExp]> = [
        ['not-an-id', 400, /^chat: /],
        [`U-${crypto.randomUUID()}`, 400, /^chat: no active user/],
        [`B-${crypto.randomUUID()}`, 400, /^chat: no bot/],
        [client.bot, 400, /^chat: cannot start a DM with yourself/],
        [[], 400, /^chat: must list at least 1/],
        [[`U-${crypto.randomUUID()}`, client.bot], 400, /^chat\/0: no active user/],
        [[client.bot, client.bot], 400, /^chat\/0: must be a user address/],
        // Unknown chats and groups get the answer of a chat the caller may not see.
        [`G-${crypto.randomUUID()}`, 403, /^B-.* is not a member of this chat\.$/],
        [`C-${crypto.randomUUID()}`, 403, /^B-.* is not a member of this chat\.$/],
        [`V-${crypto.randomUUID()}`, 400, /^chat: /],
      ]
      for (const [chat, status, message] of cases) {
        const res = await post({ chat, text: 'x' })
        expect(res.statusCode, JSON.stringify(chat)).toBe(status)
        expect(res.json().error).toMatch(message)
      }
      expect(await env.db.selectFrom('chats').select('id').execute()).toHaveLength(0)
    })
  })

  describe('access', () => {
    it('lets a bot post only where it is a member: public groups are 403 until it is added', async () => {
      const publicGroup = await env.group()
      const privateGroup = await env.group({ private: true })
      const user = await env.user()
      const dm = await env.dm(`U-${user.id}`, `U-${(await env.user()).id}`)
      for (const chat of [publicGroup.address, privateGroup.address, dm.address]) {
        const res = await post({ chat, text: 'x' })
        expect(res.statusCode, chat).toBe(403)
        expect(res.json().code).toBe('forbidden')
      }
      const joined = await env.group({ members: [client.bot] })
      expect((await post({ chat: joined.address, text: 'x' })).statusCode).toBe(200)
      const admin = await env.group({ admins: [client.bot], private: true })
      expect((await post({ chat: admin.address, text: 'x' })).statusCode).toBe(200)
    })

    it('refuses posts to archived groups', async () => {
      const group = await env.group({ members: [client.bot] })
      await env.db.updateTable('groups').set({ archived_at: 1 }).where('id', '=', group.id).execute()
      const res = await post({ chat: group.address, text: 'x' })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'group_archived', error: expect.stringContaining('archived') })
    })

    it('personal tokens post as the user, to the user’s own chats only', async () => {
      const [me, you] = [await env.user(), await env.user()]
      const token = await env.personalToken(me)
      const res = await post({ chat: `U-${you.id}`, text: 'from me', sync: true }, { token })
      expect(res.statusCode).toBe(200)
      const [message] = (await history(res.json().chat.replace(/^/, ''))).json().messages ?? []
      expect(message).toBeUndefined() // the bot is not in that DM
      const mine = await env.get('/v0/chat.history', { token, query: { chat: res.json().chat } })
      expect(mine.json().messages[0]).toMatchObject({ sender: `U-${me.id}`, text: 'from me' })
      const othersGroup = await env.group({ members: [`U-${you.id}`] })
      expect((await post({ chat: othersGroup.address, text: 'x' }, { token })).statusCode).toBe(403)
      const myGroup = await env.group({ members: [`U-${me.id}`] })
      expect((await post({ chat: myGroup.address, text: 'x' }, { token })).statusCode).toBe(200)
    })

    it('needs chat:send_message or chat:write', async () => {
      const group = await env.group()
      for (const scopes of [['chat:send_message'], ['chat:write']] as const) {
        const c = await env.apiClient({ scopes: [...scopes] })
        await env.db.insertInto('group_members').values({ group_id: group.id, address: c.bot, role: 'member', added_at: 1 }).execute()
        expect((await post({ chat: group.address, text: 'x' }, { token: c.apiKey })).statusCode).toBe(200)
      }
      const reader = await env.apiClient({ scopes: ['chat:read'] })
      const res = await post({ chat: group.address, text: 'x' }, { token: reader.apiKey })
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('missing_scope')
    })
  })

  describe('content', () => {
    let chat: string
    beforeEach(async () => {
      chat = (await env.group({ members: [client.bot] })).address
    })

    it('requires exactly one content kind', async () => {
      const none = await post({ chat })
      expect(none.statusCode).toBe(400)
      expect(none.json().error).toMatch(/^text: is required/)
      const both = await post({ chat, text: 'x', poll: { question: 'q', options: ['a', 'b'] } })
      expect(both.statusCode).toBe(400)
      expect(both.json().error).toMatch(/only one content kind/)
      expect((await post({ chat, text: '   ' })).statusCode).toBe(400)
    })

    it(`takes text up to ${MAX_TEXT_BYTES} bytes of UTF-8; longer is 413 and nothing is stored`, async () => {
      // 'é' is two bytes: 4,000 of them are exactly at the limit, one more byte is over it.
      const exact = 'é'.repeat(MAX_TEXT_BYTES / 2)
      const ok = await post({ chat, text: exact, sync: true })
      expect(ok.statusCode).toBe(200)
      const res = await post({ chat, text: `${exact}x` })
      expect(res.statusCode).toBe(413)
      expect(res.json()).toEqual({ error: 'text: must be at most 8000 bytes as UTF-8 (got 8001)', code: 'payload_too_large' })
      const stored = await env.db.selectFrom('messages').select('text').execute()
      expect(stored.map((m) => m.text)).toEqual([exact])
    })

    it('stores markdown:false and returns the text as written', async () => {
      const res = await post({ chat, text: '**not bold**', markdown: false, sync: true })
      const row = await env.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow()
      expect(row).toMatchObject({ text: '**not bold**', markdown: 0, ts: res.json().timestamp })
    })

    it('posts polls with server-assigned option ids, within the documented limits', async () => {
      const res = await post({ chat, poll: { question: 'When?', options: ['9:00 AM', '10:00 AM'], closesAt: '2030-01-02T03:04:05Z' }, sync: true })
      expect(res.statusCode).toBe(200)
      const h = (await history(chat)).json()
      expect(contractErrors('chat.json', '/chat.history', 'get', 200, h)).toEqual([])
      expect(h.messages[0]).toMatchObject({
        contentType: 'poll',
        poll: { question: 'When?', allowMultipleAnswers: false, closesAt: '2030-01-02T03:04:05Z', options: [{ text: '9:00 AM' }, { text: '10:00 AM' }] },
      })
      const ids = h.messages[0].poll.options.map((o: { id: string }) => o.id)
      expect(new Set(ids).size).toBe(2)
      const q = POLL_LIMITS.question
      const o = POLL_LIMITS.option
      const ok = [
        { question: 'x'.repeat(q), options: ['a', 'b'] },
        { question: 'q', options: ['a', 'x'.repeat(o)] },
        { question: 'q', options: Array.from({ length: POLL_LIMITS.maxOptions }, (_, i) => `o${i}`) },
      ]
      for (const poll of ok) expect((await post({ chat, poll })).statusCode).toBe(200)
      const bad: Array<[unknown, RegExp]> = [
        [{ question: '', options: ['a', 'b'] }, /^poll\/question: must not be empty/],
        [{ question: 'x'.repeat(q + 1), options: ['a', 'b'] }, /^poll\/question: must be at most 256/],
        [{ question: 'q', options: ['a'] }, /^poll\/options: must have at least 2/],
        [{ question: 'q', options: ['a', 'x'.repeat(o + 1)] }, /^poll\/options\/1: must be at most 128/],
        [{ question: 'q', options: Array.from({ length: POLL_LIMITS.maxOptions + 1 }, (_, i) => `o${i}`) }, /^poll\/options: must have at most 20/],
        [{ question: 'q', options: ['a', 'b'], closesAt: 'tomorrow' }, /^poll\/closesAt: /],
      ]
      for (const [poll, message] of bad) {
        const r = await post({ chat, poll })
        expect(r.statusCode).toBe(400)
        expect(r.json().error).toMatch(message)
      }
    })

    it('records mentions and emits a mention event routed to the mentioned addresses', async () => {
      const [a, b] = [await env.user(), await env.user()]
      await env.db.insertInto('group_members').values([{ group_id: chat.slice(2), address: `U-${a.id}`, role: 'member', added_at: 1 }]).execute()
      const res = await post({ chat, text: `hey <@U-${a.id}> and <!@U-${b.id}>`, sync: true })
      const mentions = await env.db.selectFrom('message_mentions').select('address').where('ts', '=', res.json().timestamp).orderBy('address').execute()
      expect(mentions.map((m) => m.address).sort()).toEqual([`U-${a.id}`, `U-${b.id}`].sort())
      const events = await outbox(env)
      expect(events.map((e) => e.type)).toEqual(['chat.message.channel', 'chat.message.mention'])
      expect(events[1]!.routing.mentions.sort()).toEqual([`U-${a.id}`, `U-${b.id}`].sort())
      await post({ chat, text: 'no mentions' })
      expect((await outbox(env)).map((e) => e.type)).toEqual(['chat.message.channel', 'chat.message.mention', 'chat.message.channel'])
    })

    it('expands <@all> to everyone in the chat but the sender', async () => {
      const [a, b] = [await env.user(), await env.user()]
      const res = await post({ chat: [`U-${a.id}`, `U-${b.id}`], text: 'hi <@all>' })
      const events = await outbox(env)
      expect(events.map((e) => e.type)).toEqual(['chat.message.dm', 'chat.message.mention'])
      expect(events[1]!.routing).toMatchObject({ chat: res.json().chat, mentionsAll: true })
      expect(events[1]!.routing.mentions.sort()).toEqual([`U-${a.id}`, `U-${b.id}`].sort())
    })

    it('writes chat.message.channel / chat.message.dm events whose payload is the ChatMessage', async () => {
      const user = await env.user()
      const channel = await post({ chat, text: 'in channel', sync: true })
      const dm = await post({ chat: `U-${user.id}`, text: 'in dm', sync: true })
      const [c, d] = await outbox(env)
      expect(c).toMatchObject({ type: 'chat.message.channel', routing: { chat: channel.json().chat, group: chat, sender: client.bot } })
      expect(c!.payload).toEqual({ type: 'message', contentType: 'text', sender: client.bot, chat: channel.json().chat, timestamp: channel.json().timestamp, text: 'in channel' })
      expect(d).toMatchObject({ type: 'chat.message.dm', routing: { chat: dm.json().chat } })
      expect(d!.routing.addresses.sort()).toEqual([client.bot, `U-${user.id}`].sort())
      for (const e of [c, d]) expect(componentErrors('webhooks.json', 'ChatMessage', e!.payload)).toEqual([])
    })
  })

  describe('threads', () => {
    let chat: string
    beforeEach(async () => {
      chat = (await env.group({ members: [client.bot] })).chatAddress
    })

    it('replies under threadTimestamp, which must be an existing message', async () => {
      const parent = (await post({ chat, text: 'parent', sync: true })).json().timestamp
      const reply = await post({ chat, text: 'reply', threadTimestamp: parent, sync: true })
      expect(reply.json()).toEqual({ chat, timestamp: expect.any(Number), threadTimestamp: parent })
      const nested = await post({ chat, text: 'reply to reply', threadTimestamp: reply.json().timestamp, sync: true })
      expect(nested.json().threadTimestamp).toBe(parent)
      const top = (await history(chat)).json().messages
      expect(top.map((m: { text: string }) => m.text)).toEqual(['parent'])
      const replies = (await history(chat, { threadTimestamp: parent })).json().messages
      expect(replies.map((m: { text: string; threadTimestamp: number }) => [m.text, m.threadTimestamp])).toEqual([
        ['reply to reply', parent],
        ['reply', parent],
      ])
      const missing = await post({ chat, text: 'x', threadTimestamp: parent + 12345 })
      expect(missing.statusCode).toBe(400)
      expect(missing.json().error).toMatch(/^threadTimestamp: /)
    })

    it('in DMs, replies carry replyTimestamp and stay in the main history', async () => {
      const user = await env.user()
      const first = await post({ chat: `U-${user.id}`, text: 'question', sync: true })
      const reply = await post({ chat: first.json().chat, text: 'answer', threadTimestamp: first.json().timestamp, sync: true })
      expect(reply.json().threadTimestamp).toBe(first.json().timestamp)
      const messages = (await history(first.json().chat)).json().messages
      expect(messages[0]).toMatchObject({ text: 'answer', replyTimestamp: first.json().timestamp })
      expect(messages[0].threadTimestamp).toBeUndefined()
    })

    it('threadKey: the first use starts the thread, later uses reply under it, per sender and chat', async () => {
      const first = await post({ chat, text: 'incident', threadKey: 'pd-123' })
      expect(first.json()).toEqual({ chat, timestamp: expect.any(Number) })
      const root = first.json().timestamp
      const second = await post({ chat, text: 'update', threadKey: 'pd-123' })
      expect(second.json()).toEqual({ chat, timestamp: expect.any(Number), threadTimestamp: root })
      const other = await env.apiClient()
      await env.db.insertInto('group_members').values({ group_id: (await env.db.selectFrom('groups').select('id').executeTakeFirstOrThrow()).id, address: other.bot, role: 'member', added_at: 1 }).execute()
      const otherFirst = await post({ chat, text: 'other bot', threadKey: 'pd-123' }, { token: other.apiKey })
      expect(otherFirst.json().threadTimestamp).toBeUndefined()
      const otherChat = (await env.group({ members: [client.bot] })).chatAddress
      expect((await post({ chat: otherChat, text: 'elsewhere', threadKey: 'pd-123' })).json().threadTimestamp).toBeUndefined()
    })

    it('threadKey is at most 64 characters and exclusive with threadTimestamp', async () => {
      expect((await post({ chat, text: 'x', threadKey: 'k'.repeat(64) })).statusCode).toBe(200)
      const long = await post({ chat, text: 'x', threadKey: 'k'.repeat(65) })
      expect(long.statusCode).toBe(400)
      expect(long.json().error).toMatch(/^body\/threadKey: /)
      const root = (await post({ chat, text: 'x', sync: true })).json().timestamp
      const both = await post({ chat, text: 'x', threadKey: 'k', threadTimestamp: root })
      expect(both.statusCode).toBe(400)
      expect(both.json().error).toMatch(/^threadKey: cannot be combined/)
    })

    it('concurrent first uses of a threadKey agree on one thread', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post({ chat, text: `m${i}`, threadKey: 'race' })))
      expect(results.every((r) => r.statusCode === 200)).toBe(true)
      const roots = results.filter((r) => r.json().threadTimestamp === undefined)
      expect(roots).toHaveLength(1)
      const root = roots[0]!.json().timestamp
      expect(results.filter((r) => r.json().threadTimestamp === root)).toHaveLength(7)
    })
  })

  describe('items', () => {
    const upload = (token: string, name = 'a.txt') =>
      env.inject({
        method: 'POST',
        url: '/v0/item.upload',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` },
        payload: Buffer.from('file body'),
      })

    it(`attaches up to ${MAX_MESSAGE_ITEMS} of the sender's own items, in order`, async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const ids: string[] = []
      for (let i = 0; i <= MAX_MESSAGE_ITEMS; i++) ids.push((await upload(client.apiKey, `f${i}.txt`)).json().id)
      const res = await post({ chat, text: 'files', items: ids.slice(0, MAX_MESSAGE_ITEMS), sync: true })
      expect(res.statusCode).toBe(200)
      const h = (await history(chat)).json()
      expect(contractErrors('chat.json', '/chat.history', 'get', 200, h)).toEqual([])
      expect(h.messages[0].items.map((i: { name: string }) => i.name)).toEqual(ids.slice(0, MAX_MESSAGE_ITEMS).map((_, i) => `f${i}.txt`))
      const over = await post({ chat, text: 'files', items: ids })
      expect(over.statusCode).toBe(400)
      expect(over.json().error).toMatch(/^items: a message may attach at most 10/)
      const itemsOnly = await post({ chat, items: [ids[0]] })
      expect(itemsOnly.statusCode).toBe(200)
    })

    it("rejects unknown items and other senders' items", async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const other = await env.apiClient()
      const theirs = (await upload(other.apiKey)).json().id
      for (const id of [theirs, crypto.randomUUID()]) {
        const res = await post({ chat, text: 'x', items: [id] })
        expect(res.statusCode).toBe(400)
        expect(res.json().error).toMatch(/^items\/0: no item/)
      }
    })
  })

  describe('Idempotency-Key', () => {
    it('replays the original response for an exact repeat and 409s a different body', async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const headers = { 'idempotency-key': 'req-1' }
      const first = await post({ chat, text: 'once', sync: true }, { headers })
      expect(first.statusCode).toBe(200)
      const again = await post({ sync: true, text: 'once', chat }, { headers })
      expect(again.statusCode).toBe(200)
      expect(again.json()).toEqual(first.json())
      expect(await env.db.selectFrom('messages').select('ts').execute()).toHaveLength(1)
      const different = await post({ chat, text: 'twice', sync: true }, { headers })
      expect(different.statusCode).toBe(409)
      expect(different.json().code).toBe('conflict')
      expect((await post({ chat, text: 'twice', sync: true }, { headers: { 'idempotency-key': 'req-2' } })).statusCode).toBe(200)
      expect(await env.db.selectFrom('messages').select('ts').execute()).toHaveLength(2)
    })

    it('keys are per credential, and concurrent repeats post once', async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const headers = { 'idempotency-key': 'same' }
      const results = await Promise.all(Array.from({ length: 6 }, () => post({ chat, text: 'x', sync: true }, { headers })))
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200])
      expect(new Set(results.map((r) => r.json().timestamp)).size).toBe(1)
      expect(await env.db.selectFrom('messages').select('ts').execute()).toHaveLength(1)
      expect((await outbox(env)).length).toBe(1)
    })

    it('is 1 to 255 visible characters', async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      expect((await post({ chat, text: 'x' }, { headers: { 'idempotency-key': 'k'.repeat(255) } })).statusCode).toBe(200)
      const long = await post({ chat, text: 'x' }, { headers: { 'idempotency-key': 'k'.repeat(256) } })
      expect(long.statusCode).toBe(400)
      expect(long.json().error).toMatch(/^Idempotency-Key: /)
    })
  })

  describe('message keys', () => {
    it('are unique and increasing within a chat under concurrent posts', async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => post({ chat, text: `m${i}`, sync: true })))
      expect(results.every((r) => r.statusCode === 200)).toBe(true)
      const keys = results.map((r) => r.json().timestamp as number)
      expect(new Set(keys).size).toBe(40)
      const stored = await env.db.selectFrom('messages').select(['ts', 'created_at']).orderBy('ts').execute()
      expect(stored.map((r) => Number(r.ts))).toEqual([...keys].sort((a, b) => a - b))
      const chatRow = await env.db.selectFrom('chats').select('last_ts').where('id', '=', chat.slice(2)).executeTakeFirstOrThrow()
      expect(Number(chatRow.last_ts)).toBe(Math.max(...keys))
    })

    it('keep increasing when the clock is behind the last key', async () => {
      const chat = (await env.group({ members: [client.bot] })).chatAddress
      const future = Date.now() * 1000 + 3_600_000_000
      await env.db.updateTable('chats').set({ last_ts: future }).where('id', '=', chat.slice(2)).execute()
      const res = await post({ chat, text: 'x', sync: true })
      expect(res.json().timestamp).toBe(future + 1)
    })
  })
})
