import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setPassword } from '../src/actions/sessions.js'
import { TestEnv } from './helpers.js'

/** `josé@example.com` with é as one code point (NFC) and as e + U+0301 (NFD). */
const composed = 'jos\u00e9@example.com'
const decomposed = 'jose\u0301@example.com'

describe('one account per email address: NFC and any letter case', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('creating an address that differs only in case or Unicode form is a conflict (admin API and SCIM)', async () => {
    const admin = await env.admin()
    const first = await env.post('/admin/users.create', { token: admin.token, body: { email: 'Ann@x.io', name: 'Ann' } })
    expect(first.statusCode, first.body).toBe(200)
    expect(first.json().user.email).toBe('ann@x.io')
    const again = await env.post('/admin/users.create', { token: admin.token, body: { email: 'ann@X.IO', name: 'Ann again' } })
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toMatch(/^email: /)

    const jose = await env.post('/admin/users.create', { token: admin.token, body: { email: decomposed.toUpperCase(), name: 'José' } })
    expect(jose.statusCode, jose.body).toBe(200)
    expect(jose.json().user.email).toBe(composed)
    const twin = await env.post('/admin/users.create', { token: admin.token, body: { email: composed, name: 'José twin' } })
    expect(twin.statusCode).toBe(409)

    const scim = (await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:write'] })).apiKey
    const scimUser = (email: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email, name: { givenName: 'J', familyName: 'S' }, emails: [{ value: email, primary: true }] })
    const viaScim = await env.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' }, payload: JSON.stringify(scimUser(decomposed)) })
    expect(viaScim.statusCode).toBe(409)
    expect(viaScim.json().scimType).toBe('uniqueness')
    // The primary email may be written in another form of the same address.
    const mixed = { ...scimUser('Zoe\u0301@x.io'), emails: [{ value: 'zo\u00e9@X.io', primary: true }] }
    const created = await env.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' }, payload: JSON.stringify(mixed) })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json().userName).toBe('zo\u00e9@x.io')

    const rows = await env.db.selectFrom('users').select('email').where('org_id', '=', env.org.id).execute()
    expect(rows.map((r) => r.email).filter((e) => e !== admin.user.email).sort()).toEqual(['ann@x.io', composed, 'zo\u00e9@x.io'].sort())
  })

  it('signs in with any casing or Unicode form of the address', async () => {
    const user = await env.user({ email: composed })
    await setPassword(env.ctx, env.org.id, user.id, 'correct horse battery')
    for (const email of [composed, decomposed, decomposed.toUpperCase(), ` ${composed.toUpperCase()} `]) {
      const browser = env.browser()
      await browser.get('/login')
      const res = await browser.submit('/login', { email, password: 'correct horse battery' })
      expect(res.statusCode, email).toBe(303)
    }
  })

  it('finds the person by any form of the address: user.lookup, SCIM filters, meeting links, lobbies, group members', async () => {
    const user = await env.user({ email: composed, name: 'José' })
    const token = (await env.apiClient()).apiKey
    const lookup = await env.get('/v0/user.lookup', { token, query: { email: decomposed.toUpperCase() } })
    expect(lookup.statusCode, lookup.body).toBe(200)
    expect(lookup.json().id).toBe(`U-${user.id}`)

    const filtered = await env.get('/scim/v2/Users', { token, query: { filter: `userName eq "${decomposed.toUpperCase()}"` } })
    expect(filtered.statusCode, filtered.body).toBe(200)
    expect(filtered.json().totalResults).toBe(1)

    const link = await env.post('/v0/meetinglink.create', { token, body: { name: 'Sync', host: decomposed } })
    expect(link.statusCode, link.body).toBe(200)
    const info = await env.post('/v0/meetinglink.info', { token, body: { id: link.json().id } })
    expect(info.json().host).toBe(composed)
    const unchanged = await env.post('/v0/meetinglink.update', { token, body: { id: link.json().id, host: decomposed.toUpperCase(), name: 'Sync 2' } })
    expect(unchanged.statusCode, unchanged.body).toBeLessThan(300)

    const admin = await env.admin()
    const lobby = await env.post('/admin/lobbies.create', { token: admin.token, body: { handle: 'jose', name: 'Talk', host: decomposed, duration: 30 } })
    expect(lobby.statusCode, lobby.body).toBe(200)

    const group = await env.post('/v0/group.create', { token, body: { name: 'g-nfc', members: [decomposed.toUpperCase()] } })
    expect(group.statusCode, group.body).toBe(200)
    const members = await env.get('/v0/group.members', { token, query: { group: group.json().id } })
    expect(members.statusCode, members.body).toBe(200)
    expect(JSON.stringify(members.json())).toContain(user.id)
  })
})

describe('impossible dates are 400, never rolled over', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  const impossible = ['2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-02-30T10:00:00Z', '2026-02-28T24:00:00Z', '2026-02-28T23:60:00Z', '2026-02-28T10:00:00+24:00']

  it.each(impossible)('%s', async (value) => {
    const token = (await env.apiClient()).apiKey
    const audit = await env.get('/v0/userauditlog.list', { token, query: { date: value } })
    expect(audit.statusCode).toBe(400)
    expect(audit.json().error).toMatch(/^date: /)
    for (const field of ['after', 'before']) {
      const res = await env.get('/v0/meeting.list', { token, query: { [field]: value } })
      expect(res.statusCode, `${field}=${value}`).toBe(400)
      expect(res.json().error).toMatch(new RegExp(`^${field}: `))
    }
    await env.user({ email: 'host@example.com' })
    const link = await env.post('/v0/meetinglink.create', { token, body: { name: 'x', host: 'host@example.com', start: value } })
    expect(link.statusCode).toBe(400)
    expect(link.json().error).toMatch(/^start: /)
  })

  it('real dates at the edges are accepted: a leap day, the last day of a month, an offset', async () => {
    const token = (await env.apiClient()).apiKey
    for (const date of ['2024-02-29', '2026-04-30', '2026-12-31', '2026-02-28T23:59:59.999999-23:59']) {
      expect((await env.get('/v0/userauditlog.list', { token, query: { date } })).statusCode, date).toBe(200)
      expect((await env.get('/v0/meeting.list', { token, query: { after: date } })).statusCode, date).toBe(200)
    }
  })
})
