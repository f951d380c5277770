import { Redis, type RedisOptions } from 'ioredis'

/**
 * Opens a Redis connection for `ATRIUM_REDIS_URL`. Connection errors are reported through
 * `onError` (the client reconnects on its own); commands issued while disconnected fail fast
 * instead of queueing, so a Redis outage shows up as errors, not as hung requests.
 */
export function openRedis(url: string, options: RedisOptions & { onError?: (err: Error) => void } = {}): Redis {
  const { onError, ...rest } = options
  const client = new Redis(url, {
    lazyConnect: false,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...rest,
  })
  client.on('error', (err: Error) => onError?.(err))
  return client
}
