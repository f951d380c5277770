import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { publicLobby } from '../src/actions/lobbies.js'
import type { User } from '../src/domain.js'
import { dialect, TestEnv } from './helpers.js'

let env: TestEnv
let admin: { user: User; token: string }
beforeEach(async () => {
  env = await TestEnv.create()
  admin = await env.admin()
})
afterEach(async () => env.close())

describe(`meeting link and lobby pages (${dialect})`, () => {
  it('a meeting link page shows the name, time and host, escaped', async () => {
    await env.user({ email: 'host@example.com', name: 'Alex <Chen>' })
    const token = (await env.apiClient()).apiKey
    const { id } = (await env.post('/v0/meetinglink.create', { token, body: { name: 'Q1 <Planning>', host: 'host@example.com', start: '2026-02-15T14:00:00Z', end: '2026-02-15T15:00:00Z' } })).json()
    const page = await env.browser().get(`/m/${id}`)
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('Q1 &lt;Planning&gt;')
    expect(page.body).toContain('Alex &lt;Chen&gt;')
    expect(page.body).toContain('Sun, 15 Feb 2026, 14:00 – 15:00 UTC')
    expect(page.body).not.toContain('<Planning>')
    expect((await env.browser().get('/m/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404)
    expect((await env.browser().get('/m/not-a-uuid')).statusCode).toBe(404)
  })

  it('a guest books a free slot through the lobby page: booking, ICS, meeting link, event; the slot disappears', async () => {
    await env.user({ email: 'host@example.com', name: 'Alex Doe' })
    const created = await env.post('/admin/lobbies.create', {
      token: admin.token,
      body: { handle: 'alex', slug: 'intro', name: 'Intro call', host: 'host@example.com', duration: 30, timeZone: 'Europe/Berlin', availability: [{ days: ['mon-sun'], start: '00:00', end: '24:00' }] },
    })
    expect(created.statusCode).toBe(200)
    const browser = env.browser()
    const page = await browser.get('/l/alex/intro')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Intro call')
    expect(page.body).toContain('Alex Doe')
    expect(page.body).toContain('Europe/Berlin')
    const slots = [...page.body.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]!)
    expect(slots.length).toBeGreaterThan(10)
    const res = await browser.submit('/l/alex/intro', { start: slots[0]!, name: 'Sam Smith', email: 'sam@example.com', notes: 'Hello' })
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303)
    const location = res.headers.location as string
    expect(location).toMatch(/^\/bookings\/[0-9a-f-]{36}$/)
    const confirmation = await browser.get(location)
    expect(confirmation.statusCode).toBe(200)
    expect(confirmation.body).toContain('Intro call')
    expect(confirmation.body).toMatch(/href="http:\/\/[^"]+\/m\/[0-9a-f-]{36}"/)
    const ics = await browser.get(`${location}/invite.ics`)
    expect(ics.statusCode).toBe(200)
    expect(ics.headers['content-type']).toMatch(/^text\/calendar/)
    expect(ics.body).toContain('BEGIN:VEVENT')
    expect(ics.body).toContain(`DTSTART:${slots[0]!.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`)
    expect(ics.body).toMatch(/ORGANIZER;CN="?Alex Doe"?:mailto:host@example.com/i)
    expect(ics.body).toContain('sam@example.com')
    // The booked slot is no longer offered; booking it again is refused with the page and a message.
    const again = await browser.get('/l/alex/intro')
    expect(again.body).not.toContain(`value="${slots[0]}"`)
    const second = await browser.submit('/l/alex/intro', { start: slots[0]!, name: 'Late', email: 'late@example.com' })
    expect(second.statusCode).toBe(409)
    expect(second.body).toContain('just been booked')
    const rows = await env.db.selectFrom('outbox').select('type').where('type', '=', 'lobby.booked').execute()
    expect(rows).toHaveLength(1)
    expect((await env.browser().get(`/bookings/00000000-0000-4000-8000-000000000000/invite.ics`)).statusCode).toBe(404)
  })

  it('the booking form needs the page CSRF token, and bad details come back with the error', async () => {
    await env.user({ email: 'host@example.com' })
    await env.post('/admin/lobbies.create', { token: admin.token, body: { handle: 'h1', name: 'N', host: 'host@example.com', duration: 30, availability: [{ days: ['mon-sun'], start: '00:00', end: '24:00' }] } })
    const free = (await publicLobby(env.ctx, 'h1', ''))!.free
    const start = new Date(free[0]! / 1000).toISOString()
    const forged = await env.browser().submit('/l/h1', { start, name: 'X', email: 'x@example.com', _csrf: 'forged' })
    expect(forged.statusCode).toBe(403)
    const browser = env.browser()
    await browser.get('/l/h1')
    const bad = await browser.submit('/l/h1', { start, name: 'X', email: 'nope' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('email: must be an email address')
    expect(bad.body).toContain('value="X"')
    expect(await env.db.selectFrom('lobby_bookings').select('id').execute()).toEqual([])
    expect((await env.browser().get('/l/nobody')).statusCode).toBe(404)
  })
})
