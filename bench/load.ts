import autocannon from 'autocannon'

export interface LoadResult {
  /** Mean requests per second over the measured window. */
  rps: number
  /** Latency percentiles in milliseconds. */
  p50: number
  p99: number
  requests: number
  errors: number
  non2xx: number
}

export interface LoadSpec {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  connections: number
  /** Seconds measured. */
  duration: number
  /** Seconds of unmeasured load first, so the JIT and the caches are warm. */
  warmup: number
}

function once(spec: LoadSpec, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        method: spec.method ?? 'GET',
        headers: spec.headers ?? {},
        ...(spec.body === undefined ? {} : { body: spec.body }),
        connections: spec.connections,
        duration,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

/** Drives `spec` with autocannon: a warm-up window, then the measured one. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmup > 0) await once(spec, spec.warmup)
  const r = await once(spec, spec.duration)
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  }
}
