import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { User } from '../src/domain.js'
import type { Config } from '../src/config.js'
import { Dispatcher } from '../src/events/dispatcher.js'
import { cliHarness } from './cli-harness.js'
import { TestEnv } from './helpers.js'
import { Receiver, type ReceivedRequest, type ScriptedAnswer } from './receiver.js'

/**
 * Roam's /v1 webhooks through the API: subscriptions, /v1 event names and filters, the
 * chat.message audience and versions, dated wire formats, the subscribe-time challenge, the
 * per-client version pin and the meeting events. Deliveries go to real HTTP receivers and are
 * verified with the standardwebhooks package.
 */

const fast = (over: Partial<Config['webhooks']> = {}): Partial<Config> => ({
  allowPrivateUrls: true,
  webhooks: { retrySchedule: [0, 0], disableAfter: 0, timeoutMs: 1000, pollMs: 50, ...over },
})

const BASELINE = '2026-06-01'
const ENVELOPE = '2026-07-07'
const CHALLENGE = '2026-07-23'

let env: TestEnv
const receivers: Receiver[] = []

async function receiver(script?: (n: number, req: ReceivedRequest) => ScriptedAnswer): Promise<Receiver> {
  const r = await Receiver.start(script)
  receivers.push(r)
  return r
}

beforeEach(async () => {
  env = await TestEnv.create(fast())
})

afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
  await env.close()
})

interface Sub {
  id: string
  event: string
  url: string
  filter?: Record<string, unknown>
  apiVersion?: string
  signingSecret?: string
}

function subscribeRaw(token: string, body: unknown, headers: Record<string, string> = {}) {
  return env.post('/v1/webhook.subscribe', { token, body, headers })
}

