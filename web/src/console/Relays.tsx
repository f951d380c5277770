import { useCallback, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { Secret, useLoad } from '../components/credentials'

/** A webhook relay: inbound JSON from any service → a message in a group or DMs to people. */
export interface Relay {
  id: string
  name: string
  groupId?: string | null
  recipients?: string[]
  template?: string
  filter?: unknown
  colorRules?: unknown
  linkButton?: { text?: string; url?: string } | null
  createdAt?: string
}

interface RelayInput {
  name: string
  groupId?: string
  recipients?: string[]
  template: string
  filter?: unknown
  colorRules?: unknown
  linkButton?: { text: string; url: string } | null
}

interface GroupChoice {
  id: string
  name: string
}

const json = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2))

/** Parses an optional JSON field; the error names the field. */
function parseJson(field: string, text: string): unknown {
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new Error(`${field}: not valid JSON`)
  }
}

/** The relay form, for a new relay and for changing one. */
function RelayForm({ initial, groups, submitLabel, onSubmit, onCancel }: { initial?: Relay; groups: GroupChoice[]; submitLabel: string; onSubmit: (input: RelayInput) => Promise<void>; onCancel?: () => void }) {
  const id = initial ? `relay-${initial.id}` : 'relay-new'
  const [name, setName] = useState(initial?.name ?? '')
  const [target, setTarget] = useState<'group' | 'people'>(initial?.recipients?.length ? 'people' : 'group')
  const [groupId, setGroupId] = useState(initial?.groupId ?? '')
  const [recipients, setRecipients] = useState((initial?.recipients ?? []).join('\n'))
  const [template, setTemplate] = useState(initial?.template ?? '')
  const [filter, setFilter] = useState(json(initial?.filter))
  const [colorRules, setColorRules] = useState(json(initial?.colorRules))
  const [linkText, setLinkText] = useState(initial?.linkButton?.text ?? '')
  const [linkUrl, setLinkUrl] = useState(initial?.linkButton?.url ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    try {
      const emails = recipients.split(/[\s,]+/).filter(Boolean)
      const filterValue = parseJson('Filter', filter)
      const colorValue = parseJson('Color rules', colorRules)
      await onSubmit({
        name,
        ...(target === 'group' ? { groupId } : { recipients: emails }),
        template,
        ...(filterValue !== undefined ? { filter: filterValue } : {}),
        ...(colorValue !== undefined ? { colorRules: colorValue } : {}),
        linkButton: linkUrl ? { text: linkText || 'Open', url: linkUrl } : null,
      })
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} className="relay-form">
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} />
      <fieldset>
        <legend>Deliver to</legend>
        <label>
          <input type="radio" name={`${id}-target`} checked={target === 'group'} onChange={() => setTarget('group')} /> A group
        </label>
        <label>
          <input type="radio" name={`${id}-target`} checked={target === 'people'} onChange={() => setTarget('people')} /> People (direct messages)
        </label>
      </fieldset>
      {target === 'group' ? (
        <>
          <label htmlFor={`${id}-group`}>Group</label>
          <select id={`${id}-group`} value={groupId} onChange={(e) => setGroupId(e.target.value)} required>
            <option value="">Choose a group…</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </>
      ) : (
        <>
          <label htmlFor={`${id}-recipients`}>Recipients' emails (one per line)</label>
          <textarea id={`${id}-recipients`} value={recipients} onChange={(e) => setRecipients(e.target.value)} required />
        </>
      )}
      <label htmlFor={`${id}-template`}>Message template (fields of the incoming JSON, e.g. {'{{alert.title}}'})</label>
      <textarea id={`${id}-template`} value={template} onChange={(e) => setTemplate(e.target.value)} required />
      <label htmlFor={`${id}-filter`}>Filter (JSON, optional: only matching payloads post)</label>
      <textarea id={`${id}-filter`} value={filter} onChange={(e) => setFilter(e.target.value)} className="code" />
      <label htmlFor={`${id}-colors`}>Color rules (JSON, optional)</label>
      <textarea id={`${id}-colors`} value={colorRules} onChange={(e) => setColorRules(e.target.value)} className="code" />
      <div className="row">
        <span>
          <label htmlFor={`${id}-link-text`}>Link button text</label>
          <input id={`${id}-link-text`} value={linkText} onChange={(e) => setLinkText(e.target.value)} />
        </span>
        <span>
          <label htmlFor={`${id}-link-url`}>Link button URL</label>
          <input id={`${id}-link-url`} value={linkUrl} onChange={(e) => setLinkUrl(e.target.value)} placeholder="{{alert.url}}" />
        </span>
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  )
}

