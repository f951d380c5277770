import { afterEach, describe, expect, it } from 'vitest'
import { createSigninLink } from '../src/actions/sessions.js'
import { purgeExpiredSignins, Sweeper, sweepUnattachedItems, UNATTACHED_ITEM_TTL_MICROS } from '../src/actions/sweeps.js'
import { loadConfig, type LimitsConfig } from '../src/config.js'
import { storageOf } from '../src/actions/items.js'
import { nowMicros } from '../src/time.js'
import { dialect, TestEnv } from './helpers.js'
import { cookieOf, openRealtime, realtimeOrigin } from './realtime.js'

/**
 * Per-person and per-organization limits: realtime sockets per person, stored upload bytes per
 * uploader and per organization, and the sweeps that delete unattached uploads and expired
 * sign-ins (tested directly, with the time passed in).
 */

const defaults = loadConfig({}).limits
let env: TestEnv | undefined

async function world(limits: Partial<LimitsConfig> = {}): Promise<TestEnv> {
  env = await TestEnv.create({ limits: { ...defaults, ...limits } })
  return env
}
afterEach(async () => {
  await env?.close()
  env = undefined
})

const HOUR = 3600 * 1_000_000

describe(`realtime sockets per person (${dialect})`, () => {
  it('accepts up to ATRIUM_MAX_SOCKETS_PER_USER sockets per person and refuses more with close code 1008 and a reason; a closed socket frees its place', async () => {
    const e = await world({ maxSocketsPerUser: 3 })
    const base = await realtimeOrigin(e)
    const alice = await e.signedIn(await e.userWithPassword())
    const bob = await e.signedIn(await e.userWithPassword())

    const held = [0, 1, 2].map(() => openRealtime(base, cookieOf(alice)))
    expect(await Promise.all(held.map((s) => s.ready))).toEqual([true, true, true])

    const excess = openRealtime(base, cookieOf(alice))
    expect(await excess.ready).toBe(false)
    const refused = await excess.closed
    expect(refused.code).toBe(1008)
    expect(refused.reason).toMatch(/too many realtime connections: at most 3 per person \(ATRIUM_MAX_SOCKETS_PER_USER\)/)

    // Another person is not affected.
    const other = openRealtime(base, cookieOf(bob))
    expect(await other.ready).toBe(true)

    held[0]!.ws.close()
    await held[0]!.closed
    const again = openRealtime(base, cookieOf(alice))
    expect(await again.ready).toBe(true)
    for (const s of [...held, other, again]) s.ws.close()
    await Promise.all([...held, other, again].map((s) => s.closed))
  })
})

describe(`realtime sockets and the request time limits (${dialect})`, () => {
  it('an open realtime socket is not cut by the header or request time limit', async () => {
    const e = await world({ headersTimeoutMs: 300, requestTimeoutMs: 600 })
    const base = await realtimeOrigin(e)
    const s = openRealtime(base, cookieOf(await e.signedIn(await e.userWithPassword())))
    expect(await s.ready).toBe(true)
    let closed = false
    void s.closed.then(() => (closed = true))
    await new Promise((r) => setTimeout(r, 2000))
    expect(closed).toBe(false)
    const pong = new Promise<string>((resolve) => s.ws.on('message', (raw) => resolve(raw.toString())))
    s.ws.send('"ping"')
    expect(await pong).toBe('"pong"')
    s.ws.close()
    await s.closed
  })
})