async function subscribe(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Sub> {
  const res = await subscribeRaw(token, { apiVersion: BASELINE, ...body }, headers)
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as Sub
}

async function list(token: string): Promise<Sub[]> {
  const res = await env.get('/v1/webhook.list', { token })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().webhooks as Sub[]
}

function expectV1Error(res: { statusCode: number; json: () => unknown }, status: number, message: RegExp) {
  expect(res.statusCode).toBe(status)
  const body = res.json() as { ok: boolean; error: string; message: string }
  expect(body.ok).toBe(false)
  expect(body.error).toBe(status === 400 ? 'invalid_arguments' : body.error)
  expect(body.message).toMatch(message)
}

async function drain() {
  await new Dispatcher(env.ctx).drain()
}

/** Posts as the token's owner; returns the message key. */
async function post(token: string, chat: string, text: string): Promise<number> {
  const res = await env.post('/v0/chat.post', { token, body: { chat, text, sync: true } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().timestamp as number
}

const bare = (address: string) => address.slice(2)

function bodies(r: Receiver, secret: string): Array<Record<string, unknown>> {
  return r.requests.map((q) => Receiver.verify(secret, q) as Record<string, unknown>)
}

async function member(): Promise<{ user: User; token: string; address: string }> {
  const user = await env.user()
  return { user, token: await env.personalToken(user), address: `U-${user.id}` }
}

describe('/v1 webhook.subscribe, list and unsubscribe', () => {
  it('creates, lists and upserts on url + event with the same id, storing the version', async () => {
    const client = await env.apiClient()
    const first = await subscribe(client.apiKey, { event: 'chat.message', url: 'https://example.com/a', filter: { chatType: 'dm' } })
    expect(first).toMatchObject({ event: 'chat.message', url: 'https://example.com/a', filter: { chatType: 'dm' }, apiVersion: BASELINE })
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    const again = await subscribe(client.apiKey, { event: 'chat.message', url: 'https://example.com/a', filter: { chatType: 'dm' } })
    expect(again.id).toBe(first.id)
    // Roam's OpenClaw plugin names the pin `version`.
    const plugin = await subscribe(client.apiKey, { event: 'chat.message', url: 'https://example.com/a', version: ENVELOPE, apiVersion: undefined })
    expect(plugin).toMatchObject({ id: first.id, apiVersion: ENVELOPE })
    expect(plugin.filter).toBeUndefined()
    const webhooks = await list(client.apiKey)
    expect(webhooks).toEqual([expect.objectContaining({ id: first.id, event: 'chat.message', apiVersion: ENVELOPE })])
    const row = await env.db.selectFrom('webhook_subscriptions').select(['api_version', 'event']).where('id', '=', first.id).executeTakeFirstOrThrow()
    expect(row).toEqual({ api_version: ENVELOPE, event: 'chat.message' })
    const admin = await env.admin()
    const all = await env.get('/admin/webhooks.list', { token: admin.token })
    expect(all.json().webhooks).toEqual([expect.objectContaining({ id: first.id, apiVersion: ENVELOPE })])
  })

  it('rejects bad versions, and two different pins, naming the field', async () => {
    const client = await env.apiClient()
    const url = 'https://example.com/v'
    expectV1Error(await subscribeRaw(client.apiKey, { event: 'chat.message', url, apiVersion: '2026-01-01' }), 400, /^apiVersion: /)
    expectV1Error(await subscribeRaw(client.apiKey, { event: 'chat.message', url, version: 'latest' }), 400, /^version: /)
    expectV1Error(await subscribeRaw(client.apiKey, { event: 'chat.message', url, version: BASELINE, apiVersion: ENVELOPE }), 400, /^apiVersion: /)
    expectV1Error(await subscribeRaw(client.apiKey, { event: 'chat.message', url }, { 'roam-version': '2026-13-01' }), 400, /^Roam-Version: /)
    expect(await list(client.apiKey)).toEqual([])
  })

  it('takes dot names only: colon names point to /v0, v0 events name their v1 replacement', async () => {
    const client = await env.apiClient()
    const url = 'https://example.com/n'
    const cases: Array<[string, RegExp]> = [
      ['chat:message', /colon name.*\/v0\/webhook\.subscribe/],
      ['recording:saved', /colon name/],
      ['recording.saved', /v0 event.*meeting\.ended.*hasVideo/],
      ['chat.message.dm', /v0 event.*chat\.message.*chatType/],
      ['chat.message.mention', /v0 event.*mention/],
      ['transcript.saved', /v0 event.*meeting\.ended/],
      ['chat.message.reaction', /v0 event.*no equivalent/],
      ['meeting.paused', /unknown event/],
    ]
    for (const [event, message] of cases) expectV1Error(await subscribeRaw(client.apiKey, { event, url }), 400, message)
    for (const event of ['chat.message', 'meeting.started', 'meeting.ended', 'lobby.booked', 'onair.event.created', 'onair.guest.rsvp', 'magicast.created']) {
      expect((await subscribeRaw(client.apiKey, { event, url })).statusCode, event).toBe(200)
    }
    // v0 keeps its own names, both spellings.
    expect((await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'recording:saved', url } })).statusCode).toBe(200)
    expect((await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message', url } })).statusCode).toBe(400)
  })

  it('checks every filter: allowed ones pass, empty, false, unknown and misplaced keys are 400', async () => {
    const client = await env.apiClient()
    const url = 'https://example.com/f'
    const ok: Array<[string, Record<string, unknown>]> = [
      ['chat.message', { chatType: 'dm' }],
      ['chat.message', { chatType: 'group', mention: true }],
      ['meeting.ended', { hasVideo: true }],
      ['lobby.booked', { lobbyId: 'L-1' }],
    ]
    for (const [i, [event, filter]] of ok.entries()) {
      const res = await subscribeRaw(client.apiKey, { event, url: `${url}/${i}`, filter })
      expect(res.statusCode, JSON.stringify(filter)).toBe(200)
      expect(res.json().filter).toEqual(filter)
    }
    const bad: Array<[string, unknown, RegExp]> = [
      ['chat.message', {}, /^filter: must not be empty/],
      ['chat.message', { mention: false }, /^filter\/mention: .*omit it/],
      ['meeting.ended', { hasVideo: false }, /^filter\/hasVideo: .*omit it/],
      ['chat.message', { hasVideo: true }, /^filter\/hasVideo: does not apply to chat\.message/],
      ['meeting.ended', { chatType: 'dm' }, /^filter\/chatType: does not apply/],
      ['meeting.started', { hasVideo: true }, /^filter\/hasVideo: does not apply/],
      ['chat.message', { lobbyId: 'L-1' }, /^filter\/lobbyId: does not apply/],
      ['lobby.booked', { mention: true }, /^filter\/mention: does not apply/],
      ['chat.message', { chatType: 'channel' }, /chatType/],
      ['chat.message', { codes: ['heart'] }, /codes/],
      ['chat.message', { mention: 'yes' }, /mention/],
    ]
    for (const [event, filter, message] of bad) expectV1Error(await subscribeRaw(client.apiKey, { event, url, filter }), 400, message)
    expect((await list(client.apiKey)).map((s) => s.url).sort()).toEqual(ok.map((_, i) => `${url}/${i}`))
  })

  it('unsubscribes by JSON id, form field, query, or url + event; DELETE is 405 and keeps it', async () => {
    const client = await env.apiClient()
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((p) => subscribe(client.apiKey, { event: 'chat.message', url: `https://example.com/${p}` })))
    const auth = { authorization: `Bearer ${client.apiKey}` }
    for (const method of ['DELETE', 'GET', 'PUT'] as const) {
      const res = await env.inject({ method, url: `/v1/webhook.unsubscribe?id=${a!.id}`, headers: auth })
      expect(res.statusCode, method).toBe(405)
    }
    expect((await list(client.apiKey)).map((s) => s.id)).toContain(a!.id)
    expect((await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: { id: a!.id } })).statusCode).toBe(204)
    const form = await env.inject({ method: 'POST', url: '/v1/webhook.unsubscribe', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: `id=${b!.id}` })
    expect(form.statusCode, form.body).toBe(204)
    expect((await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, query: { id: c!.id } })).statusCode).toBe(204)
    expect((await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: { url: d!.url, event: 'chat.message' } })).statusCode).toBe(204)
    expect(await list(client.apiKey)).toEqual([])
    expectV1Error(await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: { id: a!.id } }), 404, /not found/i)
    expectV1Error(await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: {} }), 400, /^id: /)
    expectV1Error(await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: { id: 'nope' } }), 400, /^id: /)
    expectV1Error(await env.post('/v1/webhook.unsubscribe', { token: client.apiKey, body: { url: d!.url, event: 'chat:message' } }), 400, /colon/)
  })

  it('needs webhook:write to subscribe and webhook:read or :write to list', async () => {
    const client = await env.apiClient({ scopes: ['chat:read', 'webhook:read'] })
    const res = await subscribeRaw(client.apiKey, { event: 'chat.message', url: 'https://example.com/a' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ ok: false, error: 'missing_scope' })
    expect((await env.get('/v1/webhook.list', { token: client.apiKey })).statusCode).toBe(200)
  })
})

