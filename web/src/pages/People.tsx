import { useCallback, useEffect, useId, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { PersonalAccessTable, Secret, type PersonalAccess } from '../components/credentials'
import { useSession } from '../session'

/** A person as the admin API lists them. */
export interface AdminPerson {
  id: string
  email: string
  name: string
  isAdmin: boolean
  active: boolean
  createdAt: string
}

interface SigninLink {
  signinLink: string
  expiresAt: string
  emailed: boolean
  mailError?: string
}

interface SessionRow {
  id: string
  createdAt: string
  expiresAt: string
}

const PAGE = 200

/** Every page of /admin/users.list. */
async function loadEveryone(): Promise<AdminPerson[]> {
  const out: AdminPerson[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await get<{ users: AdminPerson[]; nextCursor?: string }>('/admin/users.list', { limit: PAGE, cursor })
    out.push(...page.users)
    if (!page.nextCursor) return out
    cursor = page.nextCursor
  }
}

/** What became of a link: mailed, or to be handed over by the administrator. */
function linkNote(link: SigninLink): string {
  if (link.emailed) return '(also mailed to them)'
  if (link.mailError) return `(mailing it failed: ${link.mailError})`
  return '(no mail server is configured: hand it to them yourself)'
}

/**
 * Administrators' People page: everyone in the organization, inviting a person (a one-time
 * sign-in link, mailed when the server can), deactivating and reactivating, a sign-in link for
 * someone locked out, and each person's sessions and tokens with revoking.
 */
export function People() {
  const { user: me } = useSession()
  const [people, setPeople] = useState<AdminPerson[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState('')
  const [open, setOpen] = useState<string | null>(null)
  const [link, setLink] = useState<{ person: string; link: SigninLink; label: string } | null>(null)

  const reload = useCallback(async () => {
    try {
      setPeople(await loadEveryone())
    } catch (e) {
      setError((e as Error).message)
    }
  }, [])
  useEffect(() => {
    void reload()
  }, [reload])

  const act = async (run: () => Promise<void>) => {
    setError(null)
    try {
      await run()
    } catch (e) {
      setError((e as Error).message)
    }
  }

  const setActive = (p: AdminPerson, active: boolean) =>
    act(async () => {
      if (!active && !window.confirm(`Deactivate ${p.name}? They are signed out everywhere at once and their tokens stop working.`)) return
      await post(active ? '/admin/users.reactivate' : '/admin/users.deactivate', { id: p.id })
      setNotice(`${p.name} is ${active ? 'active again' : 'deactivated'}.`)
      await reload()
    })

  const resetLink = (p: AdminPerson) =>
    act(async () => {
      if (!window.confirm(`Create a one-time sign-in link for ${p.name}? Their password does not change.`)) return
      const made = await post<SigninLink>('/admin/users.resetPassword', { id: p.id })
      setLink({ person: p.id, link: made, label: `Sign-in link for ${p.name}` })
    })

  return (
    <div className="people-page">
      <h1>People</h1>
      <Invite
        onInvited={(person, made) => {
          setLink({ person: person.id, link: made, label: `Sign-in link for ${person.name}` })
          setNotice(`Invited ${person.name}.`)
          void reload()
        }}
      />
      {link && <Secret label={link.label} value={link.link.signinLink} note={linkNote(link.link)} />}
      <section className="card" aria-labelledby="people-list">
        <h2 id="people-list">Everyone</h2>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {!people && !error && <p className="muted">Loading…</p>}
        {people && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">People of the organization</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.map((p) => (
                  <tr key={p.id} data-person={p.email}>
                    <td>{p.name}</td>
                    <td>{p.email}</td>
                    <td>{p.isAdmin ? 'Administrator' : 'Member'}</td>
                    <td>{p.active ? 'Active' : 'Deactivated'}</td>
                    <td className="row-actions">
                      <button type="button" aria-expanded={open === p.id} aria-label={`Sessions and tokens of ${p.name}`} onClick={() => setOpen((o) => (o === p.id ? null : p.id))}>
                        Sessions and tokens
                      </button>
                      {p.active && (
                        <button type="button" onClick={() => void resetLink(p)} aria-label={`Sign-in link for ${p.name}`}>
                          Sign-in link
                        </button>
                      )}
                      {p.id !== me.address &&
                        (p.active ? (
                          <button type="button" className="danger" onClick={() => void setActive(p, false)} aria-label={`Deactivate ${p.name}`}>
                            Deactivate
                          </button>
                        ) : (
                          <button type="button" onClick={() => void setActive(p, true)} aria-label={`Reactivate ${p.name}`}>
                            Reactivate
                          </button>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {open && people?.find((p) => p.id === open) && <PersonAccess key={open} person={people.find((p) => p.id === open)!} onClose={() => setOpen(null)} />}
      <p className="visually-hidden" role="status" aria-live="polite">
        {notice}
      </p>
    </div>
  )
}

function Invite({ onInvited }: { onInvited: (person: AdminPerson, link: SigninLink) => void }) {
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [isAdmin, setIsAdmin] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const id = useId()
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const made = await post<SigninLink & { user: AdminPerson }>('/admin/users.invite', { email, name, isAdmin })
      setEmail('')
      setName('')
      setIsAdmin(false)
      onInvited(made.user, made)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Invite a person</h2>
      <form onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={128} required autoComplete="off" />
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} required autoComplete="off" />
        <label className="checkbox">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} /> Administrator
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Invite
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

/** One person's browser sessions and personal tokens, each revocable. */
function PersonAccess({ person, onClose }: { person: AdminPerson; onClose: () => void }) {
  const [sessions, setSessions] = useState<SessionRow[] | null>(null)
  const [tokens, setTokens] = useState<PersonalAccess[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const headingId = useId()
  const load = useCallback(async () => {
    try {
      const [s, t] = await Promise.all([
        get<{ sessions: SessionRow[] }>('/admin/users.sessions', { id: person.id }),
        get<{ tokens: PersonalAccess[] }>('/admin/pats.list', { user: person.id }),
      ])
      setSessions(s.sessions)
      setTokens(t.tokens)
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }, [person.id])
  useEffect(() => {
    void load()
  }, [load])

  const run = async (question: string, change: () => Promise<unknown>) => {
    if (!window.confirm(question)) return
    try {
      await change()
      await load()
    } catch (e) {
      setError((e as Error).message)
    }
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Sessions and tokens of {person.name}</h2>
      <button type="button" onClick={onClose} aria-label={`Close sessions and tokens of ${person.name}`}>
        Close
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <h3>Signed-in browsers</h3>
      {sessions && sessions.length === 0 && <p className="muted">Not signed in anywhere.</p>}
      {sessions && sessions.length > 0 && (
        <>
          <ul className="session-list" aria-label={`Sessions of ${person.name}`}>
            {sessions.map((s) => (
              <li key={s.id}>
                Signed in {new Date(s.createdAt).toLocaleString()}, expires {new Date(s.expiresAt).toLocaleString()}{' '}
                <button
                  type="button"
                  className="danger"
                  aria-label={`Sign out the session of ${new Date(s.createdAt).toLocaleString()}`}
                  onClick={() => void run(`Sign ${person.name} out of this browser?`, () => post('/admin/users.sessions.revoke', { id: person.id, session: s.id }))}
                >
                  Sign out
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="danger" onClick={() => void run(`Sign ${person.name} out everywhere?`, () => post('/admin/users.sessions.revoke', { id: person.id }))}>
            Sign out everywhere
          </button>
        </>
      )}
      <h3>Tokens and apps</h3>
      {tokens && tokens.length === 0 && <p className="muted">No personal tokens or apps.</p>}
      {tokens && tokens.length > 0 && (
        <PersonalAccessTable
          caption={`Tokens of ${person.name}`}
          rows={tokens}
          actions={(t) =>
            (t.status === 'active' || t.status === 'pending') && (
              <button type="button" className="danger" aria-label={`Revoke ${t.name}`} onClick={() => void run(`Revoke "${t.name}" of ${person.name}? It stops working at once.`, () => post('/admin/pats.revoke', { id: t.id }))}>
                Revoke
              </button>
            )
          }
        />
      )}
    </section>
  )
}
