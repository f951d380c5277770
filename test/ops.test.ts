import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { setGaugeSource } from '../src/metrics.js'
import { openDatabase } from '../src/store/db.js'
import { TestEnv } from './helpers.js'

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
})
