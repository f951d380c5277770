import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setPassword, signIn } from '../src/actions/sessions.js'
import { addUser } from '../src/actions/users.js'
import { SESSION_COOKIE } from '../src/http/auth.js'
import { dialect } from './helpers.js'
import { openRealtime } from './realtime.js'
import { connectStore, createClient, freshStore, prepareStore, redisUrl, seedGroup, startAtrium, waitFor, type AtriumProcess, type Store } from './servers.js'

/**
 * A streamed message across two Atrium processes on one PostgreSQL database and one Redis: the
 * stream lives in the database, so any process serves any of its calls, and each process's
 * sockets hear every append once. PostgreSQL only (SQLite is one process).
 */

interface Frame {
  type: string
  payload: Record<string, unknown>
}

describe.skipIf(dialect !== 'postgres')('streamed messages across two processes', () => {
  let store: Store
  const procs: AtriumProcess[] = []
  let conn: Awaited<ReturnType<typeof connectStore>>
  const closers: Array<() => void> = []

  beforeAll(async () => {
    store = await freshStore('postgres', 'stream')
    const env = { ATRIUM_REDIS_URL: redisUrl, ATRIUM_REDIS_PREFIX: `atrium-test-${randomBytes(6).toString('hex')}` }
    await prepareStore(store)
    const started = await Promise.allSettled([startAtrium({ store, env }), startAtrium({ store, env })])
    for (const r of started) if (r.status === 'fulfilled') procs.push(r.value)
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    conn = await connectStore(store)
  }, 400_000)

  afterAll(async () => {
    for (const close of closers.splice(0)) close()
    await conn?.close()
    await Promise.all(procs.splice(0).map((p) => p.stop()))
    await store?.drop()
  }, 60_000)

  const call = (p: AtriumProcess, method: string, token: string, body: unknown) =>
    fetch(`${p.url}/v1/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  async function socketOn(p: AtriumProcess, session: string): Promise<Frame[]> {
    const opened = openRealtime(`ws://127.0.0.1:${p.port}`, `${SESSION_COOKIE}=${session}`)
    const frames: Frame[] = []
    opened.ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as Frame | string
      if (typeof frame === 'object') frames.push(frame)
    })
    if (!(await opened.ready)) throw new Error('socket closed before ready')
    closers.push(() => opened.ws.terminate())
    return frames
  }

  it('a stream started through one process is appended to and stopped through the other; sockets on both see each append once', async () => {
    const [a, b] = procs as [AtriumProcess, AtriumProcess]
    const client = await createClient(conn.ctx, conn.org.id)
    const n = randomBytes(4).toString('hex')
    const user = await addUser(conn.ctx, conn.org.id, { email: `s-${n}@example.com`, name: `Streamer ${n}`, isAdmin: false })
    await setPassword(conn.ctx, conn.org.id, user.id, 'correct horse battery')
    const { sessionToken } = await signIn(conn.ctx, user.email, 'correct horse battery')
    const group = await seedGroup(conn.ctx, conn.org.id, `stream-${n}`, [client.bot, `U-${user.id}`])
    const onA = await socketOn(a, sessionToken)
    const onB = await socketOn(b, sessionToken)

    const started = await call(a, 'chat.startStream', client.apiKey, { chatId: group.chatId, kind: 'text' })
    expect(started.status).toBe(200)
    const { streamId, timestamp } = (await started.json()) as { streamId: string; timestamp: number }
    const parts = ['Streaming ', 'through ', 'two ', 'processes']
    for (const [i, text] of parts.entries()) {
      const res = await call(i % 2 === 0 ? b : a, 'chat.appendStream', client.apiKey, { streamId, text })
      expect(res.status).toBe(200)
    }
    const stopped = await call(b, 'chat.stopStream', client.apiKey, { streamId })
    expect(stopped.status).toBe(200)
    expect(await stopped.json()).toEqual({ streamId, chatId: group.chatId, timestamp })

    const mine = (frames: Frame[]) => frames.filter((f) => f.payload.timestamp === timestamp).map((f) => [f.type, f.payload.text, f.payload.streaming])
    const expected = [
      ['chat.message.channel', '', true],
      ...parts.map((_, i) => ['chat.message.updated', parts.slice(0, i + 1).join(''), true]),
      ['chat.message.updated', parts.join(''), false],
    ]
    for (const frames of [onA, onB]) {
      await waitFor(() => mine(frames).length >= expected.length, 15_000)
      // A moment more, so a duplicate would have arrived too.
      await new Promise((r) => setTimeout(r, 500))
      expect(mine(frames)).toEqual(expected)
    }
    const stored = await conn.ctx.db.selectFrom('messages').select('text').where('chat_id', '=', group.chatId).where('ts', '=', timestamp).executeTakeFirstOrThrow()
    expect(stored.text).toBe(parts.join(''))
    // The other process answers a late append from the database's state, not from memory.
    const late = await call(a, 'chat.appendStream', client.apiKey, { streamId, text: 'late' })
    expect(late.status).toBe(409)
  })
})
