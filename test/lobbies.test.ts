import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bookSlot, candidateSlots, publicLobby } from '../src/actions/lobbies.js'
import type { User } from '../src/domain.js'
import { microsToIso } from '../src/time.js'
import { contractErrors } from './contract.js'
import { dialect, TestEnv } from './helpers.js'
import { webhookPayloadErrors } from './contract.js'

let env: TestEnv
let admin: { user: User; token: string }
beforeEach(async () => {
  env = await TestEnv.create()
  admin = await env.admin()
})
afterEach(async () => env.close())

const allWeek = [{ days: ['mon-sun'], start: '00:00', end: '24:00' }]

async function lobby(body: Record<string, unknown>) {
  const res = await env.post('/admin/lobbies.create', { token: admin.token, body })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { id: string; handle: string; slug: string; url: string }
}

describe(`lobbies (${dialect})`, () => {
  it('lobby.list lists active lobbies, filters by handle, 404 for an unknown handle', async () => {
    await env.user({ email: 'host@example.com', name: 'Host' })
    const a = await lobby({ handle: 'person', name: 'Default Lobby', host: 'host@example.com', duration: 30 })
    const b = await lobby({ handle: 'person', slug: 'tour', name: 'Tour Lobby', host: 'host@example.com', duration: 45 })
    const c = await lobby({ handle: 'sales', name: 'Sales', host: 'host@example.com', duration: 15 })
    const off = await lobby({ handle: 'sales', slug: 'old', name: 'Old', host: 'host@example.com', duration: 15 })
    expect((await env.post('/admin/lobbies.update', { token: admin.token, body: { id: off.id, active: false } })).json().active).toBe(false)
    const token = (await env.apiClient({ scopes: ['lobby:read'] })).apiKey
    const all = await env.get('/v0/lobby.list', { token })
    expect(all.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/lobby.list', 'get', 200, all.json())).toEqual([])
    expect(all.json().lobbies.map((l: { id: string }) => l.id)).toEqual([a.id, b.id, c.id])
    const person = await env.get('/v0/lobby.list', { token, query: { handle: 'person' } })
    expect(person.json().lobbies).toEqual([
      { id: a.id, slug: '', displayName: 'Default Lobby', active: true, url: `${env.ctx.config.publicUrl}/l/person`, handle: 'person' },
      { id: b.id, slug: 'tour', displayName: 'Tour Lobby', active: true, url: `${env.ctx.config.publicUrl}/l/person/tour`, handle: 'person' },
    ])
    const unknown = await env.get('/v0/lobby.list', { token, query: { handle: 'nobody' } })
    expect(unknown.statusCode).toBe(404)
    expect(contractErrors('chat.json', '/lobby.list', 'get', 404, unknown.json())).toEqual([])
    const personal = await env.get('/v0/lobby.list', { token: await env.personalToken(admin.user) })
    expect(personal.json().error).toBe('access_mode_not_supported')
  })

  it('admin create validates handle, duration edges, time zone, availability and uniqueness', async () => {
    await env.user({ email: 'host@example.com' })
    const create = (body: Record<string, unknown>) =>
      env.post('/admin/lobbies.create', { token: admin.token, body: { handle: 'h1', name: 'N', host: 'host@example.com', duration: 30, ...body } })
    expect((await create({ handle: 'd5', duration: 5 })).statusCode).toBe(200)
    expect((await create({ handle: 'd480', duration: 480 })).statusCode).toBe(200)
    expect((await create({ handle: 'd4', duration: 4 })).json().error).toMatch(/^duration: /)
    expect((await create({ handle: 'd481', duration: 481 })).json().error).toMatch(/^duration: /)
    expect((await create({ handle: 'Bad Handle' })).json().error).toMatch(/^handle: /)
    expect((await create({ timeZone: 'Mars/Olympus' })).json().error).toMatch(/^timeZone: /)
    expect((await create({ host: 'stranger@example.com' })).json().error).toMatch(/^host: /)
    expect((await create({ availability: [{ days: ['mon'], start: '10:00', end: '09:00' }] })).json().error).toMatch(/^availability\/0\/end: /)
    expect((await create({ availability: [{ days: ['funday'], start: '09:00', end: '10:00' }] })).json().error).toMatch(/^availability\/0\/days: /)
    expect((await create({ horizonDays: 90, handle: 'h90' })).statusCode).toBe(200)
    expect((await create({ horizonDays: 91, handle: 'h91' })).json().error).toMatch(/^horizonDays: /)
    expect((await create({})).statusCode).toBe(200)
    const dup = await create({})
    expect(dup.statusCode).toBe(409)
  })

  it('offers slots inside the availability windows in the lobby time zone', async () => {
    await env.user({ email: 'host@example.com' })
    const created = await lobby({
      handle: 'tz',
      name: 'TZ',
      host: 'host@example.com',
      duration: 60,
      timeZone: 'America/New_York',
      horizonDays: 10,
      availability: [{ days: ['mon-fri'], start: '09:00', end: '12:00' }],
    })
    const pub = (await publicLobby(env.ctx, 'tz', ''))!
    expect(pub.lobby.id).toBe(created.id)
    expect(pub.free.length).toBeGreaterThan(0)
    for (const slot of pub.free) {
      const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(slot / 1000))
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) (09|10|11):00$/)
    }
  })

  it('booking a slot: booking with host and invitee, meeting link, lobby.booked event, listed by lobbyBooking.list', async () => {
    const host = await env.user({ email: 'host@example.com', name: 'Alex Doe' })
    const created = await lobby({ handle: 'alex', name: 'Intro', host: 'host@example.com', duration: 30, availability: allWeek })
    const pub = (await publicLobby(env.ctx, 'alex', ''))!
    const slot = pub.free[0]!
    const result = await bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'Sam Smith', email: 'Sam@Example.com', notes: 'Intro call', timeZone: 'Europe/Berlin' })
    expect(result.booking).toMatchObject({
      start: microsToIso(slot),
      end: microsToIso(slot + 30 * 60_000_000),
      status: 'active',
      timeZone: 'Europe/Berlin',
      notes: 'Intro call',
      hosts: [{ name: 'Alex Doe', email: 'host@example.com', isOrganizer: true }],
      invitees: [{ name: 'Sam Smith', email: 'sam@example.com', status: 'invited', isBooker: true }],
    })
    expect(result.booking.meetingLink).toMatch(new RegExp(`^${env.ctx.config.publicUrl}/m/[0-9a-f-]{36}$`))
    // The slot is no longer offered.
    expect((await publicLobby(env.ctx, 'alex', ''))!.free).not.toContain(slot)
    // lobby.booked with the lobby and the booking, routed by lobby id and to the host.
    const rows = await env.db.selectFrom('outbox').selectAll().where('type', '=', 'lobby.booked').execute()
    expect(rows).toHaveLength(1)
    const payload = JSON.parse(rows[0]!.payload)
    expect(webhookPayloadErrors('lobby.booked', payload)).toEqual([])
    expect(payload.lobby).toEqual({ id: created.id, slug: '', displayName: 'Intro', active: true, url: `${env.ctx.config.publicUrl}/l/alex`, handle: 'alex' })
    expect(payload.booking).toEqual(result.booking)
    expect(JSON.parse(rows[0]!.routing)).toEqual({ lobbyId: created.id, addresses: [`U-${host.id}`] })
    // The meeting link exists and is hosted by the lobby's host.
    const token = (await env.apiClient({ scopes: ['lobby:read', 'meetinglink:read'] })).apiKey
    const linkId = result.booking.meetingLink!.split('/').pop()
    const link = await env.post('/v0/meetinglink.info', { token, body: { id: linkId } })
    expect(link.json()).toMatchObject({ host: 'host@example.com', start: microsToIso(slot), end: microsToIso(slot + 30 * 60_000_000) })
    // Future bookings are listed from `after` (the default upper bound `now` applies only without it).
    const list = await env.get('/v0/lobbyBooking.list', { token, query: { lobbyId: created.id, after: '2020-01-01' } })
    expect(list.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/lobbyBooking.list', 'get', 200, list.json())).toEqual([])
    expect(list.json().bookings).toEqual([result.booking])
    expect((await env.get('/v0/lobbyBooking.list', { token, query: { lobbyId: created.id } })).json().bookings).toEqual([])
  })

  it('rejects slots the lobby does not offer and bad guest details', async () => {
    await env.user({ email: 'host@example.com' })
    const created = await lobby({ handle: 'alex', name: 'Intro', host: 'host@example.com', duration: 30, availability: allWeek })
    const slot = (await publicLobby(env.ctx, 'alex', ''))!.free[0]!
    await expect(bookSlot(env.ctx, created.id, { start: microsToIso(slot + 60_000_000), name: 'S', email: 's@example.com' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^start: /) })
    await expect(bookSlot(env.ctx, created.id, { start: '2000-01-01T00:00:00Z', name: 'S', email: 's@example.com' })).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'S', email: 'not-an-email' })).rejects.toMatchObject({ message: expect.stringMatching(/^email: /) })
    await expect(bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'S', email: 's@example.com', notes: 'n'.repeat(2001) })).rejects.toMatchObject({ message: expect.stringMatching(/^notes: /) })
    expect((await bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'S', email: 's@example.com', notes: 'n'.repeat(2000) })).booking.notes).toHaveLength(2000)
  })

  it('two concurrent bookings of the same slot: exactly one succeeds', async () => {
    await env.user({ email: 'host@example.com' })
    const created = await lobby({ handle: 'race', name: 'Race', host: 'host@example.com', duration: 30, availability: allWeek })
    const slot = (await publicLobby(env.ctx, 'race', ''))!.free[1]!
    const results = await Promise.allSettled([
      bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'One', email: 'one@example.com' }),
      bookSlot(env.ctx, created.id, { start: microsToIso(slot), name: 'Two', email: 'two@example.com' }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.reason).toMatchObject({ code: 'conflict', status: 409 })
    expect(await env.db.selectFrom('lobby_bookings').select('id').execute()).toHaveLength(1)
    expect(await env.db.selectFrom('meeting_links').select('id').execute()).toHaveLength(1)
    expect(await env.db.selectFrom('outbox').select('id').where('type', '=', 'lobby.booked').execute()).toHaveLength(1)
  })

  it('lobbyBooking.list pages by slot start, 404 for an unknown lobby', async () => {
    await env.user({ email: 'host@example.com' })
    const created = await lobby({ handle: 'pages', name: 'Pages', host: 'host@example.com', duration: 30, availability: allWeek })
    const free = (await publicLobby(env.ctx, 'pages', ''))!.free
    const starts = free.slice(0, 5)
    for (const [i, s] of starts.entries()) await bookSlot(env.ctx, created.id, { start: microsToIso(s), name: `G${i}`, email: `g${i}@example.com` })
    const token = (await env.apiClient({ scopes: ['lobby:read'] })).apiKey
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 5; i++) {
      const res = await env.get('/v0/lobbyBooking.list', { token, query: { lobbyId: created.id, after: '2020-01-01', limit: 2, cursor } })
      expect(contractErrors('chat.json', '/lobbyBooking.list', 'get', 200, res.json())).toEqual([])
      seen.push(...res.json().bookings.map((b: { start: string }) => b.start))
      cursor = res.json().nextCursor
      if (!cursor) break
    }
    expect(seen).toEqual(starts.map(microsToIso))
    const desc = await env.get('/v0/lobbyBooking.list', { token, query: { lobbyId: created.id, before: '2100-01-01', limit: 100 } })
    expect(desc.json().bookings.map((b: { start: string }) => b.start)).toEqual(starts.map(microsToIso).reverse())
    const missing = await env.get('/v0/lobbyBooking.list', { token, query: { lobbyId: '00000000-0000-4000-8000-000000000000' } })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error).toBe('Lobby not found.')
    expect((await env.get('/v0/lobbyBooking.list', { token })).statusCode).toBe(400)
  })

  it('candidate slots never start in the past', async () => {
    await env.user({ email: 'host@example.com' })
    const created = await lobby({ handle: 'past', name: 'P', host: 'host@example.com', duration: 30, availability: allWeek, horizonDays: 1 })
    const l = (await publicLobby(env.ctx, 'past', ''))!.lobby
    const now = Date.now() * 1000
    for (const s of candidateSlots(l, now)) expect(s).toBeGreaterThan(now)
    void created
  })
})
