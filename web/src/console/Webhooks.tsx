import { useCallback, useEffect, useState } from 'react'
import { get, post } from '../api'
import { useLoad } from '../components/credentials'

/** A webhook subscription as `GET /admin/webhooks.list` shows it. */
export interface Subscription {
  id: string
  event: string
  url: string
  status: 'active' | 'disabled'
  static?: boolean
  model: 'organization' | 'personal'
  appId: string | null
  userId: string | null
  consecutiveFailures: number
  disabledReason?: string
  createdAt: string
}

interface Attempt {
  attempt: number
  outcome: 'ok' | 'http_error' | 'timeout' | 'network' | 'blocked'
  statusCode?: number
  latencyMs: number
  response?: string
  error?: string
  at: string
}

/** One delivery of the log (`GET /admin/webhooks.deliveries`), with every attempt. */
export interface Delivery {
  id: string
  subscriptionId: string
  eventId: string
  event: string
  url: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: Attempt[]
  nextAttemptAt?: string
  createdAt: string
}

const when = (iso: string) => new Date(iso).toLocaleString()

function Subscriptions({ onPick }: { onPick: (id: string) => void }) {
  const load = useCallback(() => get<{ webhooks: Subscription[] }>('/admin/webhooks.list'), [])
  const { data, error, reload } = useLoad(load)
  const [actionError, setActionError] = useState<string | null>(null)
  const toggle = async (s: Subscription) => {
    setActionError(null)
    try {
      await post(`/admin/webhooks.${s.status === 'active' ? 'disable' : 'enable'}`, { id: s.id })
      reload()
    } catch (e) {
      setActionError((e as Error).message)
    }
  }
  return (
    <section className="card" aria-labelledby="subs-title">
      <h2 id="subs-title">Webhook subscriptions</h2>
      {(error ?? actionError) && <p className="error">{error ?? actionError}</p>}
      {data && data.webhooks.length === 0 && <p className="muted">No subscriptions yet. Apps subscribe with webhook.subscribe, or through their client's webhook URL.</p>}
      {data && data.webhooks.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">URL</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.webhooks.map((s) => (
                <tr key={s.id}>
                  <td>
                    <code>{s.event}</code>
                    {s.static && <span className="muted"> (client webhook URL)</span>}
                  </td>
                  <td className="wrap">{s.url}</td>
                  <td>
                    {s.status}
                    {s.consecutiveFailures > 0 && ` · ${s.consecutiveFailures} failures in a row`}
                    {s.disabledReason && <div className="muted">{s.disabledReason}</div>}
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => onPick(s.id)} aria-label={`Deliveries of ${s.event} to ${s.url}`}>
                      Deliveries
                    </button>
                    <button type="button" onClick={() => void toggle(s)}>
                      {s.status === 'active' ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function DeliveryLog({ subscriptionId, onClear }: { subscriptionId: string | null; onClear: () => void }) {
  const [status, setStatus] = useState<'' | Delivery['status']>('')
  const [rows, setRows] = useState<Delivery[]>([])
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<string | null>(null)
  const [replayed, setReplayed] = useState<Set<string>>(new Set())

  const fetchPage = useCallback(
    (after?: string) => get<{ deliveries: Delivery[]; nextCursor?: string }>('/admin/webhooks.deliveries', { limit: 25, status, subscriptionId, cursor: after }),
    [status, subscriptionId],
  )
  const refresh = useCallback(() => {
    setError(null)
    fetchPage().then(
      (page) => {
        setRows(page.deliveries)
        setCursor(page.nextCursor)
      },
      (e: Error) => setError(e.message),
    )
  }, [fetchPage])
  useEffect(refresh, [refresh])

  const more = async () => {
    try {
      const page = await fetchPage(cursor)
      setRows((r) => [...r, ...page.deliveries])
      setCursor(page.nextCursor)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const replay = async (id: string) => {
    setError(null)
    try {
      const d = await post<Delivery>('/admin/webhooks.replay', { id })
      setRows((r) => r.map((x) => (x.id === id ? d : x)))
      setReplayed((s) => new Set(s).add(id))
    } catch (e) {
      setError((e as Error).message)
    }
  }

  return (
    <section className="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Delivery log</h2>
      <div className="row">
        <label htmlFor="delivery-status">Status</label>
        <select id="delivery-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">All</option>
          <option value="pending">Pending</option>
          <option value="delivered">Delivered</option>
          <option value="failed">Failed</option>
        </select>
        {subscriptionId && (
          <button type="button" onClick={onClear}>
            All subscriptions
          </button>
        )}
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {rows.length === 0 && !error && <p className="muted">No deliveries.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">URL</th>
                <th scope="col">Result</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => {
                const last = d.attempts.at(-1)
                return (
                  <tr key={d.id}>
                    <td>
                      <code>{d.event}</code>
                    </td>
                    <td className="wrap">{d.url}</td>
                    <td>
                      <span className={`badge ${d.status}`}>{d.status}</span>
                      {last && ` · ${last.statusCode ?? last.outcome} · ${d.attempts.length} ${d.attempts.length === 1 ? 'attempt' : 'attempts'}`}
                      {replayed.has(d.id) && <span role="status"> · replay queued</span>}
                      {open === d.id && (
                        <ol className="attempts">
                          {d.attempts.map((a) => (
                            <li key={a.attempt}>
                              {when(a.at)}: {a.outcome}
                              {a.statusCode ? ` ${a.statusCode}` : ''} in {a.latencyMs} ms{a.error ? ` — ${a.error}` : ''}
                              {a.response && <pre>{a.response}</pre>}
                            </li>
                          ))}
                        </ol>
                      )}
                    </td>
                    <td>{when(d.createdAt)}</td>
                    <td className="actions">
                      <button type="button" onClick={() => setOpen(open === d.id ? null : d.id)} aria-expanded={open === d.id} disabled={d.attempts.length === 0}>
                        Attempts
                      </button>
                      <button type="button" onClick={() => void replay(d.id)} aria-label={`Replay ${d.event} delivery ${d.id}`}>
                        Replay
                      </button>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" onClick={() => void more()}>
          Older deliveries
        </button>
      )}
    </section>
  )
}

/** Every webhook subscription of the organization and the delivery log with replay. */
export function Webhooks() {
  const [subscription, setSubscription] = useState<string | null>(null)
  return (
    <>
      <Subscriptions onPick={setSubscription} />
      <DeliveryLog subscriptionId={subscription} onClear={() => setSubscription(null)} />
    </>
  )
}
