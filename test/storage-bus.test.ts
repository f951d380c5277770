import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { InProcessEventBus, type RealtimeEvent, type TypingEvent } from '../src/events/bus.js'
import { RedisEventBus } from '../src/events/redis-bus.js'
import { LocalConnectionRegistry, RedisConnectionRegistry } from '../src/events/connections.js'
import { DatabaseStorage, LocalDiskStorage } from '../src/storage/index.js'
import { dialect, TestEnv } from './helpers.js'
import { redisUrl, waitFor } from './servers.js'

describe('LocalDiskStorage', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true })
  })

  it('puts, gets and deletes bytes by key', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atrium-storage-'))
    dirs.push(dir)
    const storage = new LocalDiskStorage(path.join(dir, 'uploads'))
    expect(await storage.get('k1')).toBeUndefined()
    await storage.put('k1', Buffer.from('hello'))
    expect((await storage.get('k1'))?.toString()).toBe('hello')
    await storage.delete('k1')
    await storage.delete('k1')
    expect(await storage.get('k1')).toBeUndefined()
  })

  it('refuses keys that could leave its directory', async () => {
    const storage = new LocalDiskStorage(path.join(os.tmpdir(), 'atrium-never-created'))
    for (const key of ['../x', 'a/b', '', '.hidden', 'a..b']) await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow(/invalid storage key/)
  })
})

describe('InProcessEventBus', () => {
  const event: TypingEvent = { type: 'chat.typing', orgId: 'o', chat: 'C-x', address: 'B-y', at: 1 }

  it('delivers to subscribers until they unsubscribe, and isolates failing handlers', async () => {
    const bus = new InProcessEventBus()
    const got: TypingEvent[] = []
    bus.subscribe('chat.typing', () => {
      throw new Error('boom')
    })
    const off = bus.subscribe('chat.typing', (e) => got.push(e))
    await bus.publish(event)
    off()
    await bus.publish(event)
    expect(got).toEqual([event])
    await bus.close()
  })
})

describe('RedisEventBus', () => {
  const event: TypingEvent = { type: 'chat.typing', orgId: 'o', chat: 'C-x', address: 'B-y', at: 1 }
  const buses: RedisEventBus[] = []
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close()
  })
  /** Buses of one deployment (a prefix of their own, so parallel runs never hear each other). */
  async function deployment(n: number, prefix = `atrium-test-${randomBytes(6).toString('hex')}`): Promise<RedisEventBus[]> {
    const created = await Promise.all(Array.from({ length: n }, () => RedisEventBus.create(redisUrl, { prefix })))
    buses.push(...created)
    return created
  }

  it('carries an event published on one process to subscribers on the others, once each', async () => {
    const [a, b, c] = await deployment(3)
    const got: Record<string, RealtimeEvent[]> = { a: [], b: [], c: [] }
    a!.subscribe('chat.typing', (e) => got.a!.push(e))
    b!.subscribe('chat.typing', (e) => got.b!.push(e))
    c!.subscribe('chat.typing', (e) => got.c!.push(e))
    await a!.publish(event)
    // The publisher's own subscribers hear it at once, without the round trip through Redis.
    expect(got.a).toEqual([event])
    expect(await waitFor(() => got.b!.length === 1 && got.c!.length === 1, 10_000)).toBe(true)
    expect(got.b).toEqual([event])
    expect(got.c).toEqual([event])
    // Its own message coming back from Redis is not delivered a second time.
    await b!.publish({ ...event, at: 2 })
    expect(await waitFor(() => got.a!.length === 2 && got.c!.length === 2, 10_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 200))
    expect(got.a!.map((e) => e.at)).toEqual([1, 2])
    expect(got.b!.map((e) => e.at)).toEqual([1, 2])
    expect(got.c!.map((e) => e.at)).toEqual([1, 2])
  })

  it('keeps deployments with different prefixes apart and ignores foreign messages on its channel', async () => {
    const [a] = await deployment(1)
    const [other] = await deployment(1)
    const got: RealtimeEvent[] = []
    a!.subscribe('chat.typing', (e) => got.push(e))
    await other!.publish(event)
    const raw = new Redis(redisUrl)
    try {
      for (const junk of ['not json', '{"origin":"x","event":{"type":"chat.unknown","orgId":"o"}}', '{"origin":"x"}', '7']) await raw.publish(a!.channel, junk)
      await raw.publish(a!.channel, JSON.stringify({ origin: 'another-process', event: { ...event, at: 9 } }))
    } finally {
      raw.disconnect()
    }
    expect(await waitFor(() => got.length === 1, 10_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 200))
    expect(got).toEqual([{ ...event, at: 9 }])
  })

  it('still serves its own process while Redis is unreachable', async () => {
    const bus = await RedisEventBus.create('redis://127.0.0.1:1', { prefix: 'atrium-test-down', waitMs: 2_000 })
    buses.push(bus)
    const got: RealtimeEvent[] = []
    bus.subscribe('chat.typing', (e) => got.push(e))
    await bus.publish(event)
    expect(got).toEqual([event])
  })
})

