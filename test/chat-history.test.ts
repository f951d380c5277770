import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertMessages, type NewMessage } from '../src/store/repos/messages.js'
import { contractErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'

interface Msg {
  timestamp: number
  text: string
}

describe('chat.history', () => {
  let env: TestEnv
  let client: ClientFixture
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient()
  })
  afterEach(async () => env.close())

  const history = (query: Record<string, string | number>, token = client.apiKey) => env.get('/v0/chat.history', { token, query })

  /** Messages straight through the store, one second apart starting at `start` (µs). */
  async function seed(chatId: string, count: number, start = Date.UTC(2025, 0, 1) * 1000): Promise<number[]> {
    const rows: NewMessage[] = []
    for (let i = 0; i < count; i++) {
      const ts = start + i * 1_000_000
      rows.push({ chatId, ts, sender: client.bot, threadTs: null, replyTs: null, contentType: 'text', text: `m${i}`, markdown: true, blocks: null, color: null, poll: null, createdAt: ts })
    }
    await insertMessages(env.db, rows)
    return rows.map((r) => r.ts)
  }

  it('pages newest first with nextCursor, absent on the last page', async () => {
    const group = await env.group({ members: [client.bot] })
    const keys = await seed(group.chatId, 5)
    const first = await history({ chat: group.chatAddress, limit: 2 })
    expect(first.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/chat.history', 'get', 200, first.json())).toEqual([])
    expect(first.json().chat).toBe(group.chatAddress)
    expect(first.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[4], keys[3]])
    const second = await history({ chat: group.chatAddress, limit: 2, cursor: first.json().nextCursor })
    expect(second.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[2], keys[1]])
    const third = await history({ chat: group.chatAddress, limit: 2, cursor: second.json().nextCursor })
    expect(third.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[0]])
    expect(third.json().nextCursor).toBeUndefined()
    const exact = await history({ chat: group.chatAddress, limit: 5 })
    expect(exact.json().messages).toHaveLength(5)
    expect(exact.json().nextCursor).toBeUndefined()
  })

  it('defaults to 10 messages and allows 1 to 200', async () => {
    const group = await env.group({ members: [client.bot] })
    await seed(group.chatId, 201)
    expect((await history({ chat: group.address })).json().messages).toHaveLength(10)
    expect((await history({ chat: group.address, limit: 1 })).json().messages).toHaveLength(1)
    expect((await history({ chat: group.address, limit: 200 })).json().messages).toHaveLength(200)
    for (const limit of [0, 201]) {
      const res = await history({ chat: group.address, limit })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/^querystring\/limit: /)
    }
  })

  it('filters by after (inclusive, oldest first) and before (exclusive)', async () => {
    const group = await env.group({ members: [client.bot] })
    const start = Date.UTC(2025, 0, 1) * 1000
    const keys = await seed(group.chatId, 5, start)
    const after = await history({ chat: group.address, after: '2025-01-01T00:00:02Z' })
    expect(after.json().messages.map((m: Msg) => m.timestamp)).toEqual(keys.slice(2))
    const before = await history({ chat: group.address, before: '2025-01-01T00:00:02Z' })
    expect(before.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[1], keys[0]])
    const both = await history({ chat: group.address, after: '2025-01-01', before: '2025-01-01T00:00:03Z', limit: 2 })
    expect(both.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[0], keys[1]])
    const rest = await history({ chat: group.address, after: '2025-01-01', before: '2025-01-01T00:00:03Z', limit: 2, cursor: both.json().nextCursor })
    expect(rest.json().messages.map((m: Msg) => m.timestamp)).toEqual([keys[2]])
    for (const query of [{ after: 'yesterday' }, { before: '2025-13-45' }, { cursor: 'abc' }] as Array<Record<string, string>>) {
      const res = await history({ chat: group.address, ...query })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(new RegExp(`^${Object.keys(query)[0]}: `))
    }
  })

  it('returns reactions and items with each message', async () => {
    const group = await env.group({ members: [client.bot] })
    const item = await env.inject({
      method: 'POST',
      url: '/v0/item.upload',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' },
      payload: Buffer.from('notes'),
    })
    const posted = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'see file', items: [item.json().id], sync: true } })
    const ts = posted.json().timestamp
    await env.post('/v0/reaction.add', { token: client.apiKey, body: { chat: group.address, timestamp: ts, name: 'thumbs_up' } })
    const res = await history({ chat: group.address })
    expect(contractErrors('chat.json', '/chat.history', 'get', 200, res.json())).toEqual([])
    expect(res.json().messages[0]).toMatchObject({
      text: 'see file',
      items: [{ id: item.json().id, name: 'notes.txt', type: 'blob' }],
      reactions: [{ chat: group.chatAddress, timestamp: ts, name: 'thumbs_up', user: { id: client.bot, name: client.app.name } }],
    })
  })

  it('leaves deleted messages out', async () => {
    const group = await env.group({ members: [client.bot] })
    const a = (await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'keep', sync: true } })).json().timestamp
    const b = (await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'drop', sync: true } })).json().timestamp
    await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.address, timestamp: b } })
    expect((await history({ chat: group.address })).json().messages.map((m: Msg) => m.timestamp)).toEqual([a])
  })

  describe('access', () => {
    it('organization tokens read public groups and chats their bot is in; not private groups or others’ DMs', async () => {
      const [u1, u2] = [await env.user(), await env.user()]
      const publicGroup = await env.group()
      const privateGroup = await env.group({ private: true })
      const dm = await env.dm(`U-${u1.id}`, `U-${u2.id}`)
      expect((await history({ chat: publicGroup.address })).statusCode).toBe(200)
      for (const chat of [privateGroup.address, dm.address, `D-${crypto.randomUUID()}`]) {
        const res = await history({ chat })
        expect(res.statusCode, chat).toBe(403)
      }
      const invited = await env.group({ private: true, members: [client.bot] })
      expect((await history({ chat: invited.chatAddress })).statusCode).toBe(200)
    })

    it('personal tokens read only the user’s own chats', async () => {
      const [me, you] = [await env.user(), await env.user()]
      const token = await env.personalToken(me)
      const mine = await env.dm(`U-${me.id}`, `U-${you.id}`)
      const publicGroup = await env.group()
      const myGroup = await env.group({ members: [`U-${me.id}`] })
      expect((await history({ chat: mine.address }, token)).statusCode).toBe(200)
      expect((await history({ chat: myGroup.address }, token)).statusCode).toBe(200)
      expect((await history({ chat: publicGroup.address }, token)).statusCode).toBe(403)
      expect((await history({ chat: (await env.dm(`U-${you.id}`, client.bot)).address }, token)).statusCode).toBe(403)
    })

    it('needs chat:history and a chat or group id', async () => {
      const reader = await env.apiClient({ scopes: ['chat:read'] })
      const group = await env.group()
      expect((await history({ chat: group.address }, reader.apiKey)).statusCode).toBe(403)
      const wrong = await history({ chat: `U-${(await env.user()).id}` })
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json().error).toMatch(/^chat: /)
    })
  })

  it('threadTimestamp must name a message of the chat', async () => {
    const group = await env.group({ members: [client.bot] })
    const res = await history({ chat: group.address, threadTimestamp: 123 })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/^threadTimestamp: /)
  })

  describe('paging 10,000 messages while new ones arrive', () => {
    let chat: string
    let keys: number[]
    beforeEach(async () => {
      const group = await env.group({ members: [client.bot] })
      chat = group.chatAddress
      keys = await seed(group.chatId, 10_000)
    })

    async function page(query: Record<string, string | number>, onPage: () => Promise<void>): Promise<number[]> {
      const seen: number[] = []
      let cursor: string | undefined
      for (let i = 0; i < 2_000; i++) {
        const res = await history({ ...query, chat, ...(cursor ? { cursor } : {}) })
        expect(res.statusCode).toBe(200)
        seen.push(...res.json().messages.map((m: Msg) => m.timestamp))
        cursor = res.json().nextCursor
        if (!cursor) break
        await onPage()
      }
      return seen
    }

    const postOne = async () => {
      const res = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat, text: 'live', sync: true } })
      expect(res.statusCode).toBe(200)
      return res.json().timestamp as number
    }

    // Hundreds of requests per test: generous timeouts for a shared, busy machine.
    it.each([200, 61])('newest first with limit %i returns each older message exactly once', { timeout: 180_000 }, async (limit) => {
      const seen = await page({ limit, before: new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z') }, async () => {
        await postOne()
      })
      expect(seen).toEqual([...keys].reverse())
    })

    it('newest first without bounds starts from the newest and never repeats while posts arrive', { timeout: 180_000 }, async () => {
      const seen = await page({ limit: 200 }, async () => {
        await postOne()
      })
      expect(seen.slice(-10_000)).toEqual([...keys].reverse())
      expect(new Set(seen).size).toBe(seen.length)
    })

    it('oldest first (after) returns every message exactly once, in order, including those posted meanwhile', { timeout: 180_000 }, async () => {
      const posted: number[] = []
      const seen = await page({ limit: 173, after: '2024-12-31' }, async () => {
        posted.push(await postOne())
      })
      expect(seen).toEqual([...keys, ...posted])
    })
  })
})
