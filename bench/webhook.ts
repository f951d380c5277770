import { startReceiver } from '../test/servers.js'

/**
 * Webhook delivery latency: from the commit of a message to the arrival of its
 * `chat.message.channel` delivery at a receiver in this process. The start is the message's key
 * (µs, allocated inside the posting transaction, so at most the transaction's duration before the
 * commit); the end is the receiver's clock. Same machine, same clock.
 */
export async function webhookLatency(opts: {
  url: string
  /** Posts the messages. */
  posterKey: string
  /** Subscribes and receives the deliveries. */
  listenerKey: string
  chat: string
  seconds: number
  /** Messages posted per second. */
  rate?: number
}): Promise<{ p50: number; p99: number; samples: number }> {
  const receiver = await startReceiver()
  try {
    const sub = await fetch(`${opts.url}/v0/webhook.subscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.listenerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, event: 'chat.message.channel' }),
    })
    if (sub.status !== 200) throw new Error(`webhook.subscribe answered ${sub.status}: ${await sub.text()}`)
    const posted = new Set<number>()
    const rate = opts.rate ?? 20
    const end = Date.now() + opts.seconds * 1000
    for (let i = 0; Date.now() < end && i < 100_000; i++) {
      const started = Date.now()
      const res = await fetch(`${opts.url}/v0/chat.post`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.posterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ chat: opts.chat, text: `latency probe ${i}`, sync: true }),
      })
      if (res.status === 200) posted.add(((await res.json()) as { timestamp: number }).timestamp)
      const wait = 1000 / rate - (Date.now() - started)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
    // Let the last deliveries arrive (bounded).
    const deadline = Date.now() + 15_000
    const arrived = () => receiver.deliveries.filter((d) => posted.has((d.body as { timestamp?: number }).timestamp ?? -1))
    while (arrived().length < posted.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const first = new Map<number, number>()
    for (const d of arrived()) {
      const ts = (d.body as { timestamp: number }).timestamp
      if (!first.has(ts)) first.set(ts, d.at - ts / 1000)
    }
    const latencies = [...first.values()].sort((x, y) => x - y)
    const pct = (p: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) / 10 : NaN)
    return { p50: pct(50), p99: pct(99), samples: latencies.length }
  } finally {
    await receiver.close()
  }
}
