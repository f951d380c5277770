import { useCallback, useContext, useEffect, useId, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { SessionContext } from '../session'
import { GroupSettings } from './GroupSettings'

interface Member {
  id: string
  kind: 'user' | 'bot'
  name: string
  email: string | null
}

export interface MembersPanelData {
  group: { id: string; name: string; private: boolean; archived: boolean }
  canManage: boolean
  members: Array<Member & { role: 'member' | 'admin' }>
  candidates: Member[]
}

function label(m: Member): string {
  return m.kind === 'bot' ? `${m.name} (app)` : m.email ? `${m.name} <${m.email}>` : m.name
}

/**
 * A group's members (people, and apps' bots named after their app). Organization administrators
 * and the group's admins add people and bots from a picker and remove members; everyone else who
 * may see the group sees the list. Adding an app's bot is how an app gets into a private group.
 * Organization administrators also rename and archive the group and promote members to group
 * admins (or demote them) through the admin API.
 */
export function MembersPanel({ group, onClose, onChanged }: { group: string; onClose: () => void; onChanged?: () => void }) {
  const [data, setData] = useState<MembersPanelData | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [picked, setPicked] = useState('')
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState('')
  const pickerId = useId()
  const headingId = useId()
  const orgAdmin = useContext(SessionContext)?.user.isAdmin === true

  const load = useCallback(async () => {
    try {
      setData(await get<MembersPanelData>('/app/group.members', { group }))
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }, [group])
  useEffect(() => {
    void load()
  }, [load])

  const change = async (path: '/app/group.add' | '/app/group.remove', member: Member) => {
    if (path === '/app/group.remove' && !window.confirm(`Remove ${label(member)} from ${data?.group.name ?? 'the group'}?`)) return
    setBusy(true)
    setError(null)
    try {
      setData(await post<MembersPanelData>(path, { group, members: [member.id] }))
      setNotice(path === '/app/group.add' ? `Added ${label(member)}.` : `Removed ${label(member)}.`)
      if (path === '/app/group.add') setPicked('')
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }

  /** An administrator's change through the admin API, then the panel as it now stands. */
  const adminChange = async (path: string, body: Record<string, string>, done: string) => {
    setBusy(true)
    setError(null)
    try {
      await post(path, body)
      await load()
      setNotice(done)
      // A new name shows elsewhere too (the conversation list and header). An archived group stays
      // on screen, marked archived, until the list is next loaded.
      if (path === '/admin/groups.rename') onChanged?.()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const setRole = (m: Member, role: 'admin' | 'member') =>
    void adminChange(role === 'admin' ? '/admin/groups.promote' : '/admin/groups.demote', { group, member: m.id }, role === 'admin' ? `${label(m)} is now a group admin.` : `${label(m)} is now a member.`)

  const onAdd = (e: FormEvent) => {
    e.preventDefault()
    const member = data?.candidates.find((c) => c.id === picked)
    if (member) void change('/app/group.add', member)
  }

  const people = data?.candidates.filter((c) => c.kind === 'user') ?? []
  const apps = data?.candidates.filter((c) => c.kind === 'bot') ?? []
  return (
    <aside className="thread members-panel" aria-labelledby={headingId}>
      <header>
        <h2 id={headingId}>Members{data ? ` of ${data.group.name}` : ''}</h2>
        <button type="button" onClick={onClose} aria-label="Close members">
          ✕
        </button>
      </header>
      <div className="members-body">
        {error && <p className="error" role="alert">{error}</p>}
        {!data && !error && <p className="muted">Loading…</p>}
        {data && (
          <>
            <ul className="member-list" aria-label={`Members of ${data.group.name}`}>
              {data.members.map((m) => (
                <li key={m.id}>
                  <span className="member-name">
                    {m.name}
                    {m.kind === 'bot' && <span className="tag">app</span>}
                    {m.role === 'admin' && <span className="tag">admin</span>}
                  </span>
                  {orgAdmin && !data.group.archived && (
                    <button type="button" disabled={busy} onClick={() => setRole(m, m.role === 'admin' ? 'member' : 'admin')} aria-label={`${m.role === 'admin' ? 'Demote' : 'Promote'} ${label(m)}`}>
                      {m.role === 'admin' ? 'Demote' : 'Promote'}
                    </button>
                  )}
                  {data.canManage && m.role !== 'admin' && (
                    <button type="button" className="danger" disabled={busy} onClick={() => void change('/app/group.remove', m)} aria-label={`Remove ${label(m)}`}>
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {data.members.length === 0 && <p className="muted">Nobody is in this group.</p>}
            {data.canManage && (
              <form className="member-add" onSubmit={onAdd}>
                <label htmlFor={pickerId}>Add a person or app</label>
                <select id={pickerId} value={picked} onChange={(e) => setPicked(e.target.value)}>
                  <option value="">Choose…</option>
                  {people.length > 0 && (
                    <optgroup label="People">
                      {people.map((c) => (
                        <option key={c.id} value={c.id}>
                          {label(c)}
                        </option>
                      ))}
                    </optgroup>
                  )}
                  {apps.length > 0 && (
                    <optgroup label="Apps">
                      {apps.map((c) => (
                        <option key={c.id} value={c.id}>
                          {label(c)}
                        </option>
                      ))}
                    </optgroup>
                  )}
                </select>
                <button type="submit" className="primary" disabled={busy || picked === ''}>
                  Add
                </button>
              </form>
            )}
            {!data.canManage && !data.group.archived && <p className="muted">Administrators and the group&apos;s admins manage its members.</p>}
            {data.group.archived && <p className="muted">This group is archived: it takes no new messages or members.</p>}
            {orgAdmin && !data.group.archived && (
              <GroupSettings
                group={data.group}
                busy={busy}
                onRename={(name) => void adminChange('/admin/groups.rename', { id: group, name }, `Renamed to ${name}.`)}
                onArchive={() => {
                  if (window.confirm(`Archive ${data.group.name}? It keeps its history but takes no new messages or members. This cannot be undone.`)) {
                    void adminChange('/admin/groups.archive', { id: group }, `${data.group.name} is archived.`)
                  }
                }}
              />
            )}
          </>
        )}
        <p className="visually-hidden" role="status" aria-live="polite">
          {notice}
        </p>
      </div>
    </aside>
  )
}
