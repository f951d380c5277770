import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import { Dispatcher } from '../src/events/dispatcher.js'
import { insertEvent, type EventRouting } from '../src/store/repos/outbox.js'
import { nowMicros } from '../src/time.js'
import { contractErrors, webhookPayloadErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'
import { Receiver, type ScriptedAnswer } from './receiver.js'

const fast = (over: Partial<Config['webhooks']> = {}): Partial<Config> => ({
  allowPrivateUrls: true,
  webhooks: { retrySchedule: [0, 0], disableAfter: 0, timeoutMs: 1000, pollMs: 50, ...over },
})

let env: TestEnv
let receiver: Receiver | undefined

async function startReceiver(script?: (n: number) => ScriptedAnswer): Promise<Receiver> {
  receiver = await Receiver.start(script)
  return receiver
}

afterEach(async () => {
  await receiver?.close()
  receiver = undefined
  await env.close()
})

function message(sender: string, chat: string, extra: Record<string, unknown> = {}) {
  return { type: 'message', contentType: 'text', sender, chat, timestamp: nowMicros(), text: 'hello', ...extra }
}

async function emit(type: string, payload: unknown, routing: EventRouting): Promise<string> {
  return insertEvent(env.db, { orgId: env.org.id, type, payload, routing, createdAt: nowMicros() })
}

async function subscribe(client: { apiKey: string } | string, event: string, url: string, filter?: unknown) {
  const token = typeof client === 'string' ? client : client.apiKey
  const res = await env.post('/v0/webhook.subscribe', { token, body: { event, url, ...(filter === undefined ? {} : { filter }) } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { id: string; event: string; url: string; signingSecret?: string }
}

describe('webhook.subscribe / unsubscribe / list', () => {
  beforeEach(async () => {
    env = await TestEnv.create(fast())
  })

  it('creates a subscription matching the contract and upserts on event + url', async () => {
    const client = await env.apiClient()
    const first = await subscribe(client, 'lobby.booked', 'https://example.com/hooks/lobby', { lobbyId: 'L-1' })
    expect(first).toMatchObject({ event: 'lobby.booked', url: 'https://example.com/hooks/lobby', filter: { lobbyId: 'L-1' }, status: 'active' })
    expect(contractErrors('webhooks.json', '/webhook.subscribe', 'post', 200, first)).toEqual([])
    const again = await subscribe(client, 'lobby:booked', 'https://example.com/hooks/lobby', { lobbyId: 'L-2' })
    expect(again.id).toBe(first.id)
    expect(again).toMatchObject({ filter: { lobbyId: 'L-2' } })
    const list = await env.get('/v0/webhook.list', { token: client.apiKey })
    expect(list.statusCode).toBe(200)
    expect(list.json().webhooks).toEqual([expect.objectContaining({ id: first.id, filter: { lobbyId: 'L-2' } })])
  })

  it('accepts both spellings and stores the dotted name', async () => {
    const client = await env.apiClient()
    const sub = await subscribe(client, 'chat:message:dm', 'https://example.com/a')
    expect(sub.event).toBe('chat.message.dm')
    expect((await subscribe(client, 'chat.message.dm', 'https://example.com/a')).id).toBe(sub.id)
  })

  it('rejects bad input with 400 naming the field', async () => {
    const client = await env.apiClient()
    const post = (body: unknown) => env.post('/v0/webhook.subscribe', { token: client.apiKey, body })
    const cases: Array<[unknown, RegExp]> = [
      [{ event: 'chat.message.dm', url: 'https://example.com/a', filter: {} }, /filter/],
      [{ event: 'chat.message.dm', url: 'https://example.com/a', filter: { codes: ['heart'] } }, /filter\/codes/],
      [{ event: 'chat.message.reaction', url: 'https://example.com/a', filter: { codes: [] } }, /filter\/codes/],
      [{ event: 'lobby.booked', url: 'https://example.com/a', filter: { other: 1 } }, /filter\/other/],
      [{ event: 'chat.message.nope', url: 'https://example.com/a' }, /event/],
      [{ event: 'chat.message.dm', url: 'ftp://example.com/a' }, /url/],
      [{ event: 'chat.message.dm' }, /url/],
      [{ event: 'chat.message.dm', url: `https://example.com/${'a'.repeat(256 - 'https://example.com/'.length)}` }, /url/],
    ]
    for (const [body, field] of cases) {
      const res = await post(body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error).toMatch(field)
    }
    const atLimit = `https://example.com/${'a'.repeat(255 - 'https://example.com/'.length)}`
    expect((await post({ event: 'chat.message.dm', url: atLimit })).statusCode).toBe(200)
    expect((await post({ event: 'chat.message.reaction', url: 'https://example.com/r', filter: { codes: ['heart'] } })).statusCode).toBe(200)
    expect((await post({ event: 'chat.message.dm', url: 'https://example.com/n', filter: null })).statusCode).toBe(200)
  })

  it('needs webhook:write', async () => {
    const client = await env.apiClient({ scopes: ['chat:read'] })
    const res = await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url: 'https://example.com/a' } })
    expect(res.statusCode).toBe(403)
    expect((await env.get('/v0/webhook.list', { token: client.apiKey })).statusCode).toBe(403)
  })

  it('unsubscribes by form field, JSON, query, or url + event; 404 when unknown; DELETE is 405', async () => {
    const client = await env.apiClient()
    const a = await subscribe(client, 'chat.message.dm', 'https://example.com/a')
    const b = await subscribe(client, 'chat.message.dm', 'https://example.com/b')
    const c = await subscribe(client, 'chat.message.dm', 'https://example.com/c')
    const d = await subscribe(client, 'chat.message.dm', 'https://example.com/d')

    const del = await env.inject({ method: 'DELETE', url: `/v0/webhook.unsubscribe?id=${a.id}`, headers: { authorization: `Bearer ${client.apiKey}` } })
    expect(del.statusCode).toBe(405)

    const form = await env.inject({
      method: 'POST',
      url: '/v0/webhook.unsubscribe',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `id=${a.id}`,
    })
    expect(form.statusCode, form.body).toBe(204)
    expect(form.body).toBe('')
    expect((await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: { id: b.id } })).statusCode).toBe(204)
    expect((await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, query: { id: c.id } })).statusCode).toBe(204)
    expect((await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: { url: d.url, event: 'chat:message:dm' } })).statusCode).toBe(204)
    const again = await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: { id: a.id } })
    expect(again.statusCode).toBe(404)
    expect((await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: {} })).statusCode).toBe(400)
    expect((await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: { id: 'nope' } })).statusCode).toBe(400)
    expect((await env.get('/v0/webhook.list', { token: client.apiKey })).json().webhooks).toEqual([])
  })

  it("does not let one app remove another app's subscription", async () => {
    const owner = await env.apiClient()
    const other = await env.apiClient()
    const sub = await subscribe(owner, 'chat.message.dm', 'https://example.com/a')
    expect((await env.post('/v0/webhook.unsubscribe', { token: other.apiKey, body: { id: sub.id } })).statusCode).toBe(404)
    expect((await env.get('/v0/webhook.list', { token: other.apiKey })).json().webhooks).toEqual([])
  })
})