describe('/v1 chat.message', () => {
  it("reaches an organization key's bot in its groups and DMs (its own posts too, as on Roam), never elsewhere", async () => {
    const client = await env.apiClient()
    const r = await receiver()
    await subscribe(client.apiKey, { event: 'chat.message', url: r.url() })
    const alice = await member()
    const bob = await member()
    const withBot = await env.group({ members: [alice.address, client.bot] })
    const without = await env.group({ members: [alice.address] })
    const dm = await env.dm(alice.address, client.bot)
    const multi = await env.dm(alice.address, bob.address, client.bot)
    const private2 = await env.dm(alice.address, bob.address)
    const inGroup = await post(alice.token, withBot.chatAddress, 'in the group')
    await post(alice.token, without.chatAddress, 'not for the bot')
    const inDm = await post(alice.token, dm.address, 'hello bot')
    const inMulti = await post(alice.token, multi.address, 'hello all')
    await post(alice.token, private2.address, 'between people')
    const itself = await post(client.apiKey, withBot.chatAddress, 'the bot itself')
    await drain()
    const got = bodies(r, client.signingSecret)
    expect(got.map((b) => b.timestamp).sort()).toEqual([inGroup, inDm, inMulti, itself].sort())
    expect(got.find((b) => b.timestamp === itself)).toMatchObject({ userId: bare(client.bot), text: 'the bot itself' })
    const group = got.find((b) => b.timestamp === inGroup)!
    expect(group).toEqual({
      type: 'message',
      contentType: 'text',
      userId: alice.user.id,
      chatId: bare(withBot.chatAddress),
      chatType: 'group',
      text: 'in the group',
      timestamp: inGroup,
      version: 1,
    })
    expect(got.find((b) => b.timestamp === inDm)).toMatchObject({ chatType: 'dm', chatId: bare(dm.address) })
    expect(got.find((b) => b.timestamp === inMulti)).toMatchObject({ chatType: 'dm', chatId: bare(multi.address) })
  })

  it('reaches a personal token for mentions of its person or persona and their DMs, own posts included, not other channel posts', async () => {
    const client = await env.apiClient()
    const me = await member()
    const alice = await member()
    const r = await receiver()
    const sub = await subscribe(me.token, { event: 'chat.message', url: r.url() })
    expect(sub.signingSecret).toMatch(/^whsec_/)
    const both = await env.group({ members: [me.address, alice.address, client.bot] })
    const dm = await env.dm(me.address, alice.address)
    await post(alice.token, both.chatAddress, 'a channel post')
    const mention = await post(alice.token, both.chatAddress, `hey <@${me.address}>`)
    const direct = await post(alice.token, dm.address, 'just you')
    const own = await post(me.token, dm.address, 'my own')
    // On /v1 the token posts as its bot persona: delivered with the persona's id, which the client skips.
    const asAgent = await env.post('/v1/chat.post', { token: me.token, body: { chatId: bare(dm.address), text: 'from my agent', sync: true } })
    expect(asAgent.statusCode, asAgent.body).toBe(200)
    const persona = (await env.get('/v1/token.info', { token: me.token })).json().bot.id as string
    const toPersona = await post(alice.token, both.chatAddress, `<@${persona}> summarise`)
    await post(me.token, both.chatAddress, `me mentioning <@${alice.address}>`)
    await drain()
    const got = bodies(r, sub.signingSecret!)
    expect(got.map((b) => b.timestamp).sort()).toEqual([mention, direct, own, asAgent.json().timestamp, toPersona].sort())
    expect(got.find((b) => b.timestamp === asAgent.json().timestamp)).toMatchObject({ userId: persona })
  })

  it('applies chatType and mention filters after the audience; a post that mentions arrives once', async () => {
    const client = await env.apiClient()
    const alice = await member()
    const all = await receiver()
    const dms = await receiver()
    const groups = await receiver()
    const mentions = await receiver()
    await subscribe(client.apiKey, { event: 'chat.message', url: all.url() })
    await subscribe(client.apiKey, { event: 'chat.message', url: dms.url(), filter: { chatType: 'dm' } })
    await subscribe(client.apiKey, { event: 'chat.message', url: groups.url(), filter: { chatType: 'group' } })
    await subscribe(client.apiKey, { event: 'chat.message', url: mentions.url(), filter: { mention: true } })
    const group = await env.group({ members: [alice.address, client.bot] })
    const dm = await env.dm(alice.address, client.bot)
    const plain = await post(alice.token, group.chatAddress, 'plain')
    const mentioned = await post(alice.token, group.chatAddress, `hi <@${client.bot}>`)
    const direct = await post(alice.token, dm.address, 'dm')
    await drain()
    const keys = (r: Receiver) => bodies(r, client.signingSecret).map((b) => b.timestamp as number).sort()
    expect(keys(all)).toEqual([plain, mentioned, direct].sort())
    expect(keys(dms)).toEqual([direct])
    expect(keys(groups)).toEqual([plain, mentioned].sort())
    expect(keys(mentions)).toEqual([mentioned])
  })

  it('is one event for create, edit and delete: versions 1, 2, 3, the last identity-only', async () => {
    const client = await env.apiClient()
    // Messages are edited and deleted by the app that sent them (v0 chat.update / chat.delete).
    const poster = await env.apiClient()
    const alice = await member()
    const r = await receiver()
    await subscribe(client.apiKey, { event: 'chat.message', url: r.url() })
    const group = await env.group({ members: [alice.address, client.bot, poster.bot] })
    const root = await post(alice.token, group.chatAddress, 'root')
    const reply = await env.post('/v0/chat.post', { token: poster.apiKey, body: { chat: group.chatAddress, text: 'first', threadTimestamp: root, sync: true } })
    expect(reply.statusCode, reply.body).toBe(200)
    const ts = reply.json().timestamp as number
    await drain()
    const edit = await env.post('/v0/chat.update', { token: poster.apiKey, body: { chat: group.chatAddress, timestamp: ts, text: 'second' } })
    expect(edit.statusCode, edit.body).toBe(200)
    await drain()
    expect((await env.post('/v0/chat.delete', { token: poster.apiKey, body: { chat: group.chatAddress, timestamp: ts } })).statusCode).toBe(200)
    // Deleting again changes nothing and announces nothing.
    expect((await env.post('/v0/chat.delete', { token: poster.apiKey, body: { chat: group.chatAddress, timestamp: ts } })).statusCode).toBe(200)
    await drain()
    const got = bodies(r, client.signingSecret).filter((b) => b.timestamp === ts)
    const identity = { type: 'message', userId: bare(poster.bot), chatId: bare(group.chatAddress), chatType: 'group', timestamp: ts, threadTimestamp: root }
    expect(got).toEqual([
      { ...identity, contentType: 'text', text: 'first', version: 1 },
      { ...identity, contentType: 'text', text: 'second', version: 2 },
      { ...identity, contentType: 'deleted', version: 3 },
    ])
    const row = await env.db.selectFrom('messages').select('version').where('chat_id', '=', bare(group.chatAddress)).where('ts', '=', ts).executeTakeFirstOrThrow()
    expect(Number(row.version)).toBe(3)
  })
})

