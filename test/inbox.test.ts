import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv, type Browser } from './helpers.js'

describe('web client chat endpoints', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => {
    await env.close()
  })

  async function person(): Promise<{ browser: Browser; address: string }> {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/app/session')).json().csrfToken
    return { browser, address: `U-${user.id}` }
  }

  it('lists the person’s chats with unread counts and moves the read marker forward only', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ name: 'Ops', members: [a.address, b.address] })
    const first = await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'one', sync: true })
    expect(first.statusCode).toBe(200)
    await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'two' })
    const list = (await b.browser.get('/app/chats.list')).json().chats
    expect(list).toEqual([expect.objectContaining({ id: group.chatAddress, group: group.address, kind: 'channel', name: 'Ops', unread: 2 })])
    expect((await a.browser.get('/app/chats.list')).json().chats[0].unread).toBe(0)
    await b.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: first.json().timestamp })
    expect((await b.browser.get('/app/chats.list')).json().chats[0].unread).toBe(1)
    await b.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: 1 })
    expect((await b.browser.get('/app/chats.list')).json().chats[0].unread).toBe(1)
    const outsider = await person()
    expect((await outsider.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: 1 })).statusCode).toBe(403)
  })

  it('adds a signed-in person’s reaction once, as them, and refuses people outside the chat', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ members: [a.address, b.address] })
    const ts = (await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'ship it', sync: true })).json().timestamp as number
    const react = (who: { browser: Browser }, name: string) => who.browser.postJson('/app/reaction.add', { chat: group.chatAddress, timestamp: ts, name })
    expect((await react(b, 'thumbs_up')).statusCode).toBe(200)
    expect((await react(b, 'thumbs_up')).statusCode).toBe(200)
    expect((await react(a, 'tada')).statusCode).toBe(200)
    const history = await a.browser.get(`/v0/chat.history?chat=${group.chatAddress}`)
    const reactions = (history.json().messages as Array<{ timestamp: number; reactions?: Array<{ name: string; user: { id: string } }> }>).find((m) => m.timestamp === ts)!.reactions!
    expect(reactions.map((r) => [r.name, r.user.id]).sort()).toEqual([['tada', a.address], ['thumbs_up', b.address]].sort())
    const bad = await react(b, ':thumbs_up:')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^name:/)
    const outsider = await person()
    expect((await react(outsider, 'eyes')).statusCode).toBe(403)
  })

  it('uploads a file with the session (UTF-8 name from filename*) and attaches it to the person’s message', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ members: [a.address, b.address] })
    const ihdr = Buffer.alloc(25)
    ihdr.writeUInt32BE(13, 0)
    ihdr.write('IHDR', 4, 'latin1')
    ihdr.writeUInt32BE(4, 8)
    ihdr.writeUInt32BE(3, 12)
    ihdr.writeUInt8(8, 16)
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(12)])
    const named = { 'content-type': 'image/png', 'content-disposition': `attachment; filename="Z_rich.png"; filename*=UTF-8''Z%C3%BCrich.png` }
    const up = await a.browser.postBytes('/app/item.upload', bytes, named)
    expect(up.statusCode, up.body).toBe(200)
    expect(up.json()).toMatchObject({ type: 'photo', name: 'Zürich.png', mime: 'image/png', width: 4, height: 3, size: bytes.length })
    const posted = await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, items: [up.json().id], sync: true })
    expect(posted.statusCode, posted.body).toBe(200)
    const history = (await b.browser.get(`/v0/chat.history?chat=${group.chatAddress}`)).json().messages as Array<{ items?: Array<{ id: string; name: string }> }>
    expect(history[0]!.items).toEqual([expect.objectContaining({ id: up.json().id, name: 'Zürich.png' })])
    // Someone else's upload cannot be attached.
    expect((await b.browser.postJson('/v0/chat.post', { chat: group.chatAddress, items: [up.json().id] })).statusCode).toBe(400)

    expect((await a.browser.postBytes('/app/item.upload', bytes, named, { csrf: false })).statusCode).toBe(403)
    expect((await a.browser.postBytes('/app/item.upload', Buffer.from('hi'), { ...named, 'content-type': 'text/x-nope' })).statusCode).toBe(415)
    const unnamed = await a.browser.postBytes('/app/item.upload', bytes, { 'content-type': 'image/png' })
    expect(unnamed.statusCode).toBe(400)
    expect(unnamed.json().error).toMatch(/^Content-Disposition:/)
    expect((await env.post('/app/item.upload', { token: await env.personalToken(await env.user()), body: {} })).statusCode).toBe(403)
  })

  it('records poll votes, one answer unless the poll allows several', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ members: [a.address, b.address] })
    const posted = await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, poll: { question: 'Lunch?', options: ['Pizza', 'Sushi'] }, sync: true })
    expect(posted.statusCode).toBe(200)
    const ts = posted.json().timestamp
    const history = (await b.browser.get(`/v0/chat.history?chat=${group.chatAddress}`)).json()
    const [pizza, sushi] = history.messages[0].poll.options.map((o: { id: string }) => o.id)
    expect((await b.browser.postJson('/app/poll.vote', { chat: group.chatAddress, timestamp: ts, options: [pizza] })).json()).toEqual({ counts: { [pizza]: 1 }, mine: [pizza] })
    expect((await b.browser.postJson('/app/poll.vote', { chat: group.chatAddress, timestamp: ts, options: [pizza, sushi] })).statusCode).toBe(400)
    expect((await b.browser.postJson('/app/poll.vote', { chat: group.chatAddress, timestamp: ts, options: ['nope'] })).statusCode).toBe(400)
    await a.browser.postJson('/app/poll.vote', { chat: group.chatAddress, timestamp: ts, options: [pizza] })
    expect((await a.browser.postJson('/app/poll.results', { chat: group.chatAddress, timestamp: ts })).json()).toEqual({ counts: { [pizza]: 2 }, mine: [pizza] })
  })

  it('validates Block Kit without posting, with JSON pointers', async () => {
    const client = await env.apiClient()
    const ok = await env.post('/app/blockkit.validate', { token: client.apiKey, body: { blocks: [{ type: 'divider' }], color: 'good' } })
    expect(ok.json()).toMatchObject({ ok: true, errors: [] })
    const bad = await env.post('/app/blockkit.validate', { token: client.apiKey, body: { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }], color: 'red' } })
    expect(bad.json().ok).toBe(false)
    expect(bad.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/color']))
    expect(bad.json().errors.some((e: { pointer: string }) => e.pointer.startsWith('/blocks/0/text'))).toBe(true)
    expect((await env.post('/app/blockkit.validate', { body: { blocks: [] } })).statusCode).toBe(401)
  })

  it('counts the replies of the thread roots a reader holds (for the reply counts under messages), to members only', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ name: 'Threads', members: [a.address, b.address] })
    const post = async (body: Record<string, unknown>) => {
      const res = await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, sync: true, ...body })
      expect(res.statusCode).toBe(200)
      return res.json().timestamp as number
    }
    const root = await post({ text: 'root' })
    const quiet = await post({ text: 'no replies' })
    await post({ text: 'r1', threadTimestamp: root })
    const r2 = await post({ text: 'r2', threadTimestamp: root })
    const r3 = await post({ text: 'r3', threadTimestamp: root })
    // A deleted reply no longer counts.
    expect((await a.browser.postJson('/app/chat.delete', { chat: group.chatAddress, timestamp: r3 })).statusCode).toBe(200)
    const res = await b.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: [root, quiet, 12345] })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      chat: group.chatAddress,
      threads: [
        { timestamp: root, replies: 2, latestReply: r2 },
        { timestamp: quiet, replies: 0 },
        { timestamp: 12345, replies: 0 },
      ],
    })
    expect((await b.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: [] })).json().threads).toEqual([])

    const outsider = await person()
    expect((await outsider.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: [root] })).statusCode).toBe(403)
    expect((await env.post('/app/chat.threads', { body: { chat: group.chatAddress, timestamps: [root] } })).statusCode).toBe(401)
  })

  it('limits a thread count request to 200 timestamps in the range of message keys', async () => {
    const a = await person()
    const group = await env.group({ members: [a.address] })
    const many = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
    const ok = await a.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: many(200) })
    expect(ok.statusCode).toBe(200)
    expect(ok.json().threads).toHaveLength(200)
    const over = await a.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: many(201) })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toMatch(/timestamps/)
    for (const bad of [-1, 1.5, 2 ** 63, 'x']) {
      const res = await a.browser.postJson('/app/chat.threads', { chat: group.chatAddress, timestamps: [bad] })
      expect(res.statusCode, String(bad)).toBe(400)
      expect(res.json().error).toMatch(/timestamps/)
    }
    const nul = await a.browser.postJson('/app/chat.threads', { chat: 'C-\u0000', timestamps: [1] })
    expect(nul.statusCode).toBe(400)
  })
})
