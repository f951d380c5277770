import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { ALL_SCOPES } from './Console'

interface Token {
  id: string
  kind: 'pat' | 'oauth'
  name: string
  app?: { clientId: string; name: string }
  scopes: string[]
  status: 'active' | 'pending' | 'rejected' | 'revoked'
  createdAt: string
}

/** Every person's own personal access tokens (`rmp-…`) and personal app installs. */
export function Tokens() {
  const [tokens, setTokens] = useState<Token[]>([])
  const [error, setError] = useState<string | null>(null)
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>(['chat:read', 'chat:history', 'chat:send_message'])
  const [created, setCreated] = useState<{ token: string; status: string } | null>(null)
  const reload = useCallback(() => {
    get<{ tokens: Token[] }>('/account/pats.list').then(
      (r) => setTokens(r.tokens),
      (e: Error) => setError(e.message),
    )
  }, [])
  useEffect(reload, [reload])
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const r = await post<{ token: string; status: string }>('/account/pats.create', { name, scopes })
      setCreated(r)
      setName('')
      reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const revoke = async (id: string) => {
    await post('/account/pats.revoke', { id })
    reload()
  }
  return (
    <div>
      <h1>Personal access tokens</h1>
      <section className="card" aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <form onSubmit={create}>
          <label htmlFor="token-name">Name</label>
          <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required />
          <fieldset>
            <legend>Scopes</legend>
            <div className="scopes">
              {ALL_SCOPES.filter((s) => !s.startsWith('admin:')).map((s) => (
                <label key={s} htmlFor={`token-scope-${s}`}>
                  <input id={`token-scope-${s}`} type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {s}
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" className="primary">
            Create token
          </button>
        </form>
        {created && (
          <div role="status" style={{ marginTop: '1rem' }}>
            <p>
              Your token{created.status === 'pending' ? ' (waiting for an administrator’s approval)' : ''} — copy it now; it is shown only once:
            </p>
            <p className="secret">{created.token}</p>
          </div>
        )}
        {error && <p className="error">{error}</p>}
      </section>
      <section className="card" aria-labelledby="my-tokens">
        <h2 id="my-tokens">Your tokens and apps</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.app ? `${t.app.name} (app)` : t.name}</td>
                  <td>{t.scopes.join(', ')}</td>
                  <td>{t.status}</td>
                  <td>{new Date(t.createdAt).toLocaleDateString()}</td>
                  <td>
                    {(t.status === 'active' || t.status === 'pending') && (
                      <button type="button" className="danger" onClick={() => void revoke(t.id)} aria-label={`Revoke ${t.name}`}>
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
    </div>
  )
}
