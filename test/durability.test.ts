import { afterEach, describe, expect, it } from 'vitest'
import { dialect } from './helpers.js'
import { Receiver } from './receiver.js'
import { connectStore, createClient, freshStore, prepareStore, seedGroup, startAtrium, waitFor, type AtriumProcess, type Store } from './servers.js'

/**
 * A server killed outright (SIGKILL: no shutdown hook, no flushing) in the middle of a write load
 * loses nothing it acknowledged: after a restart on the same database every acknowledged
 * chat.post is in chat.history, and every event the outbox recorded still reaches the webhook
 * receiver (at least once, correctly signed). Real processes, on SQLite (a database file) and on
 * PostgreSQL.
 */

interface Posted {
  text: string
  timestamp: number
}

/** Every message of a chat, newest first, paged through chat.history. */
async function fullHistory(base: string, token: string, chat: string): Promise<Posted[]> {
  const out: Posted[] = []
  let cursor: string | undefined
  for (;;) {
    const url = new URL(`${base}/v0/chat.history`)
    url.searchParams.set('chat', chat)
    url.searchParams.set('limit', '200')
    if (cursor) url.searchParams.set('cursor', cursor)
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    if (res.status !== 200) throw new Error(`chat.history answered ${res.status}: ${await res.text()}`)
    const body = (await res.json()) as { messages: Posted[]; nextCursor?: string }
    out.push(...body.messages.map((m) => ({ text: m.text, timestamp: m.timestamp })))
    if (!body.nextCursor) return out
    cursor = body.nextCursor
  }
}

describe(`durability on ${dialect}: SIGKILL during a chat.post load`, () => {
  let store: Store | undefined
  let receiver: Receiver | undefined
  const procs: AtriumProcess[] = []
  let conn: Awaited<ReturnType<typeof connectStore>> | undefined

  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill()
    await conn?.close()
    await receiver?.close()
    await store?.drop()
    conn = undefined
    receiver = undefined
    store = undefined
  }, 60_000)

  it('keeps every acknowledged message and delivers every recorded event after a restart', async () => {
    store = await freshStore(dialect, 'crash')
    await prepareStore(store)
    conn = await connectStore(store)
    const poster = await createClient(conn.ctx, conn.org.id)
    const listener = await createClient(conn.ctx, conn.org.id)
    const group = await seedGroup(conn.ctx, conn.org.id, 'crash-test', [poster.bot, listener.bot])
    receiver = await Receiver.start()
    const env = {
      ATRIUM_RATE_LIMIT: 'off',
      ATRIUM_ALLOW_PRIVATE_URLS: 'true',
      ATRIUM_DISPATCH_INTERVAL_MS: '100',
      ATRIUM_WEBHOOK_TIMEOUT_MS: '2000',
      ATRIUM_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1',
    }

    const first = await startAtrium({ store, env })
    procs.push(first)
    const sub = await fetch(`${first.url}/v0/webhook.subscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${listener.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'chat.message.channel', url: receiver.url() }),
    })
    expect(sub.status, await sub.clone().text()).toBe(200)

    // The load: four writers posting back to back; only 200 answers count as acknowledged.
    const acknowledged: Posted[] = []
    let stop = false
    let killed = false
    let sent = 0
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const text = `w${w}-${i}`
        sent += 1
        try {
          const res = await fetch(`${first.url}/v0/chat.post`, {
            method: 'POST',
            headers: { authorization: `Bearer ${poster.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ chat: group.chatAddress, text, sync: true }),
          })
          if (res.status !== 200) throw new Error(`chat.post answered ${res.status}: ${await res.text()}`)
          const body = (await res.json()) as { timestamp: number }
          acknowledged.push({ text, timestamp: body.timestamp })
        } catch (err) {
          // The process is gone: this request was not acknowledged.
          if (killed || stop) return
          throw err
        }
      }
    }
    const writers = [0, 1, 2, 3].map((w) => writer(w))
    expect(await waitFor(() => acknowledged.length >= 60, 120_000, 20)).toBe(true)
    // Mid-load: writers have requests in flight at this moment.
    killed = true
    await first.kill()
    const ackedAtKill = acknowledged.length
    stop = true
    await Promise.all(writers)
    expect(first.child.signalCode).toBe('SIGKILL')
    expect(sent).toBeGreaterThan(ackedAtKill)

    const second = await startAtrium({ store, env })
    procs.push(second)

    // Every acknowledged post is there, with the key it was acknowledged with.
    const history = await fullHistory(second.url, poster.apiKey, group.chatAddress)
    const byTimestamp = new Map(history.map((m) => [m.timestamp, m.text]))
    const missing = acknowledged.filter((a) => byTimestamp.get(a.timestamp) !== a.text)
    expect(missing).toEqual([])
    expect(history.length).toBeGreaterThanOrEqual(acknowledged.length)

    // Every message event the outbox recorded (acknowledged or committed just before the kill)
    // reaches the receiver, signed with the listener's secret; duplicates carry one webhook-id.
    const recorded = await conn.ctx.db.selectFrom('outbox').select(['payload']).where('type', '=', 'chat.message.channel').execute()
    const expected = new Set(recorded.map((r) => (JSON.parse(r.payload) as { timestamp: number }).timestamp))
    expect(expected.size).toBe(history.length)
    const delivered = () => {
      const seen = new Map<number, string>()
      for (const req of receiver!.requests) {
        const body = Receiver.verify(listener.signingSecret, req) as { timestamp: number; chat: string }
        expect(body.chat).toBe(group.chatAddress)
        const id = req.headers['webhook-id']!
        const earlier = seen.get(body.timestamp)
        if (earlier !== undefined) expect(id).toBe(earlier)
        seen.set(body.timestamp, id)
      }
      return seen
    }
    // A delivery leased by the killed process is sent again once its lease (30 s) runs out.
    const complete = await waitFor(() => [...expected].every((ts) => delivered().has(ts)), 150_000, 250)
    expect([...expected].filter((ts) => !delivered().has(ts))).toEqual([])
    expect(complete).toBe(true)
    expect([...delivered().keys()].every((ts) => expected.has(ts))).toBe(true)
  }, 480_000)
})
