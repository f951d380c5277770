import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TypingEvent } from '../src/events/bus.js'
import { componentErrors, contractErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'

async function outboxTypes(env: TestEnv): Promise<string[]> {
  return (await env.db.selectFrom('outbox').select('type').orderBy('seq').execute()).map((r) => r.type)
}

describe('chat.list, chat.typing, chat.update, chat.delete, reaction.add, addr.info', () => {
  let env: TestEnv
  let client: ClientFixture
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient()
  })
  afterEach(async () => env.close())

  const post = async (chat: string | string[], text: string, token = client.apiKey) => {
    const res = await env.post('/v0/chat.post', { token, body: { chat, text, sync: true } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as { chat: string; timestamp: number }
  }

  describe('chat.list', () => {
    it('lists public groups and the chats the bot is in, newest-started first, with names', async () => {
      const alice = await env.user({ name: 'Alice' })
      const bob = await env.user({ name: 'Bob' })
      const publicGroup = await env.group({ name: 'Everyone' })
      await env.group({ name: 'Secret', private: true })
      const privateMember = await env.group({ name: 'Inner', private: true, members: [client.bot] })
      await env.dm(`U-${alice.id}`, `U-${bob.id}`)
      const archived = await env.group({ name: 'Old' })
      await env.db.updateTable('groups').set({ archived_at: 1 }).where('id', '=', archived.id).execute()
      const dm = await post(`U-${alice.id}`, 'hi')
      const multi = await post([`U-${alice.id}`, `U-${bob.id}`], 'hi all')
      // Chats started within one microsecond would come in id order: make the starts distinct.
      const starts: Array<[string, number]> = [
        [publicGroup.chatAddress, 1],
        [privateMember.chatAddress, 2],
        [dm.chat, 3],
        [multi.chat, 4],
      ]
      for (const [address, n] of starts) await env.db.updateTable('chats').set({ started_at: 1_700_000_000_000_000 + n }).where('id', '=', address.slice(2)).execute()

      const res = await env.get('/v0/chat.list', { token: client.apiKey, query: { limit: 100 } })
      expect(res.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/chat.list', 'get', 200, res.json())).toEqual([])
      const chats = res.json().chats as Array<{ id: string; name: string; group?: string; started: string }>
      expect(chats.map((c) => c.id)).toEqual([multi.chat, dm.chat, privateMember.chatAddress, publicGroup.chatAddress])
      expect(chats[0]!.name.split(', ').sort()).toEqual(['Alice', 'Bob', client.app.name].sort())
      expect(chats[1]).toEqual({ id: dm.chat, name: 'Alice', started: expect.any(String) })
      expect(chats[3]).toEqual({ id: publicGroup.chatAddress, name: 'Everyone', group: publicGroup.address, started: expect.any(String) })
    })

    it('pages with a keyset cursor (1 to 100 per page)', async () => {
      for (let i = 0; i < 5; i++) await env.group({ name: `g${i}` })
      const seen: string[] = []
      let cursor: string | undefined
      for (let i = 0; i < 10; i++) {
        const res = await env.get('/v0/chat.list', { token: client.apiKey, query: { limit: 2, ...(cursor ? { cursor } : {}) } })
        seen.push(...res.json().chats.map((c: { name: string }) => c.name))
        cursor = res.json().nextCursor
        if (!cursor) break
      }
      expect(seen.sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4'])
      for (const limit of [0, 101]) expect((await env.get('/v0/chat.list', { token: client.apiKey, query: { limit } })).statusCode).toBe(400)
      expect((await env.get('/v0/chat.list', { token: client.apiKey, query: { limit: 100 } })).statusCode).toBe(200)
      expect((await env.get('/v0/chat.list', { token: client.apiKey, query: { cursor: 'nope' } })).statusCode).toBe(400)
    })

    it('is organization-only and needs chat:read', async () => {
      const token = await env.personalToken(await env.user())
      const personal = await env.get('/v0/chat.list', { token })
      expect(personal.statusCode).toBe(403)
      expect(personal.json().error).toBe('access_mode_not_supported')
      const writer = await env.apiClient({ scopes: ['chat:write'] })
      expect((await env.get('/v0/chat.list', { token: writer.apiKey })).statusCode).toBe(403)
    })
  })

  describe('chat.typing', () => {
    it('publishes on the event bus, not in the outbox', async () => {
      const group = await env.group({ members: [client.bot] })
      const events: TypingEvent[] = []
      const off = env.ctx.bus!.subscribe('chat.typing', (e) => events.push(e))
      const res = await env.post('/v0/chat.typing', { token: client.apiKey, body: { chat: group.address, threadTimestamp: 5 } })
      off()
      expect(res.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/chat.typing', 'post', 200, res.json())).toEqual([])
      expect(events).toEqual([{ type: 'chat.typing', orgId: env.org.id, chat: group.chatAddress, address: client.bot, threadTimestamp: 5, at: expect.any(Number) }])
      expect(await outboxTypes(env)).toEqual([])
    })

    it('requires membership like posting', async () => {
      const group = await env.group()
      const events: TypingEvent[] = []
      env.ctx.bus!.subscribe('chat.typing', (e) => events.push(e))
      expect((await env.post('/v0/chat.typing', { token: client.apiKey, body: { chat: group.chatAddress } })).statusCode).toBe(403)
      expect(events).toEqual([])
    })
  })

  describe('chat.update and chat.delete', () => {
    it('lets the bot edit its own message, recording chat.message.updated', async () => {
      const group = await env.group({ members: [client.bot] })
      const m = await post(group.address, 'draft')
      const res = await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.address, timestamp: m.timestamp, text: 'final <@all>' } })
      expect(res.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/chat.update', 'post', 200, res.json())).toEqual([])
      expect(res.json()).toEqual({ chat: group.chatAddress, timestamp: m.timestamp })
      const row = await env.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow()
      expect(row.text).toBe('final <@all>')
      expect(row.edited_at).not.toBeNull()
      const toBlocks = await env.post('/v0/chat.update', {
        token: client.apiKey,
        body: { chat: group.address, timestamp: m.timestamp, blocks: [{ type: 'divider' }], color: 'danger' },
      })
      expect(toBlocks.statusCode).toBe(200)
      const h = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.address } })
      expect(h.json().messages[0]).toMatchObject({ contentType: 'block', blocks: [{ type: 'divider' }], color: 'danger' })
      expect(h.json().messages[0].text).toBeUndefined()
      expect(await outboxTypes(env)).toEqual(['chat.message.channel', 'chat.message.updated', 'chat.message.updated'])
    })

    it('rejects edits of others’ messages, unknown messages and bad content', async () => {
      const user = await env.user()
      const group = await env.group({ members: [client.bot, `U-${user.id}`] })
      const theirs = await post(group.address, 'user message', await env.personalToken(user))
      const mine = await post(group.address, 'mine')
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ timestamp: theirs.timestamp, text: 'x' }, /^timestamp: the message was sent by/],
        [{ timestamp: mine.timestamp + 1, text: 'x' }, /^timestamp: no message/],
        [{ timestamp: mine.timestamp, text: 'x', blocks: [{ type: 'divider' }] }, /only one content kind/],
        [{ timestamp: mine.timestamp, blocks: [{ type: 'nope' }] }, /^blocks\/0\/type: /],
        [{ timestamp: mine.timestamp, text: 'x', threadTimestamp: 1 }, /^threadTimestamp: /],
      ]
      for (const [body, message] of cases) {
        const res = await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.address, ...body } })
        expect(res.statusCode).toBe(400)
        expect(res.json().error).toMatch(message)
      }
      const outsider = await env.apiClient()
      expect((await env.post('/v0/chat.update', { token: outsider.apiKey, body: { chat: group.address, timestamp: mine.timestamp, text: 'x' } })).statusCode).toBe(403)
      const personal = await env.post('/v0/chat.update', { token: await env.personalToken(user), body: { chat: group.address, timestamp: theirs.timestamp, text: 'x' } })
      expect(personal.statusCode).toBe(403)
      expect(personal.json().error).toBe('access_mode_not_supported')
    })

    it('deletes the bot’s own message idempotently, with one chat.message.deleted event', async () => {
      const group = await env.group({ members: [client.bot] })
      const m = await post(group.address, 'oops')
      for (let i = 0; i < 2; i++) {
        const res = await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.address, timestamp: m.timestamp } })
        expect(res.statusCode).toBe(200)
        expect(contractErrors('chat.json', '/chat.delete', 'post', 200, res.json())).toEqual([])
        expect(res.json()).toEqual({ chat: group.chatAddress, timestamp: m.timestamp })
      }
      const row = await env.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow()
      expect(row.deleted_at).not.toBeNull()
      expect(row.text).toBe('oops')
      expect(await outboxTypes(env)).toEqual(['chat.message.channel', 'chat.message.deleted'])
      const missing = await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.address, timestamp: 1 } })
      expect(missing.statusCode).toBe(400)
      const edit = await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.address, timestamp: m.timestamp, text: 'x' } })
      expect(edit.statusCode).toBe(400)
    })

    it('reports the thread of a reply', async () => {
      const group = await env.group({ members: [client.bot] })
      const root = await post(group.address, 'root')
      const reply = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'r', threadTimestamp: root.timestamp, sync: true } })
      const res = await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.address, timestamp: reply.json().timestamp, threadTimestamp: root.timestamp } })
      expect(res.json()).toEqual({ chat: group.chatAddress, timestamp: reply.json().timestamp, threadTimestamp: root.timestamp })
    })
  })

  describe('reaction.add', () => {
    it('adds a reaction once, recording chat.message.reaction with a Reaction payload', async () => {
      const group = await env.group({ members: [client.bot] })
      const m = await post(group.address, 'nice')
      for (let i = 0; i < 2; i++) {
        const res = await env.post('/v0/reaction.add', { token: client.apiKey, body: { chat: group.address, timestamp: m.timestamp, name: '100' } })
        expect(res.statusCode).toBe(200)
      }
      expect(await env.db.selectFrom('reactions').selectAll().execute()).toHaveLength(1)
      const events = await env.db.selectFrom('outbox').selectAll().orderBy('seq').execute()
      expect(events.map((e) => e.type)).toEqual(['chat.message.channel', 'chat.message.reaction'])
      const payload = JSON.parse(events[1]!.payload)
      expect(payload).toEqual({ chat: group.chatAddress, timestamp: m.timestamp, name: '100', user: { id: client.bot, name: client.app.name } })
      expect(componentErrors('webhooks.json', 'Reaction', payload)).toEqual([])
    })

    it('takes shortcodes without colons, up to 64 characters, on existing messages of member chats', async () => {
      const group = await env.group({ members: [client.bot] })
      const m = await post(group.address, 'x')
      const add = (name: string, extra: Record<string, unknown> = {}) =>
        env.post('/v0/reaction.add', { token: client.apiKey, body: { chat: group.address, timestamp: m.timestamp, name, ...extra } })
      for (const name of ['thumbs_up', '+1', 'heart', 'x'.repeat(64)]) expect((await add(name)).statusCode).toBe(200)
      for (const [name, message] of [
        [':thumbs_up:', /without colons/],
        ['x'.repeat(65), /^name: must be 1 to 64/],
        ['', /^name: /],
        ['two words', /^name: must be an emoji shortcode/],
      ] as const) {
        const res = await add(name)
        expect(res.statusCode).toBe(400)
        expect(res.json().error).toMatch(message)
      }
      expect((await add('heart', { timestamp: m.timestamp + 1 })).statusCode).toBe(400)
      const outsider = await env.apiClient()
      expect((await env.post('/v0/reaction.add', { token: outsider.apiKey, body: { chat: group.address, timestamp: m.timestamp, name: 'heart' } })).statusCode).toBe(403)
    })
  })

  describe('addr.info', () => {
    it('describes users and bots', async () => {
      const user = await env.user({ name: 'Alex Chen', email: 'alex@example.com' })
      const u = await env.get('/v0/addr.info', { token: client.apiKey, query: { addr: `U-${user.id}` } })
      expect(u.statusCode).toBe(200)
      expect(contractErrors('chat.json', '/addr.info', 'get', 200, u.json())).toEqual([])
      expect(u.json()).toEqual({ type: 'user', id: `U-${user.id}`, email: 'alex@example.com', displayName: 'Alex Chen' })
      const b = await env.get('/v0/addr.info', { token: client.apiKey, query: { addr: client.bot } })
      expect(contractErrors('chat.json', '/addr.info', 'get', 200, b.json())).toEqual([])
      expect(b.json()).toMatchObject({ type: 'bot', id: client.bot, integrationId: client.app.clientId, displayName: client.app.name })
    })

    it('400s unknown addresses and non-address ids', async () => {
      for (const addr of [`U-${crypto.randomUUID()}`, `B-${crypto.randomUUID()}`, `G-${crypto.randomUUID()}`, 'nope']) {
        const res = await env.get('/v0/addr.info', { token: client.apiKey, query: { addr } })
        expect(res.statusCode, addr).toBe(400)
        expect(res.json().error).toMatch(/^(addr|querystring\/addr): /)
      }
    })
  })
})