describe('file storage by database', () => {
  let env: TestEnv | undefined
  afterEach(async () => {
    await env?.close()
    env = undefined
  })

  it(`keeps uploaded bytes ${dialect === 'postgres' ? 'in PostgreSQL (file_blobs), not on disk' : 'on the disk under the data directory, not in the database'}`, async () => {
    env = await TestEnv.create()
    // The application's own choice of storage, not the one the test environment hands it.
    const app = await buildApp(env.ctx.config, { db: env.db, logger: false, bus: new InProcessEventBus() })
    try {
      const client = await env.apiClient()
      const bytes = randomBytes(70_000)
      const res = await app.inject({
        method: 'POST',
        url: '/v0/item.upload',
        headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="data.bin"' },
        payload: bytes,
      })
      expect(res.statusCode, res.body).toBe(200)
      const id = res.json().id as string
      const file = await app.inject({ method: 'GET', url: `/items/${id}` })
      expect(file.statusCode).toBe(200)
      expect(file.rawPayload.equals(bytes)).toBe(true)
      const blobs = await env.db.selectFrom('file_blobs').select(['key', 'size']).execute()
      const onDisk = await new LocalDiskStorage(path.join(env.ctx.config.dataDir, 'uploads')).get(id)
      if (dialect === 'postgres') {
        expect(blobs.map((b) => ({ key: b.key, size: Number(b.size) }))).toEqual([{ key: id, size: bytes.length }])
        expect(onDisk).toBeUndefined()
      } else {
        expect(blobs).toEqual([])
        expect(onDisk?.equals(bytes)).toBe(true)
      }
    } finally {
      await app.close()
    }
  })

  it('DatabaseStorage puts, replaces, gets and deletes bytes by key', async () => {
    env = await TestEnv.create()
    const storage = new DatabaseStorage(env.db)
    expect(await storage.get('k1')).toBeUndefined()
    await storage.put('k1', Buffer.from([0, 1, 2, 255]))
    expect((await storage.get('k1'))?.equals(Buffer.from([0, 1, 2, 255]))).toBe(true)
    await storage.put('k1', Buffer.from('second'))
    expect((await storage.get('k1'))?.toString()).toBe('second')
    await storage.delete('k1')
    await storage.delete('k1')
    expect(await storage.get('k1')).toBeUndefined()
    await expect(storage.put('../x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/)
  })
})

describe('connection registries (presence: who still has a socket open)', () => {
  it('counts one process\'s sockets per address', async () => {
    const reg = new LocalConnectionRegistry()
    const a1 = reg.open('o', 'U-a')
    const a2 = reg.open('o', 'U-a')
    const other = reg.open('o2', 'U-a')
    expect(await a1.close()).toBe(1)
    expect(await a1.close()).toBe(1)
    expect(await a2.close()).toBe(0)
    expect(await other.close()).toBe(0)
    await reg.close()
  })

  it('counts sockets on every process through Redis; a dead process\'s sockets stop counting', async () => {
    const prefix = `atrium-test-${randomBytes(6).toString('hex')}`
    const one = RedisConnectionRegistry.open(redisUrl, prefix)
    const two = RedisConnectionRegistry.open(redisUrl, prefix)
    const dead = RedisConnectionRegistry.open(redisUrl, prefix, 300)
    try {
      const onOne = one.open('o', 'U-a')
      const onTwo = two.open('o', 'U-a')
      two.open('o', 'U-b')
      // Opened on a process that then dies: never refreshed, never closed.
      dead.open('o', 'U-a')
      await new Promise((r) => setTimeout(r, 600))
      expect(await onTwo.close()).toBe(1)
      expect(await onOne.close()).toBe(0)
    } finally {
      await Promise.all([one.close(), two.close(), dead.close()])
    }
  })
})
