import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectStore, createClient, freshStore, startAtrium, type AtriumProcess, type Store } from './servers.js'
import { dialect } from './helpers.js'

/**
 * Slow and greedy clients against a real server on 127.0.0.1, over raw sockets: stalled headers,
 * stalled uploads and idle keep-alive connections are closed within their time limits, and one
 * address cannot hold more connections than its cap. Counts and waits are small and bounded.
 */

const HEADERS_TIMEOUT_MS = 1000
const REQUEST_TIMEOUT_MS = 2000
const KEEP_ALIVE_TIMEOUT_MS = 1000
const MAX_PER_ADDRESS = 12

let store: Store
let server: AtriumProcess
let apiKey: string

beforeAll(async () => {
  store = await freshStore(dialect, 'slow')
  server = await startAtrium({
    store,
    env: {
      ATRIUM_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      ATRIUM_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      ATRIUM_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      ATRIUM_MAX_CONNECTIONS_PER_IP: String(MAX_PER_ADDRESS),
      ATRIUM_RATE_LIMIT: 'off',
    },
  })
  const { ctx, org, close } = await connectStore(store)
  try {
    apiKey = (await createClient(ctx, org.id)).apiKey
  } finally {
    await close()
  }
}, 240_000)

afterAll(async () => {
  await server?.stop()
  await store?.drop()
})

interface RawSocket {
  socket: net.Socket
  /** Resolves with the milliseconds from connect to close. */
  closed: Promise<number>
  isClosed: () => boolean
  received: () => string
}

async function open(): Promise<RawSocket> {
  const socket = net.connect(server.port, '127.0.0.1')
  let data = ''
  let done = false
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')))
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const started = Date.now()
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      done = true
      resolve(Date.now() - started)
    }),
  )
  return { socket, closed, isClosed: () => done, received: () => data }
}

/** The close time, or Infinity when the socket is still open after `ms`. */
async function closedWithin(s: RawSocket, ms: number): Promise<number> {
  return Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), ms).unref())])
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe(`slow clients (${dialect})`, { timeout: 60_000 }, () => {
  it('a connection that sends part of its headers and stalls is answered 408 and closed', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => open()))
    for (const s of sockets) s.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
    const times = await Promise.all(sockets.map((s) => closedWithin(s, HEADERS_TIMEOUT_MS + 4000)))
    for (const t of times) expect(t).toBeLessThan(HEADERS_TIMEOUT_MS + 4000)
    expect(sockets[0]!.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it('a connection that sends nothing at all is closed within the header time limit', async () => {
    const silent = await open()
    expect(await closedWithin(silent, HEADERS_TIMEOUT_MS + 4000)).toBeLessThan(HEADERS_TIMEOUT_MS + 4000)
  })

  it('a POST whose headers arrive but whose body never starts is answered 408 and closed', async () => {
    const s = await open()
    s.socket.write('POST /v0/chat.post HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n')
    expect(await closedWithin(s, REQUEST_TIMEOUT_MS + 4000)).toBeLessThan(REQUEST_TIMEOUT_MS + 4000)
    expect(s.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it('an idle keep-alive connection is closed after the keep-alive time limit', async () => {
    const s = await open()
    s.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
    const t = await closedWithin(s, KEEP_ALIVE_TIMEOUT_MS + 4000)
    expect(s.received()).toMatch(/^HTTP\/1\.1 200/)
    expect(t).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 4000)
  })

  it('one address holds at most its cap of connections; the rest are closed at once, and the cap frees up as connections close', async () => {
    const sockets = await Promise.all(Array.from({ length: MAX_PER_ADDRESS + 8 }, () => open()))
    await sleep(300)
    const closedEarly = sockets.filter((s) => s.isClosed())
    expect(closedEarly).toHaveLength(8)
    for (const s of closedEarly) expect(s.received()).toBe('')
    // The ones kept still work.
    const kept = sockets.filter((s) => !s.isClosed())
    kept[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    await closedWithin(kept[0]!, 3000)
    expect(kept[0]!.received()).toMatch(/^HTTP\/1\.1 200/)
    for (const s of kept) s.socket.destroy()
    await Promise.all(kept.map((s) => s.closed))
    await sleep(200)
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
  })

  it('an upload that stalls is cut off at the request time limit and nothing of it is kept', async () => {
    const s = await open()
    const total = 200_000
    s.socket.write(
      [
        'POST /v0/item.upload HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${apiKey}`,
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename="stalled.bin"',
        `Content-Length: ${total}`,
        '',
        '',
      ].join('\r\n'),
    )
    s.socket.write(Buffer.alloc(50_000, 7))
    const t = await closedWithin(s, REQUEST_TIMEOUT_MS + 4000)
    expect(t).toBeLessThan(REQUEST_TIMEOUT_MS + 4000)
    expect(s.received()).toMatch(/^HTTP\/1\.1 408/)

    const { ctx, close } = await connectStore(store)
    try {
      expect(await ctx.db.selectFrom('items').select('id').execute()).toEqual([])
      if (dialect === 'postgres') expect(await ctx.db.selectFrom('file_blobs').select('key').execute()).toEqual([])
      else {
        const dir = path.join(store.dataDir, 'uploads')
        expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([])
      }
    } finally {
      await close()
    }
  })
})
