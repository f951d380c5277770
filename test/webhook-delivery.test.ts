import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Config } from '../src/config.js'
import { Dispatcher } from '../src/events/dispatcher.js'
import { checkOutboundUrl, isPublicAddress, postOutbound } from '../src/net/outbound.js'
import { insertEvent } from '../src/store/repos/outbox.js'
import { nowMicros } from '../src/time.js'
import { TestEnv, type ClientFixture } from './helpers.js'
import { Receiver, type ScriptedAnswer } from './receiver.js'

let env: TestEnv
let receiver: Receiver | undefined
let client: ClientFixture
let admin: string

async function setup(over: Partial<Config['webhooks']> = {}, config: Partial<Config> = {}) {
  env = await TestEnv.create({
    allowPrivateUrls: true,
    webhooks: { retrySchedule: [0, 0], disableAfter: 0, timeoutMs: 1000, pollMs: 50, ...over },
    ...config,
  })
  client = await env.apiClient()
  admin = (await env.admin()).token
}

async function startReceiver(script?: (n: number) => ScriptedAnswer): Promise<Receiver> {
  receiver = await Receiver.start(script)
  return receiver
}

afterEach(async () => {
  await receiver?.close()
  receiver = undefined
  await env.close()
})

/** Subscribes the client to chat.message.dm and emits `count` DMs to its bot; returns the event ids. */
async function dmEvents(url: string, count = 1): Promise<string[]> {
  const sub = await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url } })
  expect(sub.statusCode, sub.body).toBe(200)
  const user = await env.user()
  const dm = await env.dm(`U-${user.id}`, client.bot)
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const payload = { type: 'message', contentType: 'text', sender: `U-${user.id}`, chat: dm.address, timestamp: nowMicros() + i, text: `m${i}` }
    ids.push(await insertEvent(env.db, { orgId: env.org.id, type: 'chat.message.dm', payload, routing: { chat: dm.address }, createdAt: nowMicros() }))
  }
  return ids
}

async function deliveryLog(query: Record<string, string | number> = {}) {
  const res = await env.get('/admin/webhooks.deliveries', { token: admin, query })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as {
    deliveries: Array<{ id: string; status: string; subscriptionId: string; attempts: Array<{ attempt: number; outcome: string; statusCode?: number; response?: string }> }>
    nextCursor?: string
  }
}

describe('retries', () => {
  it('a receiver answering 500 twice then 200 gets the event on the third attempt with the same webhook-id', async () => {
    await setup()
    const r = await startReceiver((n) => (n <= 2 ? { status: 500, body: 'boom' } : { status: 200 }))
    await dmEvents(r.url())
    const dispatcher = new Dispatcher(env.ctx)
    await dispatcher.drain()
    expect(r.requests).toHaveLength(3)
    const ids = new Set(r.requests.map((q) => q.headers['webhook-id']))
    expect(ids.size).toBe(1)
    for (const q of r.requests) Receiver.verify(client.signingSecret, q)
    const log = await deliveryLog()
    expect(log.deliveries).toHaveLength(1)
    expect(log.deliveries[0]).toMatchObject({ id: [...ids][0], status: 'delivered' })
    expect(log.deliveries[0]!.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'http_error', 500],
      [2, 'http_error', 500],
      [3, 'ok', 200],
    ])
    expect(log.deliveries[0]!.attempts[0]!.response).toBe('boom')
  })

  it('waits the scheduled time between attempts', async () => {
    await setup({ retrySchedule: [5, 300] })
    const r = await startReceiver((n) => (n === 1 ? { status: 503 } : { status: 200 }))
    await dmEvents(r.url())
    let now = nowMicros()
    const dispatcher = new Dispatcher(env.ctx, { clock: () => now })
    await dispatcher.drain()
    expect(r.requests).toHaveLength(1)
    now += 4_000_000
    await dispatcher.drain()
    expect(r.requests).toHaveLength(1)
    now += 2_000_000
    await dispatcher.drain()
    expect(r.requests).toHaveLength(2)
  })

  it('never retries with the schedule "none" (Roam behaviour), nor on 4xx', async () => {
    await setup({ retrySchedule: [] })
    const r = await startReceiver(() => ({ status: 500 }))
    await dmEvents(r.url())
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    expect((await deliveryLog()).deliveries[0]).toMatchObject({ status: 'failed' })
  })

  it('does not retry a 4xx answer', async () => {
    await setup()
    const r = await startReceiver(() => ({ status: 400 }))
    await dmEvents(r.url())
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    expect((await deliveryLog()).deliveries[0]).toMatchObject({ status: 'failed' })
  })

  it('counts a slow answer as a timeout and retries it', async () => {
    await setup({ timeoutMs: 200, retrySchedule: [0] })
    const r = await startReceiver((n) => (n === 1 ? { status: 200, delayMs: 1500 } : { status: 200 }))
    await dmEvents(r.url())
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(2)
    const [d] = (await deliveryLog()).deliveries
    expect(d!.attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok'])
  })

  it('does not follow redirects', async () => {
    await setup({ retrySchedule: [] })
    const r = await startReceiver(() => ({ status: 302 }))
    await dmEvents(r.url())
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(1)
    expect((await deliveryLog()).deliveries[0]!.attempts[0]).toMatchObject({ outcome: 'http_error', statusCode: 302 })
  })
})

