import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dialect } from './helpers.js'
import { connectStore, createClient, freshStore, prepareStore, redisUrl, startAtrium, type AtriumProcess, type Store } from './servers.js'

/**
 * Two Atrium processes on one PostgreSQL database and one Redis behave as one server. Real
 * processes on 127.0.0.1 ports; PostgreSQL only (SQLite is one process on one machine).
 */
describe.skipIf(dialect !== 'postgres')('scale-out: two processes on PostgreSQL + Redis', () => {
  let store: Store
  let a: AtriumProcess
  let b: AtriumProcess
  let conn: Awaited<ReturnType<typeof connectStore>>

  beforeAll(async () => {
    store = await freshStore('postgres', 'scale')
    const env = { ATRIUM_REDIS_URL: redisUrl, ATRIUM_RATE_LIMIT: 'on', ATRIUM_RATE_LIMIT_BURST: '10', ATRIUM_RATE_LIMIT_PER_SECOND: '0.01' }
    await prepareStore(store)
    ;[a, b] = await Promise.all([startAtrium({ store, env }), startAtrium({ store, env })])
    conn = await connectStore(store)
  }, 400_000)

  afterAll(async () => {
    await conn?.close()
    await Promise.all([a?.stop(), b?.stop()])
    await store?.drop()
  }, 60_000)

  it('shares one rate-limit budget per credential across processes', async () => {
    const { apiKey } = await createClient(conn.ctx, conn.org.id)
    const call = (p: AtriumProcess) => fetch(`${p.url}/v0/token.info`, { headers: { authorization: `Bearer ${apiKey}` } })
    const statuses: number[] = []
    // Burst of 10 per credential: 6 through each process is 12 requests against one budget.
    for (let i = 0; i < 6; i++) statuses.push((await call(a)).status, (await call(b)).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.slice(10)).toEqual([429, 429])
    const limited = await call(a)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
