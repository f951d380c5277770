import { useCallback, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { ALL_SCOPES, PersonalAccessTable, ScopePicker, Secret, useLoad, type PersonalAccess } from '../components/credentials'

const PERSONAL_SCOPES = ALL_SCOPES.filter((s) => !s.startsWith('admin:'))

/** Every person's own personal access tokens (`rmp-…`) and personal app installs. */
export function Tokens() {
  const load = useCallback(() => get<{ tokens: PersonalAccess[] }>('/account/pats.list'), [])
  const tokens = useLoad(load)
  const [error, setError] = useState<string | null>(null)
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>(['chat:read', 'chat:history', 'chat:send_message'])
  const [created, setCreated] = useState<{ token: string; status: string } | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const r = await post<{ token: string; status: string }>('/account/pats.create', { name, scopes })
      setCreated(r)
      setName('')
      tokens.reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const revoke = async (id: string) => {
    setError(null)
    try {
      await post('/account/pats.revoke', { id })
      tokens.reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  return (
    <div>
      <h1>Personal access tokens</h1>
      <section className="card" aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <form onSubmit={create}>
          <label htmlFor="token-name">Name</label>
          <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required />
          <ScopePicker value={scopes} onChange={setScopes} idPrefix="token-scope" scopes={PERSONAL_SCOPES} />
          <button type="submit" className="primary">
            Create token
          </button>
        </form>
        {created && <Secret label="Personal access token" value={created.token} note={created.status === 'pending' ? '(waiting for an administrator’s approval)' : undefined} />}
        {error && <p className="error">{error}</p>}
      </section>
      <section className="card" aria-labelledby="my-tokens">
        <h2 id="my-tokens">Your tokens and apps</h2>
        {tokens.error && <p className="error">{tokens.error}</p>}
        <PersonalAccessTable
          caption="Your tokens and apps"
          rows={tokens.data?.tokens ?? []}
          actions={(t) =>
            (t.status === 'active' || t.status === 'pending') && (
              <button type="button" className="danger" onClick={() => void revoke(t.id)} aria-label={`Revoke ${t.name}`}>
                Revoke
              </button>
            )
          }
        />
      </section>
    </div>
  )
}
