import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { get, post } from '../api'
import { Link, useRouter } from '../router'
import { useOffice } from '../people'

/** Roam's scope vocabulary, for the API client form. */
export const ALL_SCOPES = [
  'chat:read', 'chat:write', 'chat:send_message', 'chat:history', 'item:write', 'group:write', 'groups:read', 'user:read', 'user:read.email',
  'user:read.status', 'user:write', 'userauditlog:read', 'transcript:read', 'meetings:read', 'meeting:write', 'meetinglink:read', 'meetinglink:write',
  'lobby:read', 'webhook:read', 'webhook:write', 'recordings:read', 'admin:compliance:read',
]

interface Client {
  clientId: string
  botId: string
  name: string
  authType: 'api_key' | 'oauth'
  scopes: string[]
  redirectUris: string[]
  interactivityUrl: string | null
  webhookUrl: string | null
  createdAt: string
}

interface PersonalAccess {
  id: string
  kind: 'pat' | 'oauth'
  user: string
  name: string
  scopes: string[]
  status: 'active' | 'pending' | 'rejected' | 'revoked'
  createdAt: string
}

function useLoad<T>(load: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const reload = useCallback(() => {
    load().then(
      (d) => {
        setData(d)
        setError(null)
      },
      (e: Error) => setError(e.message),
    )
  }, [load])
  useEffect(reload, [reload])
  return { data, error, reload }
}

function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div role="status">
      <p>
        <strong>{label}</strong> — copy it now; it is shown only once.
      </p>
      <p className="secret" data-secret={label}>
        {value}
      </p>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(value)}>
        Copy
      </button>
    </div>
  )
}

function ScopePicker({ value, onChange, idPrefix }: { value: string[]; onChange: (v: string[]) => void; idPrefix: string }) {
  return (
    <fieldset>
      <legend>Scopes</legend>
      <div className="scopes">
        {ALL_SCOPES.map((s) => (
          <label key={s} htmlFor={`${idPrefix}-${s}`}>
            <input id={`${idPrefix}-${s}`} type="checkbox" checked={value.includes(s)} onChange={(e) => onChange(e.target.checked ? [...value, s] : value.filter((x) => x !== s))} /> {s}
          </label>
        ))}
      </div>
    </fieldset>
  )
}