/** Webhook relays: create (the URL is shown once), change, rotate the URL, delete. */
export function Relays() {
  const load = useCallback(() => get<{ relays: Relay[] }>('/admin/relays.list'), [])
  const relays = useLoad(load)
  const loadGroups = useCallback(
    () =>
      get<{ chats: Array<{ id: string; group: string | null; kind: string; name: string }> }>('/app/chats.list').then((r) =>
        r.chats.filter((c) => c.kind === 'channel' && c.group).map((c) => ({ id: c.group!, name: c.name })),
      ),
    [],
  )
  const groups = useLoad(loadGroups)
  const [shown, setShown] = useState<{ name: string; url: string } | null>(null)
  const [editing, setEditing] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id

  const create = async (input: RelayInput) => {
    const r = await post<{ relay: Relay; url: string }>('/admin/relays.create', input)
    setShown({ name: r.relay.name, url: r.url })
    relays.reload()
  }
  const update = (id: string) => async (input: RelayInput) => {
    await post('/admin/relays.update', { id, ...input })
    setEditing(null)
    relays.reload()
  }
  const act = async (what: () => Promise<void>) => {
    setError(null)
    try {
      await what()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const rotate = (r: Relay) =>
    act(async () => {
      if (!window.confirm(`Give "${r.name}" a new URL? The current one stops working.`)) return
      const res = await post<{ url: string }>('/admin/relays.rotate', { id: r.id })
      setShown({ name: r.name, url: res.url })
    })
  const remove = (r: Relay) =>
    act(async () => {
      if (!window.confirm(`Delete the relay "${r.name}"? Its URL stops working.`)) return
      await post('/admin/relays.delete', { id: r.id })
      relays.reload()
    })

  return (
    <>
      <section className="card" aria-labelledby="new-relay">
        <h2 id="new-relay">New webhook relay</h2>
        <p className="muted">Any service that can POST JSON (alerting, CI, monitoring) posts into chat through the relay's secret URL.</p>
        <RelayForm groups={groups.data ?? []} submitLabel="Create relay" onSubmit={create} />
        {shown && <Secret label="Relay URL" value={shown.url} note={`of ${shown.name}`} />}
      </section>
      <section className="card" aria-labelledby="relays-title">
        <h2 id="relays-title">Webhook relays</h2>
        {(relays.error ?? error) && <p className="error">{relays.error ?? error}</p>}
        {relays.data && relays.data.relays.length === 0 && <p className="muted">No relays yet.</p>}
        <ul className="relays">
          {relays.data?.relays.map((r) => (
            <li key={r.id}>
              {editing === r.id ? (
                <RelayForm initial={r} groups={groups.data ?? []} submitLabel="Save relay" onSubmit={update(r.id)} onCancel={() => setEditing(null)} />
              ) : (
                <div className="row">
                  <span style={{ flex: 1 }}>
                    <strong>{r.name}</strong> → {r.groupId ? groupName(r.groupId) : (r.recipients ?? []).join(', ')}
                    {r.template && <div className="muted wrap">{r.template}</div>}
                  </span>
                  <button type="button" onClick={() => setEditing(r.id)} aria-label={`Edit ${r.name}`}>
                    Edit
                  </button>
                  <button type="button" onClick={() => void rotate(r)} aria-label={`New URL for ${r.name}`}>
                    New URL
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(r)} aria-label={`Delete ${r.name}`}>
                    Delete
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