describe('/v1 dated wire formats', () => {
  it('wraps deliveries of subscriptions at 2026-07-07 or later in the envelope, webhook-id = eventId', async () => {
    const client = await env.apiClient()
    const alice = await member()
    const old = await receiver()
    const wrapped = await receiver()
    await subscribe(client.apiKey, { event: 'chat.message', url: old.url(), apiVersion: BASELINE })
    await subscribe(client.apiKey, { event: 'chat.message', url: wrapped.url(), apiVersion: ENVELOPE })
    const dm = await env.dm(alice.address, client.bot)
    const ts = await post(alice.token, dm.address, 'hi')
    await drain()
    const [bareBody] = bodies(old, client.signingSecret)
    expect(bareBody).toMatchObject({ type: 'message', timestamp: ts, version: 1 })
    expect(wrapped.requests).toHaveLength(1)
    const req = wrapped.requests[0]!
    const envelope = Receiver.verify(client.signingSecret, req) as Record<string, unknown>
    expect(Object.keys(envelope).sort()).toEqual(['apiVersion', 'data', 'eventId', 'timestamp', 'type'])
    expect(envelope).toMatchObject({ type: 'chat.message', apiVersion: ENVELOPE, data: bareBody })
    expect(envelope.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    expect(envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(req.headers['webhook-id']).toBe(envelope.eventId)
  })

  it('keeps webhook-id = eventId across a retry', async () => {
    const client = await env.apiClient()
    const alice = await member()
    const r = await receiver((n) => (n === 1 ? { status: 503 } : { status: 200 }))
    await subscribe(client.apiKey, { event: 'chat.message', url: r.url(), apiVersion: ENVELOPE })
    const dm = await env.dm(alice.address, client.bot)
    await post(alice.token, dm.address, 'retry me')
    await drain()
    expect(r.requests).toHaveLength(2)
    const [first, second] = r.requests.map((q) => ({ id: q.headers['webhook-id'], body: Receiver.verify(client.signingSecret, q) as { eventId: string } }))
    expect(first!.id).toBe(first!.body.eventId)
    expect(second!.id).toBe(first!.id)
    expect(second!.body).toEqual(first!.body)
    const delivery = await env.db.selectFrom('webhook_deliveries').select(['id', 'status', 'attempts']).where('id', '=', first!.id!).executeTakeFirstOrThrow()
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 })
  })
})