describe('delivery', () => {
  let client: ClientFixture

  beforeEach(async () => {
    env = await TestEnv.create(fast())
    client = await env.apiClient()
  })

  it('delivers a DM to the app bot, signed, with a body matching webhooks.json', async () => {
    const r = await startReceiver()
    await subscribe(client, 'chat.message.dm', r.url())
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, client.bot)
    const payload = message(`U-${user.id}`, dm.address)
    const eventId = await emit('chat.message.dm', payload, { chat: dm.address, addresses: [`U-${user.id}`, client.bot] })
    // Another DM without the bot is not delivered.
    const other = await env.user()
    const dm2 = await env.dm(`U-${user.id}`, `U-${other.id}`)
    await emit('chat.message.dm', message(`U-${user.id}`, dm2.address), { chat: dm2.address, addresses: [`U-${user.id}`, `U-${other.id}`] })

    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    const req = r.requests[0]!
    const body = Receiver.verify(client.signingSecret, req)
    expect(body).toEqual(payload)
    expect(webhookPayloadErrors('chat.message.dm', body)).toEqual([])
    expect(req.headers['content-type']).toBe('application/json')
    const [delivery] = await env.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', eventId).execute()
    expect(req.headers['webhook-id']).toBe(delivery!.id)
    expect(delivery!.status).toBe('delivered')
  })

  it('does not echo the bot its own messages', async () => {
    const r = await startReceiver()
    await subscribe(client, 'chat.message.dm', r.url())
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, client.bot)
    await emit('chat.message.dm', message(client.bot, dm.address), { chat: dm.address })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(0)
  })

  it('delivers channel messages in groups the bot belongs to, and mentions of the bot', async () => {
    const r = await startReceiver()
    await subscribe(client, 'chat.message.channel', r.url('/channel'))
    await subscribe(client, 'chat:message:mention', r.url('/mention'))
    const user = await env.user()
    const member = await env.group({ members: [`U-${user.id}`, client.bot] })
    const outside = await env.group({ members: [`U-${user.id}`] })
    await emit('chat.message.channel', message(`U-${user.id}`, member.chatAddress), { chat: member.chatAddress, group: member.address })
    await emit('chat.message.channel', message(`U-${user.id}`, outside.chatAddress), { chat: outside.chatAddress, group: outside.address })
    const mention = message(`U-${user.id}`, outside.chatAddress, { text: 'hey bot' })
    await emit('chat.message.mention', mention, { chat: outside.chatAddress, group: outside.address, mentions: [client.bot] })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests.map((q) => q.path).sort()).toEqual(['/channel', '/mention'])
    for (const q of r.requests) {
      const body = Receiver.verify(client.signingSecret, q)
      expect(webhookPayloadErrors(q.path === '/channel' ? 'chat.message.channel' : 'chat.message.mention', body)).toEqual([])
    }
  })

  it('filters reactions by code', async () => {
    const r = await startReceiver()
    await subscribe(client, 'chat.message.reaction', r.url(), { codes: ['heart'] })
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, client.bot)
    const reaction = (name: string) => ({ chat: dm.address, timestamp: nowMicros(), name, user: { id: `U-${user.id}`, name: user.name, email: user.email } })
    await emit('chat.message.reaction', reaction('thumbs_up'), { chat: dm.address })
    await emit('chat.message.reaction', reaction('heart'), { chat: dm.address })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    const body = Receiver.verify(client.signingSecret, r.requests[0]!) as { name: string }
    expect(body.name).toBe('heart')
    expect(webhookPayloadErrors('chat.message.reaction', body)).toEqual([])
  })

  it('filters lobby bookings by lobby id', async () => {
    const r = await startReceiver()
    await subscribe(client, 'lobby.booked', r.url(), { lobbyId: 'lobby-a' })
    const booked = (id: string) => ({
      lobby: { id, slug: id, displayName: 'Sales', active: true, url: `https://example.com/${id}` },
      booking: { id: 'b1', start: '2026-03-17T14:00:00Z', end: '2026-03-17T14:30:00Z', status: 'confirmed' },
    })
    await emit('lobby.booked', booked('lobby-b'), { lobbyId: 'lobby-b' })
    await emit('lobby.booked', booked('lobby-a'), { lobbyId: 'lobby-a' })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    const body = Receiver.verify(client.signingSecret, r.requests[0]!)
    expect(body).toMatchObject({ lobby: { id: 'lobby-a' } })
    expect(webhookPayloadErrors('lobby.booked', body)).toEqual([])
  })

  it('removes e-mail addresses unless the grant holds user:read.email', async () => {
    const r = await startReceiver()
    const withEmail = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'webhook:write'] })
    const withoutEmail = await env.apiClient({ scopes: ['user:read', 'webhook:write'] })
    const noUserRead = await env.apiClient({ scopes: ['webhook:write'] })
    await subscribe(withEmail, 'user.status.update', r.url('/with'))
    await subscribe(withoutEmail, 'user.status.update', r.url('/without'))
    await subscribe(noUserRead, 'user.status.update', r.url('/none'))
    const user = await env.user()
    const status = { id: `U-${user.id}`, name: user.name, email: user.email, isAdmin: false, status: 'checkedIn' }
    await emit('user.status.update', status, { addresses: [`U-${user.id}`] })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests.map((q) => q.path).sort()).toEqual(['/with', '/without'])
    const byPath = Object.fromEntries(r.requests.map((q) => [q.path, q]))
    const full = Receiver.verify(withEmail.signingSecret, byPath['/with']!)
    const trimmed = Receiver.verify(withoutEmail.signingSecret, byPath['/without']!)
    expect(full).toEqual(status)
    expect(trimmed).toEqual({ id: status.id, name: status.name, isAdmin: false, status: 'checkedIn' })
    expect(webhookPayloadErrors('user.status.update', full)).toEqual([])
    expect(webhookPayloadErrors('user.status.update', trimmed)).toEqual([])
  })

  it('gates transcript events on transcript:read and hostEmail on user:read.email', async () => {
    const r = await startReceiver()
    const reader = await env.apiClient({ scopes: ['transcript:read', 'webhook:write'] })
    const blind = await env.apiClient({ scopes: ['webhook:write'] })
    await subscribe(reader, 'transcript.started', r.url('/reader'))
    await subscribe(blind, 'transcript.started', r.url('/blind'))
    const started = { id: '5f0c7b1e-3d0a-4a43-9a3e-6f1f3f8a8e01', meetingId: '1c9a1f7e-2b7d-4f0e-8b71-54c0a2d2b8a1', start: '2026-03-17T14:00:00Z', location: 'Room A', hostEmail: 'host@example.com' }
    await emit('transcript.started', started, {})
    await new Dispatcher(env.ctx).drain()
    expect(r.requests.map((q) => q.path)).toEqual(['/reader'])
    const body = Receiver.verify(reader.signingSecret, r.requests[0]!)
    const { hostEmail: _hidden, ...withoutHostEmail } = started
    expect(body).toEqual(withoutHostEmail)
    expect(webhookPayloadErrors('transcript.started', body)).toEqual([])
  })

  it("delivers to the app's static webhook URL without a subscription", async () => {
    const r = await startReceiver()
    const { createApiKeyClient } = await import('../src/actions/clients.js')
    const created = await createApiKeyClient(env.ctx, env.org.id, { name: 'static', scopes: ['chat:read'], webhookUrl: r.url('/static') })
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, `B-${created.app.botId}`)
    await emit('chat.message.dm', message(`U-${user.id}`, dm.address), { chat: dm.address })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    Receiver.verify(created.signingSecret, r.requests[0]!)
    const list = await env.get('/v0/webhook.list', { token: created.apiKey })
    expect(list.statusCode).toBe(403) // webhook:read/write not held
  })

  it('does not deliver events older than the subscription', async () => {
    const r = await startReceiver()
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, client.bot)
    await insertEvent(env.db, { orgId: env.org.id, type: 'chat.message.dm', payload: message(`U-${user.id}`, dm.address), routing: { chat: dm.address }, createdAt: nowMicros() - 60_000_000 })
    await subscribe(client, 'chat.message.dm', r.url())
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(0)
  })
})