describe(`upload quotas (${dialect})`, () => {
  const upload = (e: TestEnv, token: string, size: number, name = 'f.bin') =>
    e.inject({
      method: 'POST',
      url: '/v0/item.upload',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` },
      payload: Buffer.alloc(size, 1),
    })

  const storedItems = async (e: TestEnv) => e.db.selectFrom('items').select(['id', 'uploader', 'size']).execute()

  it('an uploader may store up to ATRIUM_UPLOAD_QUOTA_USER_BYTES; one byte more is 413 quota_exceeded and nothing is stored', async () => {
    const e = await world({ uploadQuotaUserBytes: 1000, uploadQuotaOrgBytes: 0 })
    const client = await e.apiClient()
    expect((await upload(e, client.apiKey, 600)).statusCode).toBe(200)
    const full = await upload(e, client.apiKey, 400)
    expect(full.statusCode, full.body).toBe(200)
    const over = await upload(e, client.apiKey, 1, 'over.bin')
    expect(over.statusCode).toBe(413)
    expect(over.json()).toEqual({ code: 'quota_exceeded', error: expect.stringMatching(/quota of 1000 bytes \(ATRIUM_UPLOAD_QUOTA_USER_BYTES\)/) })
    expect((await storedItems(e)).map((i) => Number(i.size)).sort((a, b) => a - b)).toEqual([400, 600])

    // Another uploader has a quota of their own: a signed-in person through /app/item.upload.
    const browser = await e.signedIn(await e.userWithPassword())
    browser.csrfToken = (await browser.get('/app/session')).json().csrfToken
    const mine = await browser.postBytes('/app/item.upload', Buffer.alloc(1000, 2), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="mine.bin"' })
    expect(mine.statusCode, mine.body).toBe(200)
    const more = await browser.postBytes('/app/item.upload', Buffer.alloc(10, 2), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="more.bin"' })
    expect(more.statusCode).toBe(413)
    expect(more.json().code).toBe('quota_exceeded')
    expect(await storedItems(e)).toHaveLength(3)
  })

  it('the organization may store up to ATRIUM_UPLOAD_QUOTA_ORG_BYTES across all uploaders', async () => {
    const e = await world({ uploadQuotaUserBytes: 0, uploadQuotaOrgBytes: 2000 })
    const [a, b] = [await e.apiClient(), await e.apiClient()]
    expect((await upload(e, a.apiKey, 1200)).statusCode).toBe(200)
    expect((await upload(e, b.apiKey, 800)).statusCode).toBe(200)
    const over = await upload(e, b.apiKey, 1)
    expect(over.statusCode).toBe(413)
    expect(over.json()).toEqual({ code: 'quota_exceeded', error: expect.stringMatching(/ATRIUM_UPLOAD_QUOTA_ORG_BYTES/) })
    expect(await storedItems(e)).toHaveLength(2)
  })

  it('concurrent uploads cannot together exceed the quota', async () => {
    const e = await world({ uploadQuotaUserBytes: 1000, uploadQuotaOrgBytes: 0 })
    const client = await e.apiClient()
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(e, client.apiKey, 300, `c${i}.bin`)))
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(3)
    expect(results.filter((r) => r.statusCode === 413)).toHaveLength(3)
    const total = (await storedItems(e)).reduce((sum, i) => sum + Number(i.size), 0)
    expect(total).toBe(900)
  })
})

describe(`sweeps (${dialect})`, () => {
  it('deletes uploads never attached to a message once they are a day old, bytes included; attached ones stay', async () => {
    const e = await world()
    const client = await e.apiClient()
    const group = await e.group({ members: [client.bot] })
    const up = async () => {
      const res = await e.inject({
        method: 'POST',
        url: '/v0/item.upload',
        headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="a.bin"' },
        payload: Buffer.from('hello'),
      })
      expect(res.statusCode, res.body).toBe(200)
      return res.json() as { id: string; url: string }
    }
    const attached = await up()
    const loose = await up()
    const posted = await e.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: 'file', items: [attached.id] } })
    expect(posted.statusCode, posted.body).toBe(200)
    const storage = storageOf(e.ctx)
    const now = nowMicros()

    expect(await sweepUnattachedItems(e.ctx, now + UNATTACHED_ITEM_TTL_MICROS - HOUR)).toBe(0)
    expect(await storage.get(loose.id)).toBeDefined()

    // Two processes sweeping at the same moment delete it once.
    const counts = await Promise.all([sweepUnattachedItems(e.ctx, now + UNATTACHED_ITEM_TTL_MICROS + HOUR), sweepUnattachedItems(e.ctx, now + UNATTACHED_ITEM_TTL_MICROS + HOUR)])
    expect(counts[0]! + counts[1]!).toBe(1)
    expect(await storage.get(loose.id)).toBeUndefined()
    expect((await e.inject({ method: 'GET', url: new URL(loose.url).pathname })).statusCode).toBe(404)
    expect(await storage.get(attached.id)).toEqual(Buffer.from('hello'))
    expect((await e.inject({ method: 'GET', url: new URL(attached.url).pathname })).statusCode).toBe(200)
    expect((await e.db.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([attached.id])
  })

  it('purges expired sessions and sign-in links; live ones keep working', async () => {
    const e = await world()
    const user = await e.userWithPassword()
    const browser = await e.signedIn(user)
    await createSigninLink(e.ctx, e.org.id, user.id)
    const now = nowMicros()
    expect(await purgeExpiredSignins(e.ctx, now)).toEqual({ sessions: 0, signinLinks: 0 })
    expect((await browser.get('/app/session')).statusCode).toBe(200)

    const later = now + 30 * 24 * HOUR
    expect(await purgeExpiredSignins(e.ctx, later)).toEqual({ sessions: 1, signinLinks: 1 })
    expect(await e.db.selectFrom('sessions').select('id').execute()).toEqual([])
    expect(await e.db.selectFrom('signin_links').select('id').execute()).toEqual([])
    // Both calls at once (several processes) neither fail nor find anything more.
    expect(await Promise.all([purgeExpiredSignins(e.ctx, later), purgeExpiredSignins(e.ctx, later)])).toEqual([
      { sessions: 0, signinLinks: 0 },
      { sessions: 0, signinLinks: 0 },
    ])
  })

  it('the server sweeper runs the sweeps on its timer until stopped', async () => {
    const e = await world({ sweepIntervalMs: 1000 })
    const user = await e.userWithPassword()
    await e.db.insertInto('sessions').values({ id: 'expired-session', org_id: e.org.id, user_id: user.id, created_at: 1, expires_at: 2 }).execute()
    const sweeper = new Sweeper(e.ctx)
    sweeper.start()
    try {
      const deadline = Date.now() + 10_000
      while ((await e.db.selectFrom('sessions').select('id').execute()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(await e.db.selectFrom('sessions').select('id').execute()).toEqual([])
    } finally {
      await sweeper.stop()
    }
  })
})