describe('/v1 subscribe-time verification (2026-07-23)', () => {
  const url = (r: Receiver) => r.url('/verify')

  it('stores the subscription when the endpoint echoes the signed challenge', async () => {
    const client = await env.apiClient()
    const r = await receiver((_n, req) => {
      const body = JSON.parse(req.body) as { data: { challenge: string } }
      return { status: 200, body: JSON.stringify({ challenge: body.data.challenge }) }
    })
    const sub = await subscribe(client.apiKey, { event: 'chat.message', url: url(r), apiVersion: CHALLENGE })
    expect(sub.apiVersion).toBe(CHALLENGE)
    expect(r.requests).toHaveLength(1)
    const verification = Receiver.verify(client.signingSecret, r.requests[0]!) as Record<string, unknown>
    expect(verification).toMatchObject({ type: 'webhook.verification', apiVersion: CHALLENGE, data: { challenge: expect.any(String), event: 'chat.message' } })
    expect(r.requests[0]!.headers['webhook-id']).toBe(verification.eventId)
    expect((await list(client.apiKey)).map((s) => s.id)).toEqual([sub.id])
    // Below 2026-07-23 there is no challenge.
    await subscribe(client.apiKey, { event: 'meeting.ended', url: url(r), apiVersion: ENVELOPE })
    expect(r.requests).toHaveLength(1)
  })

  const failures: Array<[string, ScriptedAnswer, RegExp]> = [
    ['a wrong echo', { status: 200, body: '{"challenge":"something else"}' }, /^url: .*HTTP 200 and a different challenge; it must answer 2xx/],
    ['no JSON', { status: 200, body: 'ok' }, /^url: .*HTTP 200 and a body that is not JSON; it must/],
    ['a non-2xx answer (its body never shown)', { status: 500, body: 'boom' }, /^url: the endpoint answered the verification challenge with HTTP 500; it must answer 2xx/],
    ['no answer in time', { status: 200, delayMs: 1500 }, /did not answer .* within 1000 ms/],
  ]
  for (const [name, answer, message] of failures) {
    it(`refuses ${name} with 400 and stores nothing`, async () => {
      const client = await env.apiClient()
      const r = await receiver(() => answer)
      const res = await subscribeRaw(client.apiKey, { event: 'chat.message', url: url(r), apiVersion: CHALLENGE })
      expectV1Error(res, 400, message)
      expect(res.json().message).toMatch(/^url: /)
      // What the endpoint answered is described, never repeated back.
      if (answer.body) expect(res.json().message).not.toContain(answer.body === 'ok' ? '"ok"' : answer.body)
      expect(r.requests).toHaveLength(1)
      expect(await list(client.apiKey)).toEqual([])
      const rows = await env.db.selectFrom('webhook_subscriptions').select('id').execute()
      expect(rows).toEqual([])
    })
  }
})

