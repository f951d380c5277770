import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contractErrors } from './contract.js'
import { dialect, TestEnv } from './helpers.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => env.close())

describe(`meeting links (${dialect})`, () => {
  it('organization tokens create a link for a named host; info returns it; the public page shows it', async () => {
    const host = await env.user({ email: 'alex.chen@example.com', name: 'Alex Chen' })
    const token = (await env.apiClient({ scopes: ['meetinglink:write', 'meetinglink:read'] })).apiKey
    const res = await env.post('/v0/meetinglink.create', {
      token,
      body: { name: 'Q1 Planning Session', host: 'Alex.Chen@example.com', start: '2026-02-15T15:00:00+01:00', end: '2026-02-15T15:00:00Z' },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(contractErrors('chat.json', '/meetinglink.create', 'post', 200, res.json())).toEqual([])
    const { id, url } = res.json()
    expect(url).toBe(`${env.ctx.config.publicUrl}/m/${id}`)
    const info = await env.post('/v0/meetinglink.info', { token, body: { id } })
    expect(info.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/meetinglink.info', 'post', 200, info.json())).toEqual([])
    expect(info.json()).toEqual({ id, name: 'Q1 Planning Session', host: 'alex.chen@example.com', start: '2026-02-15T14:00:00Z', end: '2026-02-15T15:00:00Z', url })
    void host
  })

  it('organization tokens must name a member as host', async () => {
    const token = (await env.apiClient({ scopes: ['meeting:write'] })).apiKey
    const missing = await env.post('/v0/meetinglink.create', { token, body: { name: 'x' } })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error).toMatch(/^host: /)
    const stranger = await env.post('/v0/meetinglink.create', { token, body: { name: 'x', host: 'nobody@example.com' } })
    expect(stranger.statusCode).toBe(400)
    expect(stranger.json().error).toMatch(/^host: /)
  })

  it('personal tokens host their own links and cannot name someone else', async () => {
    const me = await env.user({ email: 'me@example.com' })
    await env.user({ email: 'you@example.com' })
    const token = await env.personalToken(me, ['meetinglink:write'])
    const own = await env.post('/v0/meetinglink.create', { token, body: { name: 'Mine' } })
    expect(own.statusCode).toBe(200)
    const explicit = await env.post('/v0/meetinglink.create', { token, body: { name: 'Mine too', host: 'ME@example.com' } })
    expect(explicit.statusCode).toBe(200)
    const foreign = await env.post('/v0/meetinglink.create', { token, body: { name: 'Yours', host: 'you@example.com' } })
    expect(foreign.statusCode).toBe(403)
    expect(foreign.json().error).toMatch(/^host: /)
    const org = (await env.apiClient({ scopes: ['meetinglink:read'] })).apiKey
    expect((await env.post('/v0/meetinglink.info', { token: org, body: { id: own.json().id } })).json().host).toBe('me@example.com')
    // info and update are organization-only.
    const personalAll = await env.personalToken(me)
    expect((await env.post('/v0/meetinglink.info', { token: personalAll, body: { id: own.json().id } })).json().error).toBe('access_mode_not_supported')
    expect((await env.post('/v0/meetinglink.update', { token: personalAll, body: { id: own.json().id, name: 'x' } })).statusCode).toBe(403)
  })

  it('update: 204, keeps omitted times, clears empty ones, refuses a host change', async () => {
    await env.user({ email: 'host@example.com' })
    await env.user({ email: 'other@example.com' })
    const token = (await env.apiClient()).apiKey
    const { id } = (await env.post('/v0/meetinglink.create', { token, body: { name: 'Sync', host: 'host@example.com', start: '2026-02-15T14:00:00Z', end: '2026-02-15T15:00:00Z' } })).json()
    const upd = await env.post('/v0/meetinglink.update', { token, body: { id, name: 'Sync (moved)', end: '2026-02-15T16:00:00Z' } })
    expect(upd.statusCode).toBe(204)
    expect(upd.body).toBe('')
    expect((await env.post('/v0/meetinglink.info', { token, body: { id } })).json()).toMatchObject({ name: 'Sync (moved)', start: '2026-02-15T14:00:00Z', end: '2026-02-15T16:00:00Z' })
    expect((await env.post('/v0/meetinglink.update', { token, body: { id, name: 'Sync', host: 'host@example.com', start: '' } })).statusCode).toBe(204)
    expect((await env.post('/v0/meetinglink.update', { token, body: { id, name: 'Sync', host: '' } })).statusCode).toBe(204)
    const info = (await env.post('/v0/meetinglink.info', { token, body: { id } })).json()
    expect(info.start).toBeUndefined()
    const change = await env.post('/v0/meetinglink.update', { token, body: { id, name: 'Sync', host: 'other@example.com' } })
    expect(change.statusCode).toBe(400)
    expect(change.json().error).toMatch(/^host: /)
    const order = await env.post('/v0/meetinglink.update', { token, body: { id, name: 'Sync', start: '2026-02-15T17:00:00Z' } })
    expect(order.statusCode).toBe(400)
    expect(order.json().error).toMatch(/^end: /)
    expect((await env.post('/v0/meetinglink.info', { token, body: { id } })).json().host).toBe('host@example.com')
  })

  it('unknown link is 404; name is 1 to 200 characters; info is POST only', async () => {
    await env.user({ email: 'host@example.com' })
    const token = (await env.apiClient()).apiKey
    expect((await env.post('/v0/meetinglink.info', { token, body: { id: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404)
    expect((await env.post('/v0/meetinglink.update', { token, body: { id: '00000000-0000-4000-8000-000000000000', name: 'x' } })).statusCode).toBe(404)
    expect((await env.post('/v0/meetinglink.create', { token, body: { name: 'n'.repeat(200), host: 'host@example.com' } })).statusCode).toBe(200)
    expect((await env.post('/v0/meetinglink.create', { token, body: { name: 'n'.repeat(201), host: 'host@example.com' } })).statusCode).toBe(400)
    expect((await env.post('/v0/meetinglink.create', { token, body: { name: 'x', host: 'host@example.com', start: 'tomorrow' } })).json().error).toMatch(/^start: /)
    expect((await env.get('/v0/meetinglink.info', { token, query: { id: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(405)
  })

  it('scopes: create takes meeting:write or meetinglink:write', async () => {
    await env.user({ email: 'host@example.com' })
    const a = (await env.apiClient({ scopes: ['meeting:write'] })).apiKey
    const b = (await env.apiClient({ scopes: ['meetinglink:write'] })).apiKey
    const c = (await env.apiClient({ scopes: ['meetinglink:read'] })).apiKey
    expect((await env.post('/v0/meetinglink.create', { token: a, body: { name: 'x', host: 'host@example.com' } })).statusCode).toBe(200)
    expect((await env.post('/v0/meetinglink.create', { token: b, body: { name: 'x', host: 'host@example.com' } })).statusCode).toBe(200)
    expect((await env.post('/v0/meetinglink.create', { token: c, body: { name: 'x', host: 'host@example.com' } })).statusCode).toBe(403)
  })
})