describe('auto-disable, replay and the delivery log', () => {
  it('disables a subscription after the configured run of failures; an admin re-enables it', async () => {
    await setup({ retrySchedule: [], disableAfter: 2 })
    let failing = true
    const r = await startReceiver(() => ({ status: failing ? 500 : 200 }))
    const ids = await dmEvents(r.url(), 3)
    const dispatcher = new Dispatcher(env.ctx, { concurrency: 1, claimBatch: 1 })
    await dispatcher.drain()
    // Two failures disable it; the third delivery waits.
    expect(r.requests).toHaveLength(2)
    const list = await env.get('/admin/webhooks.list', { token: admin })
    const sub = list.json().webhooks[0]
    expect(sub).toMatchObject({ status: 'disabled', consecutiveFailures: 2 })
    expect((await env.get('/v0/webhook.list', { token: client.apiKey })).json().webhooks[0].status).toBe('disabled')

    failing = false
    const enabled = await env.post('/admin/webhooks.enable', { token: admin, body: { id: sub.id } })
    expect(enabled.statusCode).toBe(200)
    expect(enabled.json()).toMatchObject({ status: 'active', consecutiveFailures: 0 })
    await dispatcher.drain()
    expect(r.requests).toHaveLength(3)
    expect(ids).toHaveLength(3)
  })

  it('disables at once on 410 Gone', async () => {
    await setup({ disableAfter: 0 })
    const r = await startReceiver(() => ({ status: 410 }))
    await dmEvents(r.url(), 2)
    await new Dispatcher(env.ctx, { concurrency: 1, claimBatch: 1 }).drain()
    expect(r.requests).toHaveLength(1)
    expect((await env.get('/admin/webhooks.list', { token: admin })).json().webhooks[0]).toMatchObject({ status: 'disabled' })
  })

  it('replays a delivery with the same webhook-id', async () => {
    await setup()
    const r = await startReceiver()
    await dmEvents(r.url())
    const dispatcher = new Dispatcher(env.ctx)
    await dispatcher.drain()
    const [d] = (await deliveryLog()).deliveries
    const replay = await env.post('/admin/webhooks.replay', { token: admin, body: { id: d!.id } })
    expect(replay.statusCode).toBe(200)
    expect(replay.json()).toMatchObject({ id: d!.id, status: 'pending' })
    await dispatcher.drain()
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([d!.id, d!.id])
    expect((await deliveryLog()).deliveries[0]!.attempts).toHaveLength(2)
    const missing = await env.post('/admin/webhooks.replay', { token: admin, body: { id: '5f0c7b1e-3d0a-4a43-9a3e-6f1f3f8a8e01' } })
    expect(missing.statusCode).toBe(404)
  })

  it('pages the log newest first and is for administrators only', async () => {
    await setup()
    const r = await startReceiver()
    await dmEvents(r.url(), 3)
    await new Dispatcher(env.ctx).drain()
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 5; i++) {
      const page = await deliveryLog({ limit: 2, ...(cursor ? { cursor } : {}) })
      seen.push(...page.deliveries.map((d) => d.id))
      cursor = page.nextCursor
      if (!cursor) break
    }
    expect(seen).toHaveLength(3)
    expect(new Set(seen).size).toBe(3)
    const user = await env.user()
    const token = await env.personalToken(user)
    expect((await env.get('/admin/webhooks.deliveries', { token })).statusCode).toBe(403)
    expect((await env.get('/admin/webhooks.deliveries', { token: admin, query: { cursor: 'garbage' } })).statusCode).toBe(400)
  })
})