describe('per-client version pin', () => {
  it('an administrator pins a client; the header overrides the pin; unpinned serves the baseline', async () => {
    const admin = await env.admin()
    const client = await env.apiClient()
    const pin = (apiVersion: string | null) => env.post('/admin/clients.setApiVersion', { token: admin.token, body: { clientId: client.app.clientId, apiVersion } })

    const plain = await env.get('/v1/webhook.list', { token: client.apiKey })
    expect(plain.headers['roam-version']).toBe(BASELINE)

    const pinned = await pin(ENVELOPE)
    expect(pinned.statusCode, pinned.body).toBe(200)
    expect(pinned.json().client).toMatchObject({ clientId: client.app.clientId, apiVersion: ENVELOPE })
    const listed = await env.get('/admin/clients.list', { token: admin.token })
    expect(listed.json().clients.find((c: { clientId: string }) => c.clientId === client.app.clientId)).toMatchObject({ apiVersion: ENVELOPE })

    const viaPin = await env.post('/v1/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message', url: 'https://example.com/pin' } })
    expect(viaPin.headers['roam-version']).toBe(ENVELOPE)
    expect(viaPin.json()).toMatchObject({ apiVersion: ENVELOPE })
    const viaHeader = await env.post('/v1/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message', url: 'https://example.com/header' }, headers: { 'roam-version': BASELINE } })
    expect(viaHeader.headers['roam-version']).toBe(BASELINE)
    expect(viaHeader.json()).toMatchObject({ apiVersion: BASELINE })

    const unpin = await pin(null)
    expect(unpin.statusCode, unpin.body).toBe(200)
    expect(unpin.json().client.apiVersion).toBeNull()
    const unpinned = await env.post('/v1/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message', url: 'https://example.com/none' } })
    expect(unpinned.headers['roam-version']).toBe(BASELINE)
    expect(unpinned.json()).toMatchObject({ apiVersion: BASELINE })
    const stored = await env.db.selectFrom('apps').select('api_version').where('id', '=', client.app.id).executeTakeFirstOrThrow()
    expect(stored.api_version).toBeNull()
  })

  it('refuses unknown versions and other organizations’ clients; needs admin:write', async () => {
    const admin = await env.admin()
    const client = await env.apiClient()
    const bad = await env.post('/admin/clients.setApiVersion', { token: admin.token, body: { clientId: client.app.clientId, apiVersion: '2025-01-01' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^apiVersion: /)
    expect((await env.post('/admin/clients.setApiVersion', { token: admin.token, body: { clientId: 'app_nope', apiVersion: ENVELOPE } })).statusCode).toBe(404)
    const reader = await env.personalToken(admin.user, ['admin:read'] as never)
    expect((await env.post('/admin/clients.setApiVersion', { token: reader, body: { clientId: client.app.clientId, apiVersion: ENVELOPE } })).statusCode).toBe(403)
    const stored = await env.db.selectFrom('apps').select('api_version').where('id', '=', client.app.id).executeTakeFirstOrThrow()
    expect(stored.api_version).toBeNull()
  })
})

