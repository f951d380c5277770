import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ROOM_NAME_MAX } from '../src/actions/office.js'
import { RealtimeHub, type RealtimeFrame } from '../src/events/realtime.js'
import { TestEnv, type Browser } from './helpers.js'

describe('office', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => {
    await env.close()
  })

  /** A signed-in browser holding the session's CSRF token (as the web client does). */
  async function person(isAdmin = false): Promise<{ browser: Browser; address: string; email: string }> {
    const user = await env.userWithPassword({ isAdmin })
    const browser = await env.signedIn(user)
    const res = await browser.get('/app/session')
    expect(res.statusCode).toBe(200)
    browser.csrfToken = res.json().csrfToken
    return { browser, address: `U-${user.id}`, email: user.email }
  }

  async function room(admin: Browser, name: string): Promise<{ id: string; number: number }> {
    const res = await admin.postJson('/admin/rooms.create', { name })
    expect(res.statusCode).toBe(200)
    return res.json()
  }

  it('describes the signed-in person and needs a session', async () => {
    const { browser, address, email } = await person()
    const res = await browser.get('/app/session')
    expect(res.json()).toMatchObject({ user: { id: address, email, isAdmin: false, status: 'checkedOut', presence: 'offline' }, org: { name: 'Test Roam' } })
    expect((await env.get('/app/session')).statusCode).toBe(401)
    const token = await env.personalToken(await env.user())
    expect((await env.get('/app/office.info', { token })).statusCode).toBe(403)
  })

  it('lets administrators arrange rooms, and only them', async () => {
    const admin = await person(true)
    const member = await person()
    const a = await room(admin.browser, 'Engineering')
    const b = await room(admin.browser, 'Lounge')
    expect([a.number, b.number]).toEqual([1, 2])
    expect((await member.browser.postJson('/admin/rooms.create', { name: 'Mine' })).statusCode).toBe(403)
    expect((await admin.browser.postJson('/admin/rooms.update', { id: b.id, position: -1 })).json()).toMatchObject({ name: 'Lounge', position: -1 })
    const office = (await member.browser.get('/app/office.info')).json()
    expect(office.rooms.map((r: { name: string }) => r.name)).toEqual(['Lounge', 'Engineering'])
    expect((await admin.browser.postJson('/admin/rooms.delete', { id: a.id })).statusCode).toBe(200)
    expect((await admin.browser.postJson('/admin/rooms.delete', { id: a.id })).statusCode).toBe(404)
    expect((await member.browser.get('/app/office.info')).json().rooms).toHaveLength(1)
  })

  it('limits room names to their length', async () => {
    const admin = await person(true)
    expect((await admin.browser.postJson('/admin/rooms.create', { name: 'x'.repeat(ROOM_NAME_MAX) })).statusCode).toBe(200)
    const over = await admin.browser.postJson('/admin/rooms.create', { name: 'x'.repeat(ROOM_NAME_MAX + 1) })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toMatch(/name/)
    expect((await admin.browser.postJson('/admin/rooms.create', { name: '   ' })).statusCode).toBe(400)
    const group = await admin.browser.postJson('/admin/rooms.create', { name: 'G', group: 'G-00000000-0000-4000-8000-000000000000' })
    expect(group.statusCode).toBe(400)
    expect(group.json().error).toMatch(/^group:/)
  })

  it('records entering and leaving rooms in the audit log as ENTER_ROOM / LEAVE_ROOM', async () => {
    const admin = await person(true)
    const me = await person()
    const a = await room(admin.browser, 'A')
    const b = await room(admin.browser, 'B')
    const entered = await me.browser.postJson('/app/room.enter', { room: a.id })
    expect(entered.statusCode).toBe(200)
    expect(entered.json().people.find((p: { id: string }) => p.id === me.address)).toMatchObject({ room: a.id, presence: 'online' })
    // Entering the same room again changes nothing; moving leaves the first room.
    await me.browser.postJson('/app/room.enter', { room: a.id })
    await me.browser.postJson('/app/room.enter', { room: b.id })
    const left = await me.browser.postJson('/app/room.leave', {})
    expect(left.json().people.find((p: { id: string }) => p.id === me.address).room).toBeNull()
    const rows = await env.db.selectFrom('audit_log').select(['event_type', 'data', 'user_id']).where('event_type', 'in', ['ENTER_ROOM', 'LEAVE_ROOM']).orderBy('created_at').orderBy('event_type').execute()
    const events = rows.map((r) => [r.event_type, JSON.parse(r.data).location.roomId])
    expect(events).toEqual([
      ['ENTER_ROOM', a.number],
      ['ENTER_ROOM', b.number],
      ['LEAVE_ROOM', a.number],
      ['LEAVE_ROOM', b.number],
    ])
    expect(JSON.parse(rows[0]!.data).location).toMatchObject({ kind: 'RoomLocation', positionNumber: 0 })
    expect((await me.browser.postJson('/app/room.enter', { room: 'nope' })).statusCode).toBe(404)
  })

  it('emits user.status.update with the User body on check-in and check-out', async () => {
    const me = await person()
    expect((await me.browser.postJson('/app/status.set', { status: 'checkedIn' })).json()).toEqual({ status: 'checkedIn' })
    await me.browser.postJson('/app/status.set', { status: 'checkedIn' })
    await me.browser.postJson('/app/status.set', { status: 'checkedOut' })
    const events = await env.db.selectFrom('outbox').select(['type', 'payload']).where('type', '=', 'user.status.update').orderBy('seq').execute()
    expect(events.map((e) => JSON.parse(e.payload).status)).toEqual(['checkedIn', 'checkedOut'])
    const body = JSON.parse(events[0]!.payload)
    expect(body).toMatchObject({ id: me.address, email: me.email, status: 'checkedIn' })
    expect(Object.keys(body).sort()).toEqual(['email', 'id', 'isAdmin', 'name', 'status'])
    expect((await me.browser.get('/app/session')).json().user.status).toBe('checkedOut')
    expect((await me.browser.postJson('/app/status.set', { status: 'busy' })).statusCode).toBe(400)
  })

  it('needs the CSRF token for writes made with the session', async () => {
    const me = await person()
    const res = await me.browser.postJson('/app/presence.set', { presence: 'away' }, { csrf: false })
    expect(res.statusCode).toBe(403)
    expect((await me.browser.postJson('/app/presence.set', { presence: 'away' })).json()).toEqual({ presence: 'away' })
  })

  it('pushes committed presence changes to the sockets they concern', async () => {
    const me = await person()
    const hub = new RealtimeHub(env.db, 60_000)
    const frames: RealtimeFrame[] = []
    const other: RealtimeFrame[] = []
    const remove = await hub.add({ orgId: env.org.id, address: 'U-someone', send: (f) => frames.push(f) })
    await hub.add({ orgId: 'another-org', address: 'U-x', send: (f) => other.push(f) })
    await me.browser.postJson('/app/presence.set', { presence: 'away' })
    await hub.poll()
    await hub.poll()
    expect(frames).toEqual([{ type: 'office.presence.update', payload: { user: me.address, presence: 'away', room: null } }])
    expect(other).toEqual([])
    remove()
    await hub.close()
  })

  it('lets the web client call personal v0 methods with the session, as the user', async () => {
    const me = await person()
    const res = await me.browser.get('/v0/token.info')
    expect(res.statusCode).toBe(200)
    expect(res.json().addr).toBe(me.address)
    expect(res.json().scopes).toContain('chat:send_message')
    expect(res.json().scopes).not.toContain('admin:compliance:read')
    // Without a cookie or token it is still 401.
    expect((await env.get('/v0/token.info')).statusCode).toBe(401)
  })

  it("names the organization's apps (their bots) for the web client, with their pictures, and no other organization's", async () => {
    const { browser } = await person()
    const deploy = await env.apiClient({ name: 'Deploy bot' })
    const relay = await env.apiClient({ name: 'Standup' })
    await env.db.updateTable('apps').set({ image_url: 'https://example.com/standup.png' }).where('id', '=', relay.app.id).execute()
    const gone = await env.apiClient({ name: 'Retired' })
    const admin = await person(true)
    expect((await admin.browser.postJson('/admin/clients.delete', { clientId: gone.app.clientId })).statusCode).toBe(200)
    const other = await TestEnv.create()
    try {
      await other.apiClient({ name: 'Elsewhere' })
      const res = await browser.get('/app/office.info')
      expect(res.statusCode).toBe(200)
      const bots = res.json().bots as Array<{ id: string; name: string; imageUrl: string | null }>
      expect(bots).toEqual([
        { id: deploy.bot, name: 'Deploy bot', imageUrl: null },
        { id: relay.bot, name: 'Standup', imageUrl: 'https://example.com/standup.png' },
      ])
      // Entering a room answers the same office, bots included.
      const lounge = await room(admin.browser, 'Lounge')
      expect((await browser.postJson('/app/room.enter', { room: lounge.id })).json().bots).toEqual(bots)
    } finally {
      await other.close()
    }
  })
})
