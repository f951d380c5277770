import { useCallback, useEffect, useState } from 'react'

/** Roam's scope vocabulary (the server's list), for API clients and personal access tokens. */
export const ALL_SCOPES = [
  'chat:read', 'chat:write', 'chat:send_message', 'chat:history', 'item:write', 'group:write', 'groups:read', 'user:read', 'user:read.email',
  'user:read.status', 'user:write', 'userauditlog:read', 'transcript:read', 'meetings:read', 'meeting:write', 'meetinglink:read', 'meetinglink:write',
  'lobby:read', 'webhook:read', 'webhook:write', 'recordings:read', 'admin:compliance:read',
]

/** Loads once, and again on `reload()`; keeps the last error for display. */
export function useLoad<T>(load: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
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

/** A secret shown exactly once (API key, token, signing secret, relay URL), with a copy button. */
export function Secret({ label, value, note }: { label: string; value: string; note?: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <div role="status" className="secret-box">
      <p>
        <strong>{label}</strong>
        {note ? ` ${note}` : ''} — copy it now; it is shown only once.
      </p>
      <p className="secret" data-secret={label}>
        {value}
      </p>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  )
}

/** Checkboxes for a set of scopes; `idPrefix` keeps the labels unique on a page. */
export function ScopePicker({ value, onChange, idPrefix, scopes = ALL_SCOPES }: { value: string[]; onChange: (v: string[]) => void; idPrefix: string; scopes?: string[] }) {
  return (
    <fieldset>
      <legend>Scopes</legend>
      <div className="scopes">
        {scopes.map((s) => (
          <label key={s} htmlFor={`${idPrefix}-${s}`}>
            <input id={`${idPrefix}-${s}`} type="checkbox" checked={value.includes(s)} onChange={(e) => onChange(e.target.checked ? [...value, s] : value.filter((x) => x !== s))} /> {s}
          </label>
        ))}
      </div>
    </fieldset>
  )
}

/** Status of a personal access token or personal app install. */
export type AccessStatus = 'active' | 'pending' | 'rejected' | 'revoked'

/** A personal access token (`rmp-…`) or personal OAuth install, as the account and admin APIs list them. */
export interface PersonalAccess {
  id: string
  kind: 'pat' | 'oauth'
  user: string
  name: string
  app?: { clientId: string; name: string }
  scopes: string[]
  status: AccessStatus
  createdAt: string
}

/**
 * The table of personal access (own tokens on /tokens, everyone's in the console). `person`
 * adds the owner column; `actions` renders the buttons of one row.
 */
export function PersonalAccessTable({ rows, person, actions, caption }: { rows: PersonalAccess[]; person?: (t: PersonalAccess) => string; actions: (t: PersonalAccess) => React.ReactNode; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {person && <th scope="col">Person</th>}
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
          {rows.map((t) => (
            <tr key={t.id}>
              {person && <td>{person(t)}</td>}
              <td>{t.app ? `${t.app.name} (app)` : t.name}</td>
              <td>{t.scopes.join(', ')}</td>
              <td>{t.status}</td>
              <td>{new Date(t.createdAt).toLocaleDateString()}</td>
              <td>{actions(t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