describe('meeting.started / meeting.ended', () => {
  it('announces a live meeting starting and ending, and its recording as meeting.ended with hasVideo', async () => {
    const admin = await env.admin()
    const client = await env.apiClient({ scopes: ['webhook:write'] })
    const alice = await member()
    const started = await receiver()
    const ended = await receiver()
    const recorded = await receiver()
    await subscribe(client.apiKey, { event: 'meeting.started', url: started.url() })
    await subscribe(client.apiKey, { event: 'meeting.ended', url: ended.url(), apiVersion: ENVELOPE })
    await subscribe(client.apiKey, { event: 'meeting.ended', url: recorded.url(), filter: { hasVideo: true } })

    const start = await env.post('/admin/meetings.start', { token: admin.token, body: { title: 'Standup', room: 'Lounge', participants: [alice.user.email, 'guest@example.com'], host: alice.user.email } })
    expect(start.statusCode, start.body).toBe(200)
    const { meetingId, transcriptId } = start.json() as { meetingId: string; transcriptId: string }
    await drain()
    const [s] = bodies(started, client.signingSecret)
    expect(s).toMatchObject({ meetingId, title: 'Standup', room: 'Lounge', hostUserId: alice.user.id, transcriptId })
    expect(s).not.toHaveProperty('end')
    expect(s).not.toHaveProperty('hasVideo')
    // Without user:read.email the participants carry no e-mail.
    expect(s!.participants).toEqual([
      { name: alice.user.name, userId: alice.user.id, type: 'member', seconds: 0 },
      { name: 'guest', type: 'guest', seconds: 0 },
    ])

    expect((await env.post('/admin/transcripts.finish', { token: admin.token, body: { id: transcriptId } })).statusCode).toBe(200)
    await drain()
    const rec = await env.post('/admin/meetings.attachRecording', { token: admin.token, body: { meetingId, videoUrl: 'https://example.com/video.mp4' } })
    expect(rec.statusCode, rec.body).toBe(200)
    await drain()

    const endings = bodies(ended, client.signingSecret) as Array<{ type: string; data: Record<string, unknown> }>
    expect(endings.map((e) => [e.type, e.data.meetingId, e.data.hasVideo])).toEqual([
      ['meeting.ended', meetingId, false],
      ['meeting.ended', meetingId, true],
    ])
    expect(endings[0]!.data.end).toEqual(expect.any(String))
    expect(endings[1]!.data).toMatchObject({ recordingId: rec.json().recordingId, videoUrl: 'https://example.com/video.mp4' })
    const onlyVideo = bodies(recorded, client.signingSecret)
    expect(onlyVideo).toHaveLength(1)
    expect(onlyVideo[0]).toMatchObject({ meetingId, hasVideo: true })
    expect(started.requests).toHaveLength(1)
  })

  it('announces an imported meeting as ended, to personal tokens only when their user attended', async () => {
    const admin = await env.admin()
    const attendee = await member()
    const absent = await member()
    const r = await receiver()
    const subA = await subscribe(attendee.token, { event: 'meeting.ended', url: r.url('/attendee') })
    const subB = await subscribe(absent.token, { event: 'meeting.ended', url: r.url('/absent') })
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Ann>Hello\n'
    const res = await env.post('/admin/meetings.import', { token: admin.token, body: { title: 'Review', start: '2026-03-01T10:00:00Z', participants: [attendee.user.email], format: 'vtt', content: vtt } })
    expect(res.statusCode, res.body).toBe(200)
    await drain()
    expect(r.requests.map((q) => q.path)).toEqual(['/attendee'])
    const [body] = bodies(r, subA.signingSecret!)
    expect(body).toMatchObject({ meetingId: res.json().meetingId, title: 'Review', start: '2026-03-01T10:00:00Z', end: '2026-03-01T10:00:05Z', hasVideo: false })
    expect((body!.participants as Array<Record<string, unknown>>)[0]).toMatchObject({ userId: attendee.user.id, email: attendee.user.email })
    expect(subB.signingSecret).toBeDefined()
  })
})

describe('atrium client pin', () => {
  it('pins and unpins a client from the command line; an unknown version exits with the reason', async () => {
    const h = await cliHarness()
    try {
      const created = JSON.parse((await h.cli('client', 'create', '--name', 'pinned', '--scopes', 'all', '--json')).out) as { clientId: string; apiKey: string }
      const pinned = await h.cli('client', 'pin', '--client', created.clientId, '--api-version', ENVELOPE, '--json')
      expect(pinned.err).toBe('')
      expect(JSON.parse(pinned.out)).toEqual({ clientId: created.clientId, apiVersion: ENVELOPE })
      const { app, close } = await h.server()
      try {
        const res = await app.inject({ method: 'GET', url: '/v1/webhook.list', headers: { authorization: `Bearer ${created.apiKey}` } })
        expect(res.statusCode).toBe(200)
        expect(res.headers['roam-version']).toBe(ENVELOPE)
      } finally {
        await close()
      }
      const bad = await h.cli('client', 'pin', '--client', created.clientId, '--api-version', '2020-01-01', '--json')
      expect(bad.code).toBe(2)
      expect(bad.err).toContain('apiVersion: 2020-01-01')
      expect(JSON.parse((await h.cli('client', 'pin', '--client', created.clientId, '--api-version', 'none', '--json')).out).apiVersion).toBeNull()
      const again = await h.server()
      try {
        const res = await again.app.inject({ method: 'GET', url: '/v1/webhook.list', headers: { authorization: `Bearer ${created.apiKey}` } })
        expect(res.headers['roam-version']).toBe(BASELINE)
      } finally {
        await again.close()
      }
    } finally {
      await h.drop()
    }
  })
})