function Clients() {
  const load = useCallback(() => get<{ clients: Client[] }>('/admin/clients.list'), [])
  const { data, error, reload } = useLoad(load)
  const [name, setName] = useState('')
  const [authType, setAuthType] = useState<'api_key' | 'oauth'>('api_key')
  const [scopes, setScopes] = useState<string[]>(['chat:read', 'chat:send_message', 'chat:history'])
  const [redirects, setRedirects] = useState('')
  const [interactivityUrl, setInteractivityUrl] = useState('')
  const [webhookUrl, setWebhookUrl] = useState('')
  const [created, setCreated] = useState<{ apiKey?: string; clientSecret?: string; signingSecret: string; client: Client } | null>(null)
  const [formError, setFormError] = useState<string | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setFormError(null)
    try {
      const r = await post<{ apiKey?: string; clientSecret?: string; signingSecret: string; client: Client }>('/admin/clients.create', {
        name,
        authType,
        scopes,
        ...(authType === 'oauth' ? { redirectUris: redirects.split(/\s+/).filter(Boolean) } : {}),
        ...(interactivityUrl ? { interactivityUrl } : {}),
        ...(webhookUrl ? { webhookUrl } : {}),
      })
      setCreated(r)
      setName('')
      reload()
    } catch (err) {
      setFormError((err as Error).message)
    }
  }
  const remove = async (clientId: string) => {
    if (!window.confirm('Delete this API client? Its keys stop working.')) return
    await post('/admin/clients.delete', { clientId })
    reload()
  }
  return (
    <>
      <section className="card" aria-labelledby="new-client">
        <h2 id="new-client">New API client</h2>
        <form onSubmit={submit}>
          <label htmlFor="client-name">Name</label>
          <input id="client-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
          <label htmlFor="client-type">Kind</label>
          <select id="client-type" value={authType} onChange={(e) => setAuthType(e.target.value as 'api_key' | 'oauth')}>
            <option value="api_key">API key (organization access)</option>
            <option value="oauth">OAuth 2.0 client</option>
          </select>
          {authType === 'oauth' && (
            <>
              <label htmlFor="client-redirects">Redirect URIs (one per line)</label>
              <textarea id="client-redirects" value={redirects} onChange={(e) => setRedirects(e.target.value)} />
            </>
          )}
          <label htmlFor="client-interactivity">Interactivity URL</label>
          <input id="client-interactivity" type="url" value={interactivityUrl} onChange={(e) => setInteractivityUrl(e.target.value)} placeholder="https://example.com/roam/interactivity" />
          <label htmlFor="client-webhook">Webhook URL</label>
          <input id="client-webhook" type="url" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} placeholder="https://example.com/roam/events" />
          <ScopePicker value={scopes} onChange={setScopes} idPrefix="client-scope" />
          <div className="row">
            <button type="button" onClick={() => setScopes([...ALL_SCOPES])}>
              All scopes
            </button>
            <button type="submit" className="primary">
              Create client
            </button>
          </div>
          {formError && <p className="error">{formError}</p>}
        </form>
        {created && (
          <div style={{ marginTop: '1rem' }}>
            <p>
              Created <strong>{created.client.name}</strong> (client id <code>{created.client.clientId}</code>, bot <code>{created.client.botId}</code>).
            </p>
            {created.apiKey && <Secret label="API key" value={created.apiKey} />}
            {created.clientSecret && <Secret label="Client secret" value={created.clientSecret} />}
            <Secret label="Signing secret" value={created.signingSecret} />
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="clients-title">
        <h2 id="clients-title">API clients</h2>
        {error && <p className="error">{error}</p>}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Scopes</th>
                <th scope="col">URLs</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data?.clients.map((c) => (
                <tr key={c.clientId}>
                  <td>
                    {c.name}
                    <br />
                    <code>{c.clientId}</code>
                  </td>
                  <td>{c.authType === 'api_key' ? 'API key' : 'OAuth'}</td>
                  <td>{c.scopes.length === ALL_SCOPES.length ? 'all' : c.scopes.join(', ')}</td>
                  <td>
                    {c.interactivityUrl && <div>Interactivity: {c.interactivityUrl}</div>}
                    {c.webhookUrl && <div>Webhook: {c.webhookUrl}</div>}
                    {c.redirectUris.map((u) => (
                      <div key={u}>Redirect: {u}</div>
                    ))}
                  </td>
                  <td>
                    <ClientSettings client={c} onChanged={reload} />
                    <button type="button" className="danger" onClick={() => void remove(c.clientId)} aria-label={`Delete ${c.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
}

/** Interactivity URL, webhook URL, redirect URIs and signing-secret rotation of one client. */
function ClientSettings({ client, onChanged }: { client: Client; onChanged: () => void }) {
  const [open, setOpen] = useState(false)
  const [interactivityUrl, setInteractivityUrl] = useState(client.interactivityUrl ?? '')
  const [webhookUrl, setWebhookUrl] = useState(client.webhookUrl ?? '')
  const [redirects, setRedirects] = useState(client.redirectUris.join('\n'))
  const [secret, setSecret] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await post('/admin/clients.update', {
        clientId: client.clientId,
        interactivityUrl: interactivityUrl || null,
        webhookUrl: webhookUrl || null,
        ...(client.authType === 'oauth' ? { redirectUris: redirects.split(/\s+/).filter(Boolean) } : {}),
      })
      onChanged()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const rotate = async () => {
    setError(null)
    try {
      const r = await post<{ signingSecret: string }>('/admin/clients.rotateSecret', { clientId: client.clientId })
      setSecret(r.signingSecret)
    } catch (err) {
      setError((err as Error).message)
    }
  }
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)} aria-label={`Settings of ${client.name}`}>
        Settings
      </button>
    )
  const id = `settings-${client.clientId}`
  return (
    <form onSubmit={save} style={{ display: 'grid', gap: '0.35rem', minWidth: 260 }}>
      <label htmlFor={`${id}-i`}>Interactivity URL</label>
      <input id={`${id}-i`} type="url" value={interactivityUrl} onChange={(e) => setInteractivityUrl(e.target.value)} />
      <label htmlFor={`${id}-w`}>Webhook URL</label>
      <input id={`${id}-w`} type="url" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} />
      {client.authType === 'oauth' && (
        <>
          <label htmlFor={`${id}-r`}>Redirect URIs</label>
          <textarea id={`${id}-r`} value={redirects} onChange={(e) => setRedirects(e.target.value)} />
        </>
      )}
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={() => void rotate()}>
          Rotate signing secret
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      {secret && <Secret label="New signing secret" value={secret} />}
      {error && <p className="error">{error}</p>}
    </form>
  )
}

function PersonalAccessAdmin() {
  const loadSettings = useCallback(() => get<{ personalAccess: 'disabled' | 'approval' | 'auto' }>('/admin/settings.info'), [])
  const settings = useLoad(loadSettings)
  const loadTokens = useCallback(() => get<{ tokens: PersonalAccess[] }>('/admin/pats.list'), [])
  const tokens = useLoad(loadTokens)
  const { people } = useOffice()
  const nameOf = (id: string) => people.find((p) => p.id === id)?.name ?? id
  const setPolicy = async (personalAccess: string) => {
    await post('/admin/settings.update', { personalAccess })
    settings.reload()
  }
  const decide = async (id: string, verb: 'approve' | 'reject' | 'revoke') => {
    await post(`/admin/pats.${verb}`, { id })
    tokens.reload()
  }
  const pending = tokens.data?.tokens.filter((t) => t.status === 'pending') ?? []
  const others = tokens.data?.tokens.filter((t) => t.status !== 'pending') ?? []
  return (
    <>
      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Personal access policy</h2>
        <label htmlFor="policy">Personal access tokens and personal OAuth installs</label>{' '}
        <select id="policy" value={settings.data?.personalAccess ?? 'approval'} onChange={(e) => void setPolicy(e.target.value)}>
          <option value="disabled">Disabled</option>
          <option value="approval">Need an administrator's approval</option>
          <option value="auto">Approved automatically</option>
        </select>
        {settings.error && <p className="error">{settings.error}</p>}
      </section>
      <section className="card" aria-labelledby="queue-title">
        <h2 id="queue-title">Approval queue</h2>
        {pending.length === 0 && <p className="muted">Nothing waiting.</p>}
        <ul>
          {pending.map((t) => (
            <li key={t.id} className="row" style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
              <span style={{ flex: 1 }}>
                {nameOf(t.user)} — {t.name} ({t.scopes.join(', ')})
              </span>
              <button type="button" className="primary" onClick={() => void decide(t.id, 'approve')}>
                Approve
              </button>
              <button type="button" className="danger" onClick={() => void decide(t.id, 'reject')}>
                Reject
              </button>
            </li>
          ))}
        </ul>
        <h3>All personal access</h3>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {others.map((t) => (
                <tr key={t.id}>
                  <td>{nameOf(t.user)}</td>
                  <td>{t.name}</td>
                  <td>{t.status}</td>
                  <td>
                    {t.status === 'active' && (
                      <button type="button" className="danger" onClick={() => void decide(t.id, 'revoke')}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
}

function People() {
  const { people } = useOffice()
  return (
    <section className="card" aria-labelledby="people-title">
      <h2 id="people-title">Users</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.email}</td>
                <td>{p.isAdmin ? 'Administrator' : 'Member'}</td>
                <td>
                  {p.presence} · {p.status === 'checkedIn' ? 'checked in' : 'checked out'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <GroupsAdmin />
    </section>
  )
}

interface GroupInfo {
  id: string
  name: string
  description?: string
  private?: boolean
}

function GroupsAdmin() {
  const load = useCallback(() => get<{ groups: GroupInfo[] }>('/v0/group.list', { limit: 100 }), [])
  const { data, error, reload } = useLoad(load)
  const [name, setName] = useState('')
  const [formError, setFormError] = useState<string | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setFormError(null)
    try {
      await post('/v0/group.create', { name })
      setName('')
      reload()
    } catch (err) {
      setFormError((err as Error).message)
    }
  }
  return (
    <>
      <h2 style={{ marginTop: '1rem' }}>Groups</h2>
      <form onSubmit={create} className="row" style={{ display: 'flex' }}>
        <label htmlFor="group-name">New group</label>
        <input id="group-name" value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit" className="primary">
          Create group
        </button>
      </form>
      {(formError ?? error) && <p className="error">{formError ?? error}</p>}
      <ul>
        {data?.groups.map((g) => (
          <li key={g.id}>
            <Link to={`/chat/${g.id}`}>{g.name}</Link> {g.private ? <span className="muted">(private)</span> : null}
          </li>
        ))}
      </ul>
    </>
  )
}

interface Subscription {
  id: string
  event: string
  url: string
  [k: string]: unknown
}
interface Delivery {
  id: string
  event?: string
  type?: string
  url?: string
  status?: string | number
  statusCode?: number | null
  attempts?: number
  createdAt?: string
  [k: string]: unknown
}

function Webhooks() {
  const loadSubs = useCallback(() => get<{ subscriptions?: Subscription[]; webhooks?: Subscription[] }>('/admin/webhooks.list'), [])
  const subs = useLoad(loadSubs)
  const loadDeliveries = useCallback(() => get<{ deliveries: Delivery[] }>('/admin/deliveries.list', { limit: 50 }), [])
  const deliveries = useLoad(loadDeliveries)
  const loadRelays = useCallback(() => get<{ relays: Array<Record<string, unknown>> }>('/admin/relays.list'), [])
  const relays = useLoad(loadRelays)
  const replay = async (id: string) => {
    await post('/admin/deliveries.replay', { id })
    deliveries.reload()
  }
  const list = subs.data?.subscriptions ?? subs.data?.webhooks ?? []
  return (
    <>
      <section className="card" aria-labelledby="subs-title">
        <h2 id="subs-title">Webhook subscriptions</h2>
        {subs.error && <p className="error">{subs.error}</p>}
        <ul>
          {list.map((s) => (
            <li key={s.id}>
              <code>{s.event}</code> → {s.url}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Delivery log</h2>
        {deliveries.error && <p className="error">{deliveries.error}</p>}
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
              {deliveries.data?.deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.event ?? d.type}</td>
                  <td>{d.url}</td>
                  <td>
                    {String(d.status ?? '')} {d.statusCode ? `(${d.statusCode})` : ''} {d.attempts ? `· ${d.attempts} attempts` : ''}
                  </td>
                  <td>{d.createdAt}</td>
                  <td>
                    <button type="button" onClick={() => void replay(d.id)}>
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="relays-title">
        <h2 id="relays-title">Webhook relays</h2>
        {relays.error && <p className="error">{relays.error}</p>}
        <ul>
          {relays.data?.relays.map((r, i) => (
            <li key={i}>
              <code>{JSON.stringify(r)}</code>
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}

const SECTIONS: Array<[string, string, () => ReactNode]> = [
  ['clients', 'API clients', () => <Clients />],
  ['webhooks', 'Webhooks & deliveries', () => <Webhooks />],
  ['personal-access', 'Personal access', () => <PersonalAccessAdmin />],
  ['people', 'Users & groups', () => <People />],
]

/** The developer console (administrators). */
export function Console() {
  const { path } = useRouter()
  const current = path.split('/')[2] || 'clients'
  const section = SECTIONS.find(([id]) => id === current) ?? SECTIONS[0]!
  return (
    <div className="console">
      <nav aria-label="Console sections">
        <h1 style={{ fontSize: '1.1rem' }}>Developer console</h1>
        {SECTIONS.map(([id, label]) => (
          <Link key={id} to={`/console/${id}`} aria-current={id === section[0] ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <div>{section[2]()}</div>
    </div>
  )
}
