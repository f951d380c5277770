import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dialect } from './helpers.js'
import { connectStore, createClient, freePort, freshStore, repoRoot, seedGroup, startAtrium, waitFor, type AtriumProcess, type Store } from './servers.js'

/**
 * Stopping a real server: SIGTERM to `atrium serve` or to `npm start` lets in-flight requests and
 * webhook deliveries finish, closes the database, exits 0 and leaves nothing holding the port.
 */

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined)
})

/** Resolves true when something can listen on `port` again. */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** A webhook receiver that answers each POST only after `delayMs`; `seen` fires on arrival. */
async function slowReceiver(delayMs: number): Promise<{ url: string; arrived: number; answered: number; close: () => Promise<void> }> {
  const state = { arrived: 0, answered: 0 }
  const server = http.createServer((req, res) => {
    state.arrived++
    req.resume()
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        state.answered++
      }, delayMs),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get arrived() {
      return state.arrived
    },
    get answered() {
      return state.answered
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** POSTs JSON but sends the body in two halves; `finish()` sends the rest. */
function slowPost(url: string, token: string, body: unknown): { finish: () => void; response: Promise<{ status: number; body: string }> } {
  const text = JSON.stringify(body)
  const half = Math.floor(text.length / 2)
  const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } })
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let data = ''
      res.on('data', (d: Buffer) => (data += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
    })
    req.on('error', reject)
  })
  req.write(text.slice(0, half))
  return { finish: () => req.end(text.slice(half)), response }
}

async function exitOf(child: AtriumProcess['child']): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

describe(`graceful shutdown of atrium serve (${dialect})`, () => {
  it('SIGTERM: in-flight request and webhook delivery finish, the database closes, exit 0, the port is free', async () => {
    const store: Store = await freshStore(dialect, 'shutdown')
    cleanups.push(() => store.drop())
    const receiver = await slowReceiver(1_500)
    cleanups.push(() => receiver.close())
    const server = await startAtrium({
      store,
      env: { ATRIUM_ALLOW_PRIVATE_URLS: 'true', ATRIUM_DISPATCH_INTERVAL_MS: '50', ATRIUM_RATE_LIMIT: 'off', ATRIUM_SHUTDOWN_GRACE_MS: '15000' },
    })
    cleanups.push(() => server.kill())
    const conn = await connectStore(store)
    cleanups.push(() => conn.close())
    const client = await createClient(conn.ctx, conn.org.id)
    const listener = await createClient(conn.ctx, conn.org.id)
    const group = await seedGroup(conn.ctx, conn.org.id, `shutdown-${randomBytes(3).toString('hex')}`, [client.bot, listener.bot])
    const call = (method: string, key: string, body: unknown) =>
      fetch(`${server.url}/v0/${method}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await call('webhook.subscribe', listener.apiKey, { event: 'chat.message.channel', url: receiver.url })).status).toBe(200)
    expect((await call('chat.post', client.apiKey, { chat: group.chatAddress, text: 'before the signal' })).status).toBe(200)

    // A delivery is in flight (the receiver holds it for 1.5 s) and a request is half sent.
    expect(await waitFor(() => receiver.arrived === 1, 30_000)).toBe(true)
    const inFlight = slowPost(`${server.url}/v0/chat.post`, client.apiKey, { chat: group.chatAddress, text: 'sent while stopping' })
    await new Promise((r) => setTimeout(r, 200))
    server.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    inFlight.finish()

    const answered = await inFlight.response
    expect(answered.status, answered.body).toBe(200)
    const exit = await exitOf(server.child)
    expect(exit, server.output()).toEqual({ code: 0, signal: null })
    expect(receiver.answered).toBe(1)
    expect(await portIsFree(server.port)).toBe(true)

    // Both writes are there; the delivery was recorded as delivered, not left to be sent again.
    const texts = (await conn.ctx.db.selectFrom('messages').select('text').where('chat_id', '=', group.chatId).execute()).map((m) => m.text)
    expect(texts.sort()).toEqual(['before the signal', 'sent while stopping'])
    const deliveries = await conn.ctx.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute()
    expect(deliveries).toEqual([{ status: 'delivered', attempts: 1 }])
    if (store.dialect === 'sqlite') {
      // SQLite removes the write-ahead log when the last connection closes cleanly (ours is still open here).
      await conn.close()
      expect(fs.existsSync(`${store.url.slice('sqlite:'.length)}-wal`)).toBe(false)
    }
  }, 120_000)

  it('past ATRIUM_SHUTDOWN_GRACE_MS the remaining connections are cut: exit 1, the port free', async () => {
    const store: Store = await freshStore(dialect, 'grace')
    cleanups.push(() => store.drop())
    const server = await startAtrium({ store, env: { ATRIUM_SHUTDOWN_GRACE_MS: '500', ATRIUM_RATE_LIMIT: 'off' } })
    cleanups.push(() => server.kill())
    const conn = await connectStore(store)
    cleanups.push(() => conn.close())
    const client = await createClient(conn.ctx, conn.org.id)
    // Half a request that never completes holds its connection open.
    const stuck = slowPost(`${server.url}/v0/chat.post`, client.apiKey, { chat: 'C-00000000-0000-0000-0000-000000000000', text: 'never finished' })
    stuck.response.catch(() => undefined)
    await new Promise((r) => setTimeout(r, 200))
    const signalled = Date.now()
    server.child.kill('SIGTERM')
    expect(await exitOf(server.child)).toEqual({ code: 1, signal: null })
    expect(Date.now() - signalled).toBeLessThan(5_000)
    expect(server.output()).toContain('grace period over')
    expect(await portIsFree(server.port)).toBe(true)
  }, 120_000)

  it('SIGINT (Ctrl-C) also exits 0 and frees the port', async () => {
    const store: Store = await freshStore(dialect, 'sigint')
    cleanups.push(() => store.drop())
    const server = await startAtrium({ store })
    cleanups.push(() => server.kill())
    server.child.kill('SIGINT')
    expect(await exitOf(server.child)).toEqual({ code: 0, signal: null })
    expect(await portIsFree(server.port)).toBe(true)
  }, 120_000)
})

// npm's signal handling, not the database, is under test: run once, on the SQLite database npm start opens by default.
describe.runIf(dialect === 'sqlite')('npm start', () => {
  it('SIGTERM to the npm process stops the server: nothing left in its process group, the port free', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-npm-start-'))
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }))
    const port = await freePort()
    // Its own process group, so whatever npm starts can be found (and cleaned up) by group.
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), PORT: String(port), HOST: '127.0.0.1', ATRIUM_DATA_DIR: dataDir, ATRIUM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    npm.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    npm.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const groupAlive = () => {
      try {
        process.kill(-npm.pid!, 0)
        return true
      } catch {
        return false
      }
    }
    cleanups.push(async () => {
      if (groupAlive()) process.kill(-npm.pid!, 'SIGKILL')
    })
    const exited = exitOf(npm)
    // The first start builds when dist/ is missing or older than the sources (minutes on a busy machine).
    const ready = await waitFor(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200
      } catch {
        return false
      }
    }, 540_000, 250)
    expect(ready, out).toBe(true)
    expect(out).toContain(`http://127.0.0.1:${port}/v0/token.info`)

    process.kill(npm.pid!, 'SIGTERM')
    const exit = await exited
    expect(exit.code, out).toBe(0)
    expect(await waitFor(() => !groupAlive(), 5_000)).toBe(true)
    expect(await portIsFree(port)).toBe(true)
  }, 600_000)
})