describe('personal grants', () => {
  beforeEach(async () => {
    env = await TestEnv.create(fast())
  })

  it('receive only events involving their user, signed with the secret issued on subscribe', async () => {
    const r = await startReceiver()
    const me = await env.user()
    const friend = await env.user()
    const stranger = await env.user()
    const token = await env.personalToken(me)
    const dmSub = await subscribe(token, 'chat.message.dm', r.url('/dm'))
    const chSub = await subscribe(token, 'chat.message.channel', r.url('/channel'))
    expect(dmSub.signingSecret).toMatch(/^whsec_/)
    expect(chSub.signingSecret).toMatch(/^whsec_/)
    expect((await subscribe(token, 'chat.message.dm', r.url('/dm'))).signingSecret).toBeUndefined()

    const mine = await env.dm(`U-${me.id}`, `U-${friend.id}`)
    const theirs = await env.dm(`U-${friend.id}`, `U-${stranger.id}`)
    const group = await env.group({ members: [`U-${me.id}`, `U-${friend.id}`] })
    await emit('chat.message.dm', message(`U-${friend.id}`, mine.address), { chat: mine.address })
    await emit('chat.message.dm', message(`U-${friend.id}`, theirs.address), { chat: theirs.address })
    await emit('chat.message.dm', message(`U-${me.id}`, mine.address), { chat: mine.address })
    await emit('chat.message.channel', message(`U-${friend.id}`, group.chatAddress), { chat: group.chatAddress, group: group.address })
    await emit('chat.message.channel', message(`U-${friend.id}`, group.chatAddress, { text: '@me' }), { chat: group.chatAddress, group: group.address, mentions: [`U-${me.id}`] })
    await new Dispatcher(env.ctx).drain()

    expect(r.requests.map((q) => q.path).sort()).toEqual(['/channel', '/dm'])
    const dmReq = r.requests.find((q) => q.path === '/dm')!
    const chReq = r.requests.find((q) => q.path === '/channel')!
    expect(Receiver.verify(dmSub.signingSecret!, dmReq)).toMatchObject({ chat: mine.address, sender: `U-${friend.id}` })
    expect(Receiver.verify(chSub.signingSecret!, chReq)).toMatchObject({ text: '@me' })
  })

  it('stop when the token is revoked', async () => {
    const r = await startReceiver()
    const me = await env.user()
    const friend = await env.user()
    const token = await env.personalToken(me)
    await subscribe(token, 'chat.message.dm', r.url())
    await env.db.updateTable('credentials').set({ status: 'revoked' }).where('user_id', '=', me.id).execute()
    const dm = await env.dm(`U-${me.id}`, `U-${friend.id}`)
    await emit('chat.message.dm', message(`U-${friend.id}`, dm.address), { chat: dm.address })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(0)
  })
})
