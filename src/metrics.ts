import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The process's Prometheus registry, served at `GET /metrics`. Metrics are per process: with several
 * Atrium processes, Prometheus scrapes each and sums. Any module may add its own gauges here.
 */
export const registry = new Registry()
collectDefaultMetrics({ register: registry })

export const httpRequests = new Counter({
  name: 'atrium_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
})

export const httpDuration = new Histogram({
  name: 'atrium_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its response, by method, route template and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
})

type GaugeSource = () => number | Promise<number>
const gauges = new Map<string, { gauge: Gauge; source: GaugeSource | undefined }>()

/**
 * A gauge on the registry, created on first use (same name → same gauge). Set it directly
 * (`metricGauge('atrium_x', 'help').set(3)`) or give it a source read at every scrape with
 * `setGaugeSource`.
 */
export function metricGauge(name: string, help: string): Gauge {
  const existing = gauges.get(name)
  if (existing) return existing.gauge
  const entry: { gauge: Gauge; source: GaugeSource | undefined } = {
    source: undefined,
    gauge: new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        if (!entry.source) return
        try {
          this.set(await entry.source())
        } catch {
          // A failing source (database briefly unreachable) keeps the gauge's last value
          // rather than failing the whole scrape.
        }
      },
    }),
  }
  gauges.set(name, entry)
  return entry.gauge
}

/**
 * Makes a gauge read its value at scrape time, e.g. the webhook delivery queue depth:
 * `setGaugeSource('atrium_webhook_queue_depth', 'Deliveries waiting', () => countPending(db))`.
 * A later call replaces the source; `undefined` removes it (the gauge keeps its last value).
 * Returns a function that removes this source again if it is still the current one.
 */
export function setGaugeSource(name: string, help: string, source: GaugeSource | undefined): () => void {
  metricGauge(name, help)
  const entry = gauges.get(name)!
  entry.source = source
  return () => {
    if (entry.source === source) entry.source = undefined
  }
}
