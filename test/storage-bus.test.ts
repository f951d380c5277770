import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { InProcessEventBus, type TypingEvent } from '../src/events/bus.js'
import { LocalDiskStorage } from '../src/storage/index.js'

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
