/**
 * Webhook delivery latency: from the commit of a message (its µs timestamp, allocated in the
 * posting transaction) to its arrival at a receiver in this process.
 */
export async function webhookLatency(_opts: { url: string; apiKey: string; chat: string; seconds: number }): Promise<{ p50: number; p99: number; samples: number }> {
  throw new Error('webhook delivery is not in this build')
}