describe('/v1 chat.message: mentions, edits and personas at the edges', () => {
  it('a mention reaches only a subscriber that may read the chat, by chat.history’s rule, on v1 and v0', async () => {
    const client = await env.apiClient()
    const ann = await member()
    const bob = await member()
    const v1 = await receiver()
    const v0 = await receiver()
    const app = await receiver()
    const v1Sub = await subscribe(bob.token, { event: 'chat.message', url: v1.url() })
    const v0Sub = await env.post('/v0/webhook.subscribe', { token: bob.token, body: { event: 'chat.message.mention', url: v0.url() } })
    expect(v0Sub.statusCode).toBe(200)
    expect((await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.mention', url: app.url() } })).statusCode).toBe(200)
    const secret = await env.group({ private: true, members: [ann.address] })
    const open = await env.group({ members: [ann.address] })
    const shared = await env.group({ private: true, members: [ann.address, bob.address, client.bot] })
    await post(ann.token, secret.chatAddress, `<@${bob.address}> secret=hunter2 <@${client.bot}>`)
    // A public group: organization apps read it, personal tokens only when their person is in it.
    const inOpen = await post(ann.token, open.chatAddress, `<@${bob.address}> in the open <@${client.bot}>`)
    const inShared = await post(ann.token, shared.chatAddress, `<@${bob.address}> among us <@${client.bot}>`)
    await drain()
    expect(bodies(v1, v1Sub.signingSecret!).map((b) => b.timestamp)).toEqual([inShared])
    expect(bodies(v0, v0Sub.json().signingSecret).map((b) => b.timestamp)).toEqual([inShared])
    expect(bodies(app, client.signingSecret).map((b) => b.timestamp).sort()).toEqual([inOpen, inShared].sort())
    // Exactly what chat.history lets each of them read.
    expect((await env.get('/v1/chat.history', { token: bob.token, query: { chatId: open.chatId } })).statusCode).toBe(403)
    expect((await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: open.chatId } })).statusCode).toBe(200)
    for (const r of [v1, v0, app]) expect(r.requests.map((q) => q.body).join()).not.toContain('hunter2')
  })

  it('an edit that drops a mention still reaches whoever it mentioned before; what comes after does not', async () => {
    const ann = await member()
    const bob = await member()
    const r = await receiver()
    const sub = await subscribe(bob.token, { event: 'chat.message', url: r.url() })
    const group = await env.group({ members: [ann.address, bob.address] })
    const chatId = group.chatId
    const ts = (await env.post('/v1/chat.post', { token: ann.token, body: { chatId, text: `<@${bob.address}> look`, sync: true } })).json().timestamp
    expect((await env.post('/v1/chat.update', { token: ann.token, body: { chatId, timestamp: ts, text: 'never mind' } })).statusCode).toBe(200)
    expect((await env.post('/v1/chat.update', { token: ann.token, body: { chatId, timestamp: ts, text: 'still nothing' } })).statusCode).toBe(200)
    await drain()
    const got = bodies(r, sub.signingSecret!).sort((a, b) => (a.version as number) - (b.version as number))
    expect(got.map((b) => [b.version, b.text])).toEqual([
      [1, `<@${bob.address}> look`],
      [2, 'never mind'],
    ])
  })

  it('a personal token reads and answers a DM someone started with its bot persona', async () => {
    const ann = await member()
    const bob = await member()
    const persona = `B-${(await env.get('/v1/token.info', { token: ann.token })).json().bot.id}`
    const r = await receiver()
    const sub = await subscribe(ann.token, { event: 'chat.message', url: r.url() })
    const asked = await env.post('/v0/chat.post', { token: bob.token, body: { chat: persona, text: 'can your agent help?', sync: true } })
    expect(asked.statusCode).toBe(200)
    const chatId = bare(asked.json().chat)
    await drain()
    expect(bodies(r, sub.signingSecret!)).toEqual([expect.objectContaining({ userId: bob.user.id, chatId, chatType: 'dm', text: 'can your agent help?' })])
    const history = await env.get('/v1/chat.history', { token: ann.token, query: { chatId } })
    expect(history.statusCode).toBe(200)
    expect(history.json().messages.map((m: { text: string }) => m.text)).toEqual(['can your agent help?'])
    const reply = await env.post('/v1/chat.post', { token: ann.token, body: { chatId, text: 'yes', sync: true } })
    expect(reply.statusCode).toBe(200)
    const senders = await env.db.selectFrom('messages').select('sender').where('chat_id', '=', chatId).orderBy('ts').execute()
    expect(senders.map((m) => m.sender)).toEqual([bob.address, persona])
    // On v0 the token is the person, who is not in that DM.
    expect((await env.get('/v0/chat.history', { token: ann.token, query: { chat: asked.json().chat } })).statusCode).toBe(403)
  })
})