describe('at-least-once', () => {
  it('after a crash between delivery and bookkeeping, every event is delivered again with the same webhook-id', async () => {
    await setup()
    const r = await startReceiver()
    const events = await dmEvents(r.url(), 3)
    let now = nowMicros()
    const crashing = new Dispatcher(env.ctx, {
      clock: () => now,
      afterSend: () => {
        throw new Error('process killed')
      },
    })
    await crashing.runOnce()
    expect(r.requests).toHaveLength(3)
    const firstIds = r.requests.map((q) => q.headers['webhook-id']).sort()
    // Nothing was recorded: the deliveries are still pending and leased.
    const pending = await env.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute()
    expect(pending.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true)

    // A restarted dispatcher sees nothing due until the lease runs out, then sends each again.
    const restarted = new Dispatcher(env.ctx, { clock: () => now })
    await restarted.drain()
    expect(r.requests).toHaveLength(3)
    now += 10 * 60 * 1_000_000
    await restarted.drain()
    expect(r.requests).toHaveLength(6)
    expect(r.requests.slice(3).map((q) => q.headers['webhook-id']).sort()).toEqual(firstIds)
    const done = await env.db.selectFrom('webhook_deliveries').select(['status', 'event_id']).execute()
    expect(done.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered'])
    expect(done.map((d) => d.event_id).sort()).toEqual([...events].sort())
  })

  it('a crash during fan-out loses nothing: the cursor moves with the deliveries', async () => {
    await setup()
    const r = await startReceiver()
    await dmEvents(r.url(), 2)
    await new Dispatcher(env.ctx).drain()
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(2)
  })

  it('several dispatchers running at once send each attempt once', async () => {
    await setup()
    const r = await startReceiver()
    await dmEvents(r.url(), 30)
    const dispatchers = [new Dispatcher(env.ctx, { batch: 5, claimBatch: 5 }), new Dispatcher(env.ctx, { batch: 5, claimBatch: 5 }), new Dispatcher(env.ctx, { batch: 5, claimBatch: 5 })]
    await Promise.all(dispatchers.map((d) => d.drain(50)))
    await dispatchers[0]!.drain(50)
    const ids = r.requests.map((q) => q.headers['webhook-id'])
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
  })

  it('the polling loop delivers on its own and stops cleanly', async () => {
    await setup()
    const r = await startReceiver()
    await dmEvents(r.url(), 2)
    const dispatcher = new Dispatcher(env.ctx)
    dispatcher.start()
    for (let i = 0; i < 200 && r.requests.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25))
    await dispatcher.stop()
    expect(r.requests).toHaveLength(2)
  })
})

describe('outbound URL safety', () => {
  beforeEach(async () => {
    await setup({}, { allowPrivateUrls: false })
  })

  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '100.64.0.1']) {
      expect(isPublicAddress(a), a).toBe(false)
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true)
  })

  it('rejects subscriptions to private, loopback and link-local URLs', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://169.254.169.254/latest', 'http://10.0.0.5/x', 'http://[::1]/x', 'http://user:pw@example.com/x']) {
      const res = await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url } })
      expect(res.statusCode, url).toBe(400)
      expect(res.json().error).toMatch(/^url: /)
    }
    expect(await checkOutboundUrl('http://127.0.0.1/x', true)).toBeUndefined()
  })

  it('refuses to connect to a private address at delivery time, also through a host name', async () => {
    const r = await startReceiver()
    const port = new URL(r.url()).port
    const direct = await postOutbound(`http://127.0.0.1:${port}/x`, '{}', {}, { timeoutMs: 1000, allowPrivate: false })
    const named = await postOutbound(`http://localhost:${port}/x`, '{}', {}, { timeoutMs: 1000, allowPrivate: false })
    expect(direct.kind).toBe('blocked')
    expect(named.kind).toBe('blocked')
    expect(r.requests).toHaveLength(0)
    const allowed = await postOutbound(`http://localhost:${port}/x`, '{}', {}, { timeoutMs: 1000, allowPrivate: true })
    expect(allowed).toMatchObject({ kind: 'response', status: 200 })
  })

  it('records a blocked delivery as failed without retrying', async () => {
    const r = await startReceiver()
    // Subscribed while private URLs were allowed, delivered after they no longer are.
    const open = { ...env.ctx, config: { ...env.ctx.config, allowPrivateUrls: true } }
    const { subscribe } = await import('../src/actions/webhooks.js')
    const { authenticate } = await import('../src/actions/auth.js')
    await subscribe(open, await authenticate(env.ctx, client.apiKey), { event: 'chat.message.dm', url: r.url() })
    const user = await env.user()
    const dm = await env.dm(`U-${user.id}`, client.bot)
    await insertEvent(env.db, { orgId: env.org.id, type: 'chat.message.dm', payload: { type: 'message', contentType: 'text', sender: `U-${user.id}`, chat: dm.address, timestamp: nowMicros() }, routing: { chat: dm.address }, createdAt: nowMicros() })
    await new Dispatcher(env.ctx).drain()
    expect(r.requests).toHaveLength(0)
    const [d] = (await deliveryLog()).deliveries
    expect(d).toMatchObject({ status: 'failed' })
    expect(d!.attempts.map((a) => a.outcome)).toEqual(['blocked'])
  })
})
