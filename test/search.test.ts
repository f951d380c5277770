import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SEARCH_QUERY_LIMITS } from '../src/actions/search.js'
import type { User } from '../src/domain.js'
import * as searchMigration from '../src/store/migrations/0016_search.js'
import { insertMessages, type NewMessage } from '../src/store/repos/messages.js'
import { TestEnv, type ClientFixture } from './helpers.js'

interface Hit {
  chat: string
  timestamp: number
  sender: string
  threadTimestamp?: number
  snippet: string
  highlights: Array<{ start: number; end: number }>
}

describe('GET /atrium/search.messages', () => {
  let env: TestEnv
  let client: ClientFixture
  let alice: User
  let aliceToken: string
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient()
    alice = await env.user({ name: 'Alice' })
    aliceToken = await env.personalToken(alice)
  })
  afterEach(async () => env.close())

  const search = (query: Record<string, string | number | boolean | undefined>, token: string = client.apiKey) => env.get('/atrium/search.messages', { token, query })
  const hits = async (query: Record<string, string | number | boolean | undefined>, token: string = client.apiKey): Promise<Hit[]> => {
    const res = await search(query, token)
    expect(res.statusCode, res.body).toBe(200)
    return res.json().messages as Hit[]
  }
  const post = async (token: string, body: Record<string, unknown>): Promise<number> => {
    const res = await env.post('/v0/chat.post', { token, body: { sync: true, ...body } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json().timestamp as number
  }
  const addr = (u: User) => `U-${u.id}`

  it('finds a posted message with its chat, key, sender and a highlighted snippet', async () => {
    const group = await env.group({ members: [client.bot] })
    const ts = await post(client.apiKey, { chat: group.chatAddress, text: 'The quarterly Report is ready for review' })
    await post(client.apiKey, { chat: group.chatAddress, text: 'unrelated chatter' })
    const found = await hits({ query: 'report' })
    expect(found).toHaveLength(1)
    const hit = found[0]!
    expect(hit).toMatchObject({ chat: group.chatAddress, timestamp: ts, sender: client.bot, snippet: 'The quarterly Report is ready for review' })
    expect(hit.highlights).toEqual([{ start: 14, end: 20 }])
    expect(hit.snippet.slice(14, 20)).toBe('Report')
    // Every word must occur; the last is also a prefix; case and accents are ignored.
    expect(await hits({ query: 'quarterly rev' })).toHaveLength(1)
    expect(await hits({ query: 'quarterly missing' })).toHaveLength(0)
    expect(await hits({ query: 'RÉPORT' })).toHaveLength(1)
  })

  it('searches Block Kit text and polls, leaves mention ids out, and cuts long texts around the match', async () => {
    const group = await env.group({ members: [client.bot] })
    await post(client.apiKey, { chat: group.chatAddress, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Deploy *finished* on staging' } }] })
    await post(client.apiKey, { chat: group.chatAddress, poll: { question: 'Lunch venue?', options: ['Pizzeria', 'Noodles'] } })
    await post(client.apiKey, { chat: group.chatAddress, text: `hello <@${addr(alice)}>` })
    const long = `${'lorem ipsum '.repeat(50)}needle ${'dolor sit '.repeat(50)}`
    await post(client.apiKey, { chat: group.chatAddress, text: long })
    expect((await hits({ query: 'staging' }))[0]!.snippet).toBe('Deploy *finished* on staging')
    expect((await hits({ query: 'noodles' }))[0]!.snippet).toBe('Lunch venue? Pizzeria Noodles')
    expect(await hits({ query: alice.id.split('-')[0]! })).toHaveLength(0)
    const [cut] = await hits({ query: 'needle' })
    expect(cut!.snippet.startsWith('…')).toBe(true)
    expect(cut!.snippet.endsWith('…')).toBe(true)
    expect(cut!.snippet.length).toBeLessThanOrEqual(202)
    expect(cut!.highlights).toHaveLength(1)
    const h = cut!.highlights[0]!
    expect(cut!.snippet.slice(h.start, h.end)).toBe('needle')
  })

  it('reflects edits and deletions at once', async () => {
    const group = await env.group({ members: [client.bot] })
    const ts = await post(client.apiKey, { chat: group.chatAddress, text: 'original wording' })
    expect(await hits({ query: 'original' })).toHaveLength(1)
    const edit = await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.chatAddress, timestamp: ts, text: 'revised wording' } })
    expect(edit.statusCode).toBe(200)
    expect(await hits({ query: 'original' })).toHaveLength(0)
    expect((await hits({ query: 'revised' })).map((h) => h.timestamp)).toEqual([ts])
    const del = await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.chatAddress, timestamp: ts } })
    expect(del.statusCode).toBe(200)
    expect(await hits({ query: 'revised' })).toHaveLength(0)
    expect(await hits({ query: 'wording' })).toHaveLength(0)
  })

  it('never returns messages of chats the caller cannot read', async () => {
    const bob = await env.user({ name: 'Bob' })
    const carol = await env.user({ name: 'Carol' })
    const carolToken = await env.personalToken(carol)
    const bobToken = await env.personalToken(bob)
    const privateGroup = await env.group({ private: true, members: [addr(alice)] })
    const publicGroup = await env.group({ members: [addr(alice)] })
    await post(aliceToken, { chat: privateGroup.chatAddress, text: 'secret plan alpha' })
    await post(aliceToken, { chat: publicGroup.chatAddress, text: 'open plan alpha' })
    const dm = await post(aliceToken, { chat: addr(bob), text: 'private note alpha' })
    expect(dm).toBeGreaterThan(0)

    // Alice reads all three; Bob his DM only (a person reads only chats they take part in).
    expect((await hits({ query: 'alpha' }, aliceToken)).map((h) => h.snippet).sort()).toEqual(['open plan alpha', 'private note alpha', 'secret plan alpha'])
    expect((await hits({ query: 'alpha' }, bobToken)).map((h) => h.snippet)).toEqual(['private note alpha'])
    expect(await hits({ query: 'alpha' }, carolToken)).toEqual([])
    // An organization key, like chat.history: public groups and the chats its bot is in.
    expect((await hits({ query: 'alpha' })).map((h) => h.snippet)).toEqual(['open plan alpha'])
    expect((await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: privateGroup.chatAddress } })).statusCode).toBe(403)
    // A private group the bot is in is readable by the key, by chat.history and by search alike.
    const botRoom = await env.group({ private: true, members: [client.bot] })
    await post(client.apiKey, { chat: botRoom.chatAddress, text: 'bot room alpha' })
    expect((await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: botRoom.chatAddress } })).statusCode).toBe(200)
    expect((await hits({ query: 'alpha' })).map((h) => h.snippet)).toEqual(['bot room alpha', 'open plan alpha'])
    expect(await hits({ query: 'alpha' }, carolToken)).toEqual([])
    // Naming an unreadable chat is refused as chat.history refuses it.
    for (const [chat, token] of [[privateGroup.chatAddress, carolToken], [privateGroup.chatAddress, bobToken]] as const) {
      const res = await search({ query: 'alpha', chat }, token)
      expect(res.statusCode).toBe(403)
      expect((await env.get('/v0/chat.history', { token, query: { chat } })).statusCode).toBe(403)
    }
  })

  it('answers the signed-in session of the web client as the person', async () => {
    const person = await env.userWithPassword()
    const group = await env.group({ private: true, members: [`U-${person.id}`] })
    const other = await env.group({ private: true, members: [addr(alice)] })
    await post(client.apiKey, { chat: (await env.group({ members: [client.bot] })).chatAddress, text: 'session word' })
    await post(aliceToken, { chat: other.chatAddress, text: 'session word' })
    const personToken = await env.personalToken(person)
    await post(personToken, { chat: group.chatAddress, text: 'session word' })
    const browser = await env.signedIn(person)
    const res = await browser.get('/atrium/search.messages?query=session')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().messages.map((h: Hit) => h.chat)).toEqual([group.chatAddress])
    expect((await env.get('/atrium/search.messages', { query: { query: 'session' } })).statusCode).toBe(401)
  })

  it('filters by chat, sender, attached files and date range', async () => {
    const bob = await env.user()
    const bobToken = await env.personalToken(bob)
    const one = await env.group({ members: [client.bot, addr(alice), addr(bob)] })
    const two = await env.group({ members: [client.bot, addr(alice)] })
    const a = await post(aliceToken, { chat: one.chatAddress, text: 'filter alpha' })
    const b = await post(bobToken, { chat: one.chatAddress, text: 'filter beta' })
    const c = await post(aliceToken, { chat: two.chatAddress, text: 'filter gamma' })
    const upload = await env.inject({
      method: 'POST',
      url: '/v0/item.upload',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="a.txt"' },
      payload: Buffer.from('file body'),
    })
    expect(upload.statusCode).toBe(200)
    const d = await post(client.apiKey, { chat: two.chatAddress, text: 'filter delta', items: [upload.json().id] })
    const keys = async (q: Record<string, string | boolean>) => (await hits({ query: 'filter', ...q })).map((h) => h.timestamp)

    expect(await keys({})).toEqual([d, c, b, a])
    expect(await keys({ chat: one.chatAddress })).toEqual([b, a])
    expect(await keys({ chat: two.address })).toEqual([d, c])
    expect(await keys({ from: addr(alice) })).toEqual([c, a])
    expect(await keys({ from: client.bot })).toEqual([d])
    expect(await keys({ hasFile: true })).toEqual([d])
    expect(await keys({ hasFile: false })).toEqual([c, b, a])
    const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString().replace('Z', '000Z').replace(/\.(\d{3})000Z$/, `.$1${String(us % 1000).padStart(3, '0')}Z`)
    expect(await keys({ after: iso(b) })).toEqual([d, c, b])
    expect(await keys({ before: iso(c) })).toEqual([b, a])
    expect(await keys({ after: iso(b), before: iso(d) })).toEqual([c, b])
    expect(await keys({ after: '2000-01-01', before: '2000-01-02' })).toEqual([])

    for (const [field, value] of [['from', 'G-00000000-0000-4000-8000-000000000000'], ['from', 'alice'], ['after', '2026-02-30'], ['before', 'yesterday'], ['chat', 'U-00000000-0000-4000-8000-000000000000'], ['cursor', 'nope'], ['hasFile', 'maybe']] as const) {
      const res = await search({ query: 'filter', [field]: value })
      expect(res.statusCode, `${field}=${value}`).toBe(400)
      expect(res.json().error).toContain(field)
    }
  })

  it('pages newest first with a keyset cursor: no duplicates, no gaps, even while messages arrive', async () => {
    const one = await env.group({ members: [client.bot] })
    const two = await env.group({ members: [client.bot] })
    const start = Date.UTC(2025, 0, 1) * 1000
    const rows: NewMessage[] = []
    for (let i = 0; i < 25; i++) {
      // Both chats share keys, so ties on the key are broken by chat.
      for (const chatId of [one.chatId, two.chatId]) {
        const ts = start + i * 1_000_000
        rows.push({ chatId, ts, sender: client.bot, threadTs: null, replyTs: null, contentType: 'text', text: `paged item ${i}`, markdown: true, blocks: null, color: null, poll: null, createdAt: ts })
      }
    }
    await insertMessages(env.db, rows)
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const res = await search({ query: 'paged', limit: 7, cursor })
      expect(res.statusCode).toBe(200)
      const body = res.json() as { messages: Hit[]; nextCursor?: string }
      seen.push(...body.messages.map((h) => `${h.timestamp}/${h.chat}`))
      cursor = body.nextCursor
      if (pages === 0) await post(client.apiKey, { chat: one.chatAddress, text: 'paged newcomer' })
      pages++
    } while (cursor)
    expect(pages).toBe(8)
    expect(new Set(seen).size).toBe(50)
    const expected = rows
      .map((r) => ({ ts: r.ts, chat: r.chatId === one.chatId ? one.chatAddress : two.chatAddress, id: r.chatId }))
      .sort((x, y) => y.ts - x.ts || (x.id < y.id ? 1 : -1))
      .map((r) => `${r.ts}/${r.chat}`)
    expect(seen).toEqual(expected)
    expect((await hits({ query: 'paged' })).length).toBe(20)
    for (const limit of [0, 51]) {
      const res = await search({ query: 'paged', limit })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/limit/)
    }
  })

  it('pages a word found in many messages (over 10 000) newest first, as a rare one', async () => {
    const one = await env.group({ members: [client.bot] })
    const two = await env.group({ members: [client.bot] })
    const start = Date.UTC(2025, 0, 1) * 1000
    const rows: NewMessage[] = []
    for (let i = 0; i < 10_050; i++) {
      const ts = start + i * 1_000_000
      rows.push({ chatId: i % 2 ? one.chatId : two.chatId, ts, sender: client.bot, threadTs: null, replyTs: null, contentType: 'text', text: `frequent word ${i}`, markdown: true, blocks: null, color: null, poll: null, createdAt: ts })
    }
    await insertMessages(env.db, rows)
    const first = (await search({ query: 'frequent', limit: 50 })).json() as { messages: Hit[]; nextCursor: string }
    const second = (await search({ query: 'frequent', limit: 50, cursor: first.nextCursor })).json() as { messages: Hit[] }
    const newest = rows.slice(-100).reverse().map((r) => r.ts)
    expect([...first.messages, ...second.messages].map((h) => h.timestamp)).toEqual(newest)
    expect((await hits({ query: 'frequent', chat: one.chatAddress, limit: 3 })).map((h) => h.snippet)).toEqual(['frequent word 10049', 'frequent word 10047', 'frequent word 10045'])
    // And a rare word among them.
    expect((await hits({ query: 'frequent 5001' })).map((h) => h.snippet)).toEqual(['frequent word 5001'])
  })

  it('turns hostile queries into safe ones: 200, or a 400 naming query', async () => {
    const group = await env.group({ members: [client.bot] })
    await post(client.apiKey, { chat: group.chatAddress, text: 'near the end, NOT a "quoted" phrase* — résumé 東京タワー Привет мир 👋🏽 tag-line' })
    const ok = [
      'NEAR', 'NEAR(end the)', '"quoted', 'quoted"', 'phrase*', 'end -phrase', 'NOT', 'a AND', 'OR OR', 'end:*', "end'", "' or 1=1 --",
      'end & !phrase', 'end | phrase', '(end', 'end)', '^end', 'words:end', '{end}', 'end + phrase', 'tag-line', 'резюме', 'привет мир', '東京', 'résumé', 'RESUME',
      '👋 end', 'end 👋🏽', 'a'.repeat(SEARCH_QUERY_LIMITS.length),
    ]
    for (const query of ok) {
      const res = await search({ query })
      expect(res.statusCode, `${query}: ${res.body}`).toBe(200)
    }
    // The engines' operators are plain words: they find the message that contains them.
    expect(await hits({ query: 'NEAR' })).toHaveLength(1)
    expect(await hits({ query: '"quoted" phrase*' })).toHaveLength(1)
    expect(await hits({ query: 'end -phrase' })).toHaveLength(1)
    expect(await hits({ query: 'NOT' })).toHaveLength(1)
    expect(await hits({ query: 'Привет' })).toHaveLength(1)
    expect(await hits({ query: '東京' })).toHaveLength(1)
    expect(await hits({ query: 'resume' })).toHaveLength(1)
    expect(await hits({ query: 'line tag' })).toHaveLength(1)

    const refused: Array<[string, RegExp]> = [
      ['', /query/],
      ['👋🏽', /query: must contain at least one letter or digit/],
      ...['"*-()', '""', '*', '-', '\\', '%', '_'].map((q): [string, RegExp] => [q, /query: must contain at least one letter or digit/]),
      ['   ', /query: must contain at least one letter or digit/],
      ['a'.repeat(SEARCH_QUERY_LIMITS.length + 1), /query/],
      ['x'.repeat(10_000), /query/],
      [Array.from({ length: SEARCH_QUERY_LIMITS.words + 1 }, (_, i) => `w${i}`).join(' '), /query: must have at most 16 distinct words/],
      ['nul\u0000byte', /query/],
    ]
    for (const [query, error] of refused) {
      const res = await search({ query })
      expect(res.statusCode, JSON.stringify(query)).toBe(400)
      expect(res.json().error).toMatch(error)
    }
    const missing = await env.get('/atrium/search.messages', { token: client.apiKey })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error).toMatch(/query/)
    // Exactly the limit of words is accepted.
    expect((await search({ query: Array.from({ length: SEARCH_QUERY_LIMITS.words }, (_, i) => `w${i}`).join(' ') })).statusCode).toBe(200)
  })

  it('needs chat:read: tokens without it are refused', async () => {
    const noRead = await env.apiClient({ scopes: ['chat:history', 'chat:send_message'] })
    const res = await search({ query: 'x' }, noRead.apiKey)
    expect(res.statusCode).toBe(403)
    expect(res.json().error).toMatch(/chat:read/)
    const patNoRead = await env.personalToken(alice, ['chat:history'])
    expect((await search({ query: 'x' }, patNoRead)).statusCode).toBe(403)
    expect((await search({ query: 'x' }, await env.personalToken(alice, ['chat:read']))).statusCode).toBe(200)
    expect((await search({ query: 'x' }, 'rmk-not-a-key')).statusCode).toBe(401)
  })

  it('the migration indexes the messages stored before it, leaving deleted ones out', async () => {
    const group = await env.group({ members: [client.bot] })
    const kept = await post(client.apiKey, { chat: group.chatAddress, blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Backfilled heading' } }] })
    const gone = await post(client.apiKey, { chat: group.chatAddress, text: 'backfilled but deleted' })
    expect((await env.post('/v0/chat.delete', { token: client.apiKey, body: { chat: group.chatAddress, timestamp: gone } })).statusCode).toBe(200)
    await searchMigration.down(env.db)
    await searchMigration.up(env.db)
    expect((await hits({ query: 'backfilled' })).map((h) => h.timestamp)).toEqual([kept])
    // And the rebuilt index is maintained as before.
    const later = await post(client.apiKey, { chat: group.chatAddress, text: 'backfilled later' })
    expect((await hits({ query: 'backfilled' })).map((h) => h.timestamp)).toEqual([later, kept])
  })

  it('is documented in the Atrium extensions document, not in Roam v0', async () => {
    const atrium = (await env.get('/atrium/openapi.json')).json()
    expect(atrium.paths['/search.messages'].get.summary).toMatch(/Atrium extension/)
    expect(atrium.info.description).toMatch(/not part of/)
    const v0 = (await env.get('/v0/openapi.json')).json()
    expect(Object.keys(v0.paths).some((p) => p.includes('search'))).toBe(false)
  })
})
