import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveSession, sessionIdOf, setPassword, signIn } from '../src/actions/sessions.js'
import { addUser } from '../src/actions/users.js'
import { SESSION_COOKIE } from '../src/http/auth.js'
import { dialect } from './helpers.js'
import { openRealtime } from './realtime.js'
import { Receiver } from './receiver.js'
import { connectStore, createClient, freshStore, prepareStore, redisUrl, seedGroup, startAtrium, waitFor, type AtriumProcess, type Store } from './servers.js'

/**
 * Two Atrium processes on one PostgreSQL database and one Redis behave as one server. Real
 * processes on 127.0.0.1 ports; PostgreSQL only (SQLite is one process on one machine).
 */

interface Frame {
  type: string
  payload: Record<string, unknown>
}

/** A signed-in browser's realtime socket: every frame it received, in order. */
interface Socket {
  frames: Frame[]
  close(): void
  /** The close code, once the server (or the test) closed the socket. */
  closedWith?: number
}

async function openSocket(p: AtriumProcess, sessionToken: string): Promise<Socket> {
  const opened = openRealtime(`ws://127.0.0.1:${p.port}`, `${SESSION_COOKIE}=${sessionToken}`)
  const frames: Frame[] = []
  opened.ws.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString()) as Frame | string
    if (typeof frame === 'object') frames.push(frame)
  })
  if (!(await opened.ready)) throw new Error(`socket closed before ready (${(await opened.closed).code})`)
  const socket: Socket = { frames, close: () => opened.ws.terminate() }
  void opened.closed.then(({ code }) => (socket.closedWith = code))
  return socket
}

