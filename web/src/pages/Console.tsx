import { useCallback, useState, type FormEvent, type ReactNode } from 'react'
import { get, post } from '../api'
import { ALL_SCOPES, PersonalAccessTable, ScopePicker, Secret, useLoad, type PersonalAccess } from '../components/credentials'
import { Relays } from '../console/Relays'
import { Webhooks } from '../console/Webhooks'
import { useDirectory } from '../directory'
import { Link, useRouter } from '../router'
import { useOffice } from '../people'

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
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setSaved(false)
    try {
      await post<{ client: Client }>('/admin/clients.update', {
        clientId: client.clientId,
        interactivityUrl: interactivityUrl || null,
        webhookUrl: webhookUrl || null,
        ...(client.authType === 'oauth' ? { redirectUris: redirects.split(/\s+/).filter(Boolean) } : {}),
      })
      setSaved(true)
      onChanged()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const rotate = async () => {
    if (!window.confirm(`Rotate the signing secret of ${client.name}? Deliveries are signed with the new secret at once.`)) return
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
      {saved && <p role="status">Saved.</p>}
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
  const directory = useDirectory()
  const [error, setError] = useState<string | null>(null)
  const nameOf = (t: PersonalAccess) => directory.nameOf(t.user) ?? t.user
  const act = async (what: () => Promise<unknown>) => {
    setError(null)
    try {
      await what()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const setPolicy = (personalAccess: string) => act(async () => (await post('/admin/settings.update', { personalAccess }), settings.reload()))
  const decide = (id: string, verb: 'approve' | 'reject' | 'revoke') => act(async () => (await post(`/admin/pats.${verb}`, { id }), tokens.reload()))
  const pending = tokens.data?.tokens.filter((t) => t.status === 'pending') ?? []
  const others = tokens.data?.tokens.filter((t) => t.status !== 'pending') ?? []
  return (
    <>
      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Personal access policy</h2>
        <label htmlFor="policy">Personal access tokens and personal OAuth installs</label>{' '}
        <select id="policy" value={settings.data?.personalAccess ?? 'approval'} onChange={(e) => void setPolicy(e.target.value)} disabled={!settings.data}>
          <option value="disabled">Disabled</option>
          <option value="approval">Need an administrator's approval</option>
          <option value="auto">Approved automatically</option>
        </select>
        {(settings.error ?? error) && <p className="error">{settings.error ?? error}</p>}
      </section>
      <section className="card" aria-labelledby="queue-title">
        <h2 id="queue-title">Approval queue</h2>
        {tokens.error && <p className="error">{tokens.error}</p>}
        {pending.length === 0 && <p className="muted">Nothing waiting.</p>}
        {pending.length > 0 && (
          <PersonalAccessTable
            caption="Waiting for approval"
            rows={pending}
            person={nameOf}
            actions={(t) => (
              <>
                <button type="button" className="primary" onClick={() => void decide(t.id, 'approve')} aria-label={`Approve ${t.name} of ${nameOf(t)}`}>
                  Approve
                </button>
                <button type="button" className="danger" onClick={() => void decide(t.id, 'reject')} aria-label={`Reject ${t.name} of ${nameOf(t)}`}>
                  Reject
                </button>
              </>
            )}
          />
        )}
        <h3>All personal access</h3>
        <PersonalAccessTable
          caption="All personal access"
          rows={others}
          person={nameOf}
          actions={(t) =>
            t.status === 'active' && (
              <button type="button" className="danger" onClick={() => void decide(t.id, 'revoke')} aria-label={`Revoke ${t.name} of ${nameOf(t)}`}>
                Revoke
              </button>
            )
          }
        />
      </section>
    </>
  )
}

/** The organization's people; a new person gets a one-time sign-in link to hand them. */
function People() {
  const { people, reload } = useOffice()
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [isAdmin, setIsAdmin] = useState(false)
  const [added, setAdded] = useState<{ name: string; link: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const add = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const r = await post<{ user: { name: string }; signinLink: string }>('/admin/users.create', { email, name, isAdmin })
      setAdded({ name: r.user.name, link: r.signinLink })
      setEmail('')
      setName('')
      setIsAdmin(false)
      void reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  return (
    <section className="card" aria-labelledby="people-title">
      <h2 id="people-title">Users</h2>
      <form onSubmit={add}>
        <label htmlFor="person-email">Email</label>
        <input id="person-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor="person-name">Full name</label>
        <input id="person-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        <label>
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} /> Administrator
        </label>
        <div className="row">
          <button type="submit" className="primary">
            Add person
          </button>
        </div>
        {error && <p className="error">{error}</p>}
      </form>
      {added && <Secret label="Sign-in link" value={added.link} note={`for ${added.name} (one-time, valid 24 hours)`} />}
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
    </section>
  )
}

interface AdminGroup {
  id: string
  chat: string
  name: string
  description: string | null
  private: boolean
  createdAt: string
}

/** Every group of the organization; a new one has the administrator as its group admin. */
function GroupsAdmin() {
  const load = useCallback(() => get<{ groups: AdminGroup[] }>('/admin/groups.list'), [])
  const { data, error, reload } = useLoad(load)
  const [name, setName] = useState('')
  const [members, setMembers] = useState('')
  const [secret, setSecret] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setFormError(null)
    try {
      await post('/admin/groups.create', { name, private: secret, members: members.split(/[\s,]+/).filter(Boolean) })
      setName('')
      setMembers('')
      setSecret(false)
      reload()
    } catch (err) {
      setFormError((err as Error).message)
    }
  }
  return (
    <section className="card" aria-labelledby="groups-title">
      <h2 id="groups-title">Groups</h2>
      <form onSubmit={create}>
        <label htmlFor="group-name">New group</label>
        <input id="group-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        <label htmlFor="group-members">Members' emails (you join as the group's admin)</label>
        <textarea id="group-members" value={members} onChange={(e) => setMembers(e.target.value)} />
        <label>
          <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> Private
        </label>
        <div className="row">
          <button type="submit" className="primary">
            Create group
          </button>
        </div>
        {formError && <p className="error">{formError}</p>}
      </form>
      {error && <p className="error">{error}</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Visibility</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {data?.groups.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link to={`/chat/${g.chat}`}>{g.name}</Link>
                  {g.description && <div className="muted">{g.description}</div>}
                </td>
                <td>{g.private ? 'Private' : 'Public'}</td>
                <td>{new Date(g.createdAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

const SECTIONS: Array<[string, string, () => ReactNode]> = [
  ['clients', 'API clients', () => <Clients />],
  ['webhooks', 'Webhooks & deliveries', () => <Webhooks />],
  ['relays', 'Webhook relays', () => <Relays />],
  ['personal-access', 'Personal access', () => <PersonalAccessAdmin />],
  ['people', 'Users & groups', () => (
    <>
      <People />
      <GroupsAdmin />
    </>
  )],
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
