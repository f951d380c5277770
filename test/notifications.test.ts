import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialect, TestEnv, type Browser } from './helpers.js'
import { cookieOf, openRealtime, realtimeOrigin, type RealtimeSocket } from './realtime.js'

/**
 * The web client's notification settings (level and muted chats, each person's own) and the
 * unread state every tab and device of a person shares: `chat.read` frames after a read marker
 * moves, message frames that count as unread elsewhere.
 */

interface Frame {
  type: string
  payload: Record<string, unknown>
}

describe(`notification settings (${dialect})`, () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => {
    await env.close()
  })

  async function person(): Promise<{ browser: Browser; address: string; id: string }> {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/app/session')).json().csrfToken
    return { browser, address: `U-${user.id}`, id: user.id }
  }

  it('starts at mentions_and_dms with nothing muted; a person changes only their own level', async () => {
    const a = await person()
    const b = await person()
    expect((await a.browser.get('/app/notifications.get')).json()).toEqual({ level: 'mentions_and_dms', muted: [] })
    for (const level of ['all', 'nothing', 'mentions_and_dms', 'all']) {
      const set = await a.browser.postJson('/app/notifications.set', { level })
      expect(set.statusCode, set.body).toBe(200)
      expect(set.json()).toEqual({ level, muted: [] })
    }
    expect((await a.browser.get('/app/notifications.get')).json().level).toBe('all')
    // Someone else's settings are untouched and not visible through theirs.
    expect((await b.browser.get('/app/notifications.get')).json()).toEqual({ level: 'mentions_and_dms', muted: [] })
    await b.browser.postJson('/app/notifications.set', { level: 'nothing' })
    expect((await a.browser.get('/app/notifications.get')).json().level).toBe('all')
  })

  it('refuses unknown levels, extra fields (no way to name another person), missing CSRF and bearer tokens', async () => {
    const a = await person()
    const b = await person()
    for (const body of [{ level: 'loud' }, { level: '' }, { level: 'all\u0000' }, { level: 3 }, {}]) {
      const res = await a.browser.postJson('/app/notifications.set', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error).toMatch(/level/)
    }
    const other = await a.browser.postJson('/app/notifications.set', { level: 'nothing', address: b.address })
    expect(other.statusCode).toBe(400)
    expect((await a.browser.postJson('/app/notifications.set', { level: 'nothing' }, { csrf: false })).statusCode).toBe(403)
    const user = await env.user()
    const pat = await env.personalToken(user)
    const bearer = await env.post('/app/notifications.set', { token: pat, body: { level: 'nothing' } })
    expect([401, 403]).toContain(bearer.statusCode)
    expect((await env.get('/app/notifications.get', { token: pat })).statusCode).toBeGreaterThanOrEqual(401)
    expect((await a.browser.get('/app/notifications.get')).json().level).toBe('mentions_and_dms')
    expect((await b.browser.get('/app/notifications.get')).json().level).toBe('mentions_and_dms')
  })

  it('mutes and unmutes chats the person can read, for that person only', async () => {
    const a = await person()
    const b = await person()
    const group = await env.group({ name: 'Ops', members: [a.address, b.address] })
    const dm = await env.dm(a.address, b.address)

    const muted = await a.browser.postJson('/app/chat.mute', { chat: group.chatAddress, muted: true })
    expect(muted.statusCode, muted.body).toBe(200)
    expect(muted.json()).toEqual({ level: 'mentions_and_dms', muted: [group.chatAddress] })
    // Again: no duplicate. A group id names its chat.
    expect((await a.browser.postJson('/app/chat.mute', { chat: group.address, muted: true })).json().muted).toEqual([group.chatAddress])
    expect((await a.browser.postJson('/app/chat.mute', { chat: dm.address, muted: true })).json().muted).toEqual([group.chatAddress, dm.address])
    expect((await a.browser.get('/app/notifications.get')).json().muted).toEqual([group.chatAddress, dm.address])
    expect((await b.browser.get('/app/notifications.get')).json().muted).toEqual([])

    expect((await a.browser.postJson('/app/chat.mute', { chat: group.chatAddress, muted: false })).json().muted).toEqual([dm.address])
    expect((await a.browser.postJson('/app/chat.mute', { chat: group.chatAddress, muted: false })).json().muted).toEqual([dm.address])
    expect((await a.browser.get('/app/notifications.get')).json()).toEqual({ level: 'mentions_and_dms', muted: [dm.address] })
    expect((await a.browser.postJson('/app/chat.mute', { chat: dm.address, muted: true }, { csrf: false })).statusCode).toBe(403)
  })

  it('refuses malformed chat ids (naming the field), and unknown chats exactly as chats the person cannot read', async () => {
    const a = await person()
    const b = await person()
    const c = await person()
    const secret = await env.group({ name: 'Board', private: true, members: [b.address] })
    const theirs = await env.dm(b.address, c.address)
    const cases: Array<[unknown, number]> = [
      [`C-${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, 403],
      ['C-nope', 400],
      ['U-123', 400],
      [secret.chatAddress, 403],
      [secret.address, 403],
      [theirs.address, 403],
    ]
    for (const [chat, status] of cases) {
      const res = await a.browser.postJson('/app/chat.mute', { chat, muted: true })
      expect(res.statusCode, `${String(chat)}: ${res.body}`).toBe(status)
      if (status === 400) expect(res.json().error).toMatch(/^chat:/)
      else expect(res.json().error).toBe(`${a.address} is not a member of this chat.`)
    }
    for (const body of [{ chat: theirs.address }, { chat: theirs.address, muted: 'yes' }, { muted: true }, { chat: 'C-' + 'a'.repeat(70), muted: true }]) {
      const res = await a.browser.postJson('/app/chat.mute', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error).toMatch(/chat|muted/)
    }
    expect((await a.browser.get('/app/notifications.get')).json().muted).toEqual([])
    expect((await c.browser.get('/app/notifications.get')).json().muted).toEqual([])
  })
})

describe(`unread state across a person's tabs and devices (${dialect})`, () => {
  let env: TestEnv
  const sockets: RealtimeSocket[] = []
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.ws.close()
    await env.close()
  })

  async function person(): Promise<{ browser: Browser; address: string; user: { email: string; password: string } }> {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/app/session')).json().csrfToken
    return { browser, address: `U-${user.id}`, user }
  }

  /** A socket collecting every frame it receives. */
  async function listen(browser: Browser): Promise<{ frames: Frame[]; next(type: string, match?: (p: Record<string, unknown>) => boolean): Promise<Frame> }> {
    const s = openRealtime(await realtimeOrigin(env), cookieOf(browser))
    sockets.push(s)
    const frames: Frame[] = []
    s.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as Frame | string
      if (typeof f === 'object') frames.push(f)
    })
    expect(await s.ready).toBe(true)
    return {
      frames,
      async next(type, match = () => true) {
        for (let i = 0; i < 100; i++) {
          const found = frames.find((f) => f.type === type && match(f.payload))
          if (found) return found
          await new Promise((r) => setTimeout(r, 50))
        }
        throw new Error(`no ${type} frame; got ${frames.map((f) => f.type).join(', ')}`)
      },
    }
  }

  it('tells every socket of the reader (two tabs, another device) that a chat was read, with its unread count; nobody else', async () => {
    const a = await person()
    const b = await person()
    const bLaptop = await env.signedIn(b.user)
    const group = await env.group({ members: [a.address, b.address] })
    const [tab1, tab2, laptop, sender] = [await listen(b.browser), await listen(b.browser), await listen(bLaptop), await listen(a.browser)]

    const first = (await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'one', sync: true })).json().timestamp as number
    const second = (await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'two', sync: true })).json().timestamp as number
    // New messages reach every socket of the reader live, so each tab counts them.
    for (const s of [tab1, tab2, laptop]) {
      await s.next('chat.message.channel', (p) => p.timestamp === second)
      expect(s.frames.filter((f) => f.type === 'chat.message.channel' && f.payload.sender === a.address)).toHaveLength(2)
    }
    expect((await b.browser.get('/app/chats.list')).json().chats[0].unread).toBe(2)

    expect((await b.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: first })).statusCode).toBe(200)
    for (const s of [tab1, tab2, laptop]) {
      expect((await s.next('chat.read')).payload).toEqual({ chat: group.chatAddress, timestamp: first, unread: 1 })
    }
    // Read through a group id: the frame names the chat. Everything read: 0.
    await b.browser.postJson('/app/chat.read', { chat: group.address, timestamp: second })
    for (const s of [tab1, tab2, laptop]) {
      expect((await s.next('chat.read', (p) => p.timestamp === second)).payload).toEqual({ chat: group.chatAddress, timestamp: second, unread: 0 })
    }
    // A marker that does not move says nothing; the sender never hears the reader's reads.
    await b.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: first })
    await a.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: second })
    await sender.next('chat.read')
    await b.browser.postJson('/app/notifications.set', { level: 'all' })
    await tab1.next('notifications.settings.update')
    expect(tab1.frames.filter((f) => f.type === 'chat.read')).toHaveLength(2)
    expect(sender.frames.filter((f) => f.type === 'chat.read')).toHaveLength(1)
    expect(sender.frames.filter((f) => f.type === 'notifications.settings.update')).toHaveLength(0)
  })

  it('refuses read markers beyond the largest exact integer (naming the field) on both dialects', async () => {
    const a = await person()
    const group = await env.group({ members: [a.address] })
    for (const timestamp of [1e19, 2 ** 63, Number.MAX_SAFE_INTEGER + 1]) {
      const res = await a.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().error).toMatch(/timestamp/)
    }
    expect((await a.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: Number.MAX_SAFE_INTEGER })).statusCode).toBe(200)
    expect((await a.browser.get('/app/chats.list')).json().chats[0].unread).toBe(0)
  })

  it('a refused read tells nobody; settings changes reach only the person’s own sockets', async () => {
    const a = await person()
    const b = await person()
    const outsider = await person()
    const group = await env.group({ members: [a.address, b.address] })
    const [bTab, aTab, oTab] = [await listen(b.browser), await listen(a.browser), await listen(outsider.browser)]
    const ts = (await a.browser.postJson('/v0/chat.post', { chat: group.chatAddress, text: 'hi', sync: true })).json().timestamp as number
    expect((await outsider.browser.postJson('/app/chat.read', { chat: group.chatAddress, timestamp: ts })).statusCode).toBe(403)
    await b.browser.postJson('/app/chat.mute', { chat: group.chatAddress, muted: true })
    expect((await bTab.next('notifications.settings.update')).payload).toEqual({ level: 'mentions_and_dms', muted: [group.chatAddress] })
    await outsider.browser.postJson('/app/notifications.set', { level: 'nothing' })
    expect((await oTab.next('notifications.settings.update')).payload).toEqual({ level: 'nothing', muted: [] })
    expect(oTab.frames.filter((f) => f.type === 'chat.read')).toHaveLength(0)
    expect(aTab.frames.filter((f) => f.type === 'notifications.settings.update' || f.type === 'chat.read')).toHaveLength(0)
    expect(bTab.frames.filter((f) => f.type === 'notifications.settings.update')).toHaveLength(1)
  })
})