describe.skipIf(dialect !== 'postgres')('scale-out: two processes on PostgreSQL + Redis', () => {
  let store: Store
  let a: AtriumProcess
  let b: AtriumProcess
  let conn: Awaited<ReturnType<typeof connectStore>>
  const procs: AtriumProcess[] = []
  const sockets: Socket[] = []
  const receivers: Receiver[] = []

  beforeAll(async () => {
    store = await freshStore('postgres', 'scale')
    const env = {
      ATRIUM_REDIS_URL: redisUrl,
      // Keys and channel of this run only, so parallel runs sharing the Redis never meet.
      ATRIUM_REDIS_PREFIX: `atrium-test-${randomBytes(6).toString('hex')}`,
      ATRIUM_RATE_LIMIT: 'on',
      ATRIUM_RATE_LIMIT_BURST: '10',
      ATRIUM_RATE_LIMIT_PER_SECOND: '0.01',
      ATRIUM_ALLOW_PRIVATE_URLS: 'true',
      ATRIUM_DISPATCH_INTERVAL_MS: '100',
    }
    await prepareStore(store)
    const started = await Promise.allSettled([startAtrium({ store, env }), startAtrium({ store, env })])
    for (const r of started) if (r.status === 'fulfilled') procs.push(r.value)
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    ;[a, b] = procs as [AtriumProcess, AtriumProcess]
    conn = await connectStore(store)
  }, 400_000)

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close()
    for (const r of receivers.splice(0)) await r.close()
    await conn?.close()
    await Promise.all(procs.splice(0).map((p) => p.stop()))
    await store?.drop()
  }, 60_000)

  const call = (p: AtriumProcess, method: string, token: string, body?: unknown) =>
    fetch(`${p.url}/v0/${method}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  /** A person who is signed in (session cookie value) and a member of `members`' group. */
  async function person(): Promise<{ address: string; email: string; session: string }> {
    const n = randomBytes(4).toString('hex')
    const user = await addUser(conn.ctx, conn.org.id, { email: `p-${n}@example.com`, name: `Person ${n}`, isAdmin: false })
    await setPassword(conn.ctx, conn.org.id, user.id, 'correct horse battery')
    const signed = await signIn(conn.ctx, user.email, 'correct horse battery')
    return { address: `U-${user.id}`, email: user.email, session: signed.sessionToken }
  }

  it('shares one rate-limit budget per credential across processes', async () => {
    const { apiKey } = await createClient(conn.ctx, conn.org.id)
    const tokenInfo = (p: AtriumProcess) => call(p, 'token.info', apiKey)
    const statuses: number[] = []
    // Burst of 10 per credential: 6 through each process is 12 requests against one budget.
    for (let i = 0; i < 6; i++) statuses.push((await tokenInfo(a)).status, (await tokenInfo(b)).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.slice(10)).toEqual([429, 429])
    const limited = await tokenInfo(a)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('shows a message posted through one process in the other one\u2019s history at once', async () => {
    const client = await createClient(conn.ctx, conn.org.id)
    const group = await seedGroup(conn.ctx, conn.org.id, `scale-${randomBytes(3).toString('hex')}`, [client.bot])
    const posted = await call(a, 'chat.post', client.apiKey, { chat: group.chatAddress, text: 'from a', sync: true })
    expect(posted.status).toBe(200)
    const { timestamp } = (await posted.json()) as { timestamp: number }
    const history = await call(b, `chat.history?chat=${group.chatAddress}`, client.apiKey)
    expect(history.status).toBe(200)
    const messages = ((await history.json()) as { messages: Array<{ text: string; timestamp: number; sender: string }> }).messages
    expect(messages.map((m) => ({ text: m.text, timestamp: m.timestamp, sender: m.sender }))).toEqual([{ text: 'from a', timestamp, sender: client.bot }])
  })

  it('delivers each webhook event once per subscription, whichever processes run dispatchers', async () => {
    const poster = await createClient(conn.ctx, conn.org.id)
    const first = await createClient(conn.ctx, conn.org.id)
    const second = await createClient(conn.ctx, conn.org.id)
    const group = await seedGroup(conn.ctx, conn.org.id, `hooks-${randomBytes(3).toString('hex')}`, [poster.bot, first.bot, second.bot])
    const receiver = await Receiver.start()
    receivers.push(receiver)
    // One subscription made through each process; the first listener also subscribes a second URL.
    const subs = [
      { client: first, via: a, url: receiver.url('/first') },
      { client: first, via: b, url: receiver.url('/first-again') },
      { client: second, via: b, url: receiver.url('/second') },
    ]
    for (const s of subs) {
      const res = await call(s.via, 'webhook.subscribe', s.client.apiKey, { event: 'chat.message.channel', url: s.url })
      expect(res.status, await res.clone().text()).toBe(200)
    }
    const timestamps: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await call(i % 2 === 0 ? a : b, 'chat.post', poster.apiKey, { chat: group.chatAddress, text: `event ${i}`, sync: true })
      expect(res.status).toBe(200)
      timestamps.push(((await res.json()) as { timestamp: number }).timestamp)
    }
    const expected = subs.length * timestamps.length
    expect(await waitFor(() => receiver.requests.length >= expected, 60_000)).toBe(true)
    // Both dispatchers keep polling: give a duplicate the time to show up.
    await new Promise((r) => setTimeout(r, 2_000))
    expect(receiver.requests).toHaveLength(expected)
    for (const s of subs) {
      const got = receiver.requests.filter((r) => r.path === new URL(s.url).pathname)
      const bodies = got.map((r) => Receiver.verify(s.client.signingSecret, r) as { timestamp: number; text: string })
      expect(bodies.map((m) => m.timestamp).sort()).toEqual([...timestamps].sort())
      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(timestamps.length)
    }
  })

  it('a /v1 subscription made through one process gets each chat.message version once, enveloped, from posts and edits through either', async () => {
    const poster = await createClient(conn.ctx, conn.org.id)
    const listener = await createClient(conn.ctx, conn.org.id)
    const group = await seedGroup(conn.ctx, conn.org.id, `v1hooks-${randomBytes(3).toString('hex')}`, [poster.bot, listener.bot])
    // The endpoint answers the subscribe-time challenge (2026-07-23), as Roam's clients do.
    const receiver = await Receiver.start((_n, req) => {
      const body = JSON.parse(req.body) as { type?: string; data?: { challenge?: string } }
      return body.type === 'webhook.verification' ? { status: 200, body: JSON.stringify({ challenge: body.data?.challenge }) } : { status: 200 }
    })
    receivers.push(receiver)
    const v1 = (p: AtriumProcess, method: string, token: string, body: unknown) =>
      fetch(`${p.url}/v1/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'roam-version': '2026-07-23' }, body: JSON.stringify(body) })
    const sub = await v1(a, 'webhook.subscribe', listener.apiKey, { event: 'chat.message', url: receiver.url('/v1'), filter: { chatType: 'group' } })
    expect(sub.status, await sub.clone().text()).toBe(200)
    // Subscribing again through the other process is the same subscription.
    const again = await v1(b, 'webhook.subscribe', listener.apiKey, { event: 'chat.message', url: receiver.url('/v1'), filter: { chatType: 'group' } })
    expect(((await again.json()) as { id: string }).id).toBe(((await sub.json()) as { id: string }).id)
    const challenges = receiver.requests.length

    const chatId = group.chatAddress.slice(2)
    const keys: number[] = []
    for (const p of [a, b]) {
      const res = await v1(p, 'chat.post', poster.apiKey, { chatId, text: `from ${p === a ? 'a' : 'b'}`, sync: true })
      expect(res.status).toBe(200)
      keys.push(((await res.json()) as { timestamp: number }).timestamp)
    }
    // Each message edited through the other process.
    expect((await v1(b, 'chat.update', poster.apiKey, { chatId, timestamp: keys[0], text: 'edited via b' })).status).toBe(200)
    expect((await v1(a, 'chat.update', poster.apiKey, { chatId, timestamp: keys[1], text: 'edited via a' })).status).toBe(200)

    const expected = challenges + 4
    expect(await waitFor(() => receiver.requests.length >= expected, 60_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 2_000))
    const got = receiver.requests.slice(challenges)
    expect(got).toHaveLength(4)
    const envelopes = got.map((r) => ({ id: r.headers['webhook-id'], e: Receiver.verify(listener.signingSecret, r) as { type: string; eventId: string; apiVersion: string; data: { timestamp: number; version: number; text: string } } }))
    for (const { id, e } of envelopes) expect(e).toMatchObject({ type: 'chat.message', eventId: id, apiVersion: '2026-07-23' })
    const seen = envelopes.map(({ e }) => [e.data.timestamp, e.data.version, e.data.text])
    expect(seen.sort()).toEqual(
      [
        [keys[0], 1, 'from a'],
        [keys[1], 1, 'from b'],
        [keys[0], 2, 'edited via b'],
        [keys[1], 2, 'edited via a'],
      ].sort(),
    )
  })

  it('tells the reader\u2019s sockets on both processes, once each, that a chat was read through one of them', async () => {
    const client = await createClient(conn.ctx, conn.org.id)
    const reader = await person()
    const group = await seedGroup(conn.ctx, conn.org.id, `read-${randomBytes(3).toString('hex')}`, [client.bot, reader.address])
    const onA = await openSocket(a, reader.session)
    sockets.push(onA)
    const onB = await openSocket(b, reader.session)
    sockets.push(onB)
    const posted = await call(b, 'chat.post', client.apiKey, { chat: group.chatAddress, text: 'unread', sync: true })
    expect(posted.status).toBe(200)
    const { timestamp } = (await posted.json()) as { timestamp: number }

    const cookie = `${SESSION_COOKIE}=${reader.session}`
    const session = await fetch(`${a.url}/app/session`, { headers: { cookie } })
    const cookies = [cookie, ...session.headers.getSetCookie().map((c) => c.split(';')[0]!)].join('; ')
    const { csrfToken } = (await session.json()) as { csrfToken: string }
    const read = await fetch(`${a.url}/app/chat.read`, {
      method: 'POST',
      headers: { cookie: cookies, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ chat: group.chatAddress, timestamp }),
    })
    expect(read.status, await read.clone().text()).toBe(200)
    const reads = (s: Socket) => s.frames.filter((f) => f.type === 'chat.read')
    expect(await waitFor(() => reads(onA).length >= 1 && reads(onB).length >= 1, 20_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 1_000))
    for (const s of [onA, onB]) expect(reads(s).map((f) => f.payload)).toEqual([{ chat: group.chatAddress, timestamp, unread: 0 }])
  })

  it('brings typing through one process to a browser connected to the other, and committed changes once to each', async () => {
    const client = await createClient(conn.ctx, conn.org.id)
    const viewer = await person()
    const outsider = await person()
    const group = await seedGroup(conn.ctx, conn.org.id, `typing-${randomBytes(3).toString('hex')}`, [client.bot, viewer.address])
    const onB = await openSocket(b, viewer.session)
    sockets.push(onB)
    const onA = await openSocket(a, viewer.session)
    sockets.push(onA)
    const outsiderOnB = await openSocket(b, outsider.session)
    sockets.push(outsiderOnB)

    // Typing is never stored: it crosses from process A to process B through Redis.
    const typing = await call(a, 'chat.typing', client.apiKey, { chat: group.chatAddress })
    expect(typing.status).toBe(200)
    const typingFrames = (s: Socket) => s.frames.filter((f) => f.type === 'chat.typing')
    expect(await waitFor(() => typingFrames(onB).length === 1 && typingFrames(onA).length === 1, 20_000)).toBe(true)
    expect(typingFrames(onB)[0]!.payload).toEqual({ chat: group.chatAddress, address: client.bot })

    // A message comes from the shared outbox, which each process tails for its own sockets.
    const posted = await call(b, 'chat.post', client.apiKey, { chat: group.chatAddress, text: 'once', sync: true })
    expect(posted.status).toBe(200)
    const { timestamp } = (await posted.json()) as { timestamp: number }
    const messageFrames = (s: Socket) => s.frames.filter((f) => f.type === 'chat.message.channel' && f.payload.timestamp === timestamp)
    expect(await waitFor(() => messageFrames(onA).length >= 1 && messageFrames(onB).length >= 1, 20_000)).toBe(true)
    const edited = await call(a, 'chat.update', client.apiKey, { chat: group.chatAddress, timestamp, text: 'once, edited' })
    expect(edited.status, await edited.clone().text()).toBe(200)
    const deleted = await call(a, 'chat.delete', client.apiKey, { chat: group.chatAddress, timestamp })
    expect(deleted.status, await deleted.clone().text()).toBe(200)
    const changeFrames = (s: Socket, type: string) => s.frames.filter((f) => f.type === type && f.payload.timestamp === timestamp)
    expect(await waitFor(() => [onA, onB].every((s) => changeFrames(s, 'chat.message.updated').length >= 1 && changeFrames(s, 'chat.message.deleted').length >= 1), 20_000)).toBe(true)
    // Both hubs and the bus keep running: give a duplicate the time to show up.
    await new Promise((r) => setTimeout(r, 1_500))
    for (const s of [onA, onB]) {
      expect(typingFrames(s)).toHaveLength(1)
      expect(messageFrames(s)).toHaveLength(1)
      expect(changeFrames(s, 'chat.message.updated')).toHaveLength(1)
      expect(changeFrames(s, 'chat.message.deleted')).toHaveLength(1)
    }
    // Nothing reaches a person outside the chat.
    expect(typingFrames(outsiderOnB)).toEqual([])
    expect(outsiderOnB.frames.filter((f) => f.type.startsWith('chat.message'))).toEqual([])
  })

  it('shows presence set through one process to a browser on the other, offline only when the last socket on any process closes', async () => {
    const watcher = await person()
    const walker = await person()
    const onA = await openSocket(a, watcher.session)
    sockets.push(onA)
    const onB = await openSocket(b, walker.session)
    sockets.push(onB)
    const presence = (status: string) => onA.frames.filter((f) => f.type === 'office.presence.update' && f.payload.user === walker.address && f.payload.presence === status)
    // Connecting to B made the walker online; A's socket hears of it.
    expect(await waitFor(() => presence('online').length === 1, 20_000)).toBe(true)
    // A second socket of the walker, on A: closing the one on B leaves the walker online.
    const secondOnA = await openSocket(a, walker.session)
    sockets.push(secondOnA)
    onB.close()
    await new Promise((r) => setTimeout(r, 2_000))
    expect(presence('offline')).toEqual([])
    // The last socket closes: offline, heard through the other process too.
    secondOnA.close()
    expect(await waitFor(() => presence('offline').length === 1, 20_000)).toBe(true)
  })

  it('a password reset through one process closes the ended sessions\' sockets on every process, and only those', async () => {
    const walker = await person()
    const user = walker.address.slice(2)
    const kept = await signIn(conn.ctx, walker.email, 'correct horse battery')
    const endedOnB = await openSocket(b, walker.session)
    sockets.push(endedOnB)
    const keptOnA = await openSocket(a, kept.sessionToken)
    sockets.push(keptOnA)
    const keeping = await resolveSession(conn.ctx, kept.sessionToken)
    await setPassword(conn.ctx, conn.org.id, user, 'another horse battery', { keepSessionId: sessionIdOf(keeping!.credential)! })
    expect(await waitFor(() => endedOnB.closedWith === 4401, 20_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 1_000))
    expect(keptOnA.closedWith).toBeUndefined()
  })

  it('serves a file uploaded through one process from the other', async () => {
    const client = await createClient(conn.ctx, conn.org.id)
    const bytes = randomBytes(300_000)
    const uploaded = await fetch(`${a.url}/v0/item.upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="shared.bin"' },
      body: bytes,
    })
    expect(uploaded.status, await uploaded.clone().text()).toBe(200)
    const { id } = (await uploaded.json()) as { id: string }
    const served = await fetch(`${b.url}/items/${id}`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-length')).toBe(String(bytes.length))
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true)
  })
})
