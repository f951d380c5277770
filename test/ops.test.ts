import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { Dispatcher } from '../src/events/dispatcher.js'
import { setGaugeSource } from '../src/metrics.js'
import { openDatabase } from '../src/store/db.js'
import { insertEvent } from '../src/store/repos/outbox.js'
import { nowMicros } from '../src/time.js'
import { TestEnv } from './helpers.js'
import { Receiver } from './receiver.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

/** The value of one sample line of a Prometheus text exposition, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}

describe('GET /readyz', () => {
  it('is ready with the database reachable and every migration applied', async () => {
    const res = await env.get('/readyz')
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.json()).toEqual({ ok: true, checks: { database: 'ok', migrations: 'ok' } })
  })

  it('is not ready while a migration is pending, and names it', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (env.db as any).deleteFrom('kysely_migration').where('name', '=', '0001_core').execute()
    const res = await env.get('/readyz')
    expect(res.statusCode).toBe(503)
    const body = res.json()
    expect(body).toMatchObject({ ok: false, code: 'unavailable', checks: { database: 'ok' } })
    expect(body.checks.migrations).toContain('0001_core')
    expect(body.error).toContain('migrations: pending: 0001_core')
  })

  it('is not ready on a database migrated by a newer Atrium, and says so', async () => {
    const future = '9000_from_a_newer_atrium'
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (env.db as any).insertInto('kysely_migration').values({ name: future, timestamp: new Date().toISOString() }).execute()
    const res = await env.get('/readyz')
    expect(res.statusCode).toBe(503)
    const body = res.json()
    expect(body).toMatchObject({ ok: false, code: 'unavailable', checks: { database: 'ok' } })
    expect(body.checks.migrations).toContain(`the database schema is at ${future} (applied by a newer Atrium`)
  })

  it('is not ready when the database does not answer (liveness stays healthy)', async () => {
    const db = openDatabase({ dialect: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' })
    const app = await buildApp(env.ctx.config, { db, logger: false })
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      expect(res.statusCode).toBe(503)
      const body = res.json()
      expect(body.checks.database).not.toBe('ok')
      expect(body.checks.migrations).toBe('not checked: database unreachable')
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await app.close()
      await db.destroy()
    }
  })

  it('checks Redis when one is configured', async () => {
    const app = await buildApp({ ...env.ctx.config, redisUrl: 'redis://127.0.0.1:6379' }, { db: env.db, logger: false })
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      expect(res.statusCode).toBe(200)
      expect(res.json().checks).toEqual({ database: 'ok', migrations: 'ok', redis: 'ok' })
    } finally {
      await app.close()
    }
  })

  it('is not ready when the configured Redis does not answer', async () => {
    const app = await buildApp({ ...env.ctx.config, redisUrl: 'redis://127.0.0.1:1' }, { db: env.db, logger: false })
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      expect(res.statusCode).toBe(503)
      const body = res.json()
      expect(body.checks.database).toBe('ok')
      expect(body.checks.redis).not.toBe('ok')
      expect(body.error).toContain('redis: ')
    } finally {
      await app.close()
    }
  })
})

describe('GET /metrics', () => {
  it('counts requests and their latency by route template and status', async () => {
    const client = await env.apiClient({ scopes: ['chat:read'] })
    const series = 'atrium_http_requests_total{method="GET",route="/v0/token.info",status="200"}'
    const denied = 'atrium_http_requests_total{method="GET",route="/v0/token.info",status="401"}'
    const before = (await env.get('/metrics')).body
    for (let i = 0; i < 3; i++) expect((await env.get('/v0/token.info', { token: client.apiKey })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: 'rmk-nope' })).statusCode).toBe(401)
    expect((await env.get('/v0/no.such.method')).statusCode).toBe(404)

    const res = await env.get('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    const text = res.body
    expect(sample(text, series) - sample(before, series)).toBe(3)
    expect(sample(text, denied) - sample(before, denied)).toBe(1)
    const countSeries = 'atrium_http_request_duration_seconds_count{method="GET",route="/v0/token.info",status="200"}'
    expect(sample(text, countSeries) - sample(before, countSeries)).toBe(3)
    // Unknown paths share one label value instead of one series per URL.
    expect(text).toContain('route="unmatched",status="404"')
    expect(text).not.toContain('no.such.method')
    // Process metrics from the runtime.
    expect(text).toContain('process_cpu_user_seconds_total')
  })

  it('serves gauges other modules set, read at scrape time', async () => {
    let depth = 7
    const remove = setGaugeSource('atrium_test_queue_depth', 'Items waiting in a test queue', () => depth)
    try {
      expect(sample((await env.get('/metrics')).body, 'atrium_test_queue_depth')).toBe(7)
      depth = 2
      expect(sample((await env.get('/metrics')).body, 'atrium_test_queue_depth')).toBe(2)
    } finally {
      remove()
    }
  })

  it('keeps serving when a gauge source fails', async () => {
    const remove = setGaugeSource('atrium_test_failing', 'A source that throws', () => {
      throw new Error('down')
    })
    try {
      const res = await env.get('/metrics')
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain('atrium_http_requests_total')
    } finally {
      remove()
    }
  })

  it('reports the webhook delivery queue depth: pending deliveries of active subscriptions', async () => {
    const queued = await TestEnv.create({
      allowPrivateUrls: true,
      webhooks: { retrySchedule: [3600], disableAfter: 0, timeoutMs: 2000, pollMs: 50 },
    })
    let healthy = false
    const receiver = await Receiver.start(() => (healthy ? { status: 200 } : { status: 503 }))
    try {
      const depth = async () => sample((await queued.get('/metrics')).body, 'atrium_webhook_queue_depth')
      const client = await queued.apiClient()
      const admin = (await queued.admin()).token
      const sub = await queued.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url: receiver.url() } })
      expect(sub.statusCode, sub.body).toBe(200)
      expect(await depth()).toBe(0)

      const user = await queued.user()
      const dm = await queued.dm(`U-${user.id}`, client.bot)
      for (let i = 0; i < 3; i++) {
        const payload = { type: 'message', contentType: 'text', sender: `U-${user.id}`, chat: dm.address, timestamp: nowMicros() + i, text: `m${i}` }
        await insertEvent(queued.db, { orgId: queued.org.id, type: 'chat.message.dm', payload, routing: { chat: dm.address }, createdAt: nowMicros() })
      }
      // Fanned out, attempted once, refused: all three wait an hour for their retry.
      expect(await new Dispatcher(queued.ctx).runOnce()).toEqual({ fannedOut: 3, attempted: 3 })
      expect(receiver.requests).toHaveLength(3)
      expect(await depth()).toBe(3)

      // A disabled subscription's deliveries are not waiting to go anywhere.
      expect((await queued.post('/admin/webhooks.disable', { token: admin, body: { id: sub.json().id } })).statusCode).toBe(200)
      expect(await depth()).toBe(0)
      expect((await queued.post('/admin/webhooks.enable', { token: admin, body: { id: sub.json().id } })).statusCode).toBe(200)
      expect(await depth()).toBe(3)

      // The retries come due and succeed: the queue is empty.
      healthy = true
      const later = nowMicros() + 3601 * 1_000_000
      await new Dispatcher(queued.ctx, { clock: () => later }).drain()
      expect(receiver.requests).toHaveLength(6)
      expect(await depth()).toBe(0)
      expect((await queued.get('/metrics')).body).toContain('# TYPE atrium_webhook_queue_depth gauge')
    } finally {
      await receiver.close()
      await queued.close()
    }
  })
})
