import { useCallback, useState, type FormEvent } from 'react'
import { get, post } from '../api'
import { Secret, useLoad } from '../components/credentials'

/** A webhook relay: inbound JSON from any service → a message in a group or DMs to people. */
export interface Relay {
  id: string
  name: string
  /** Target group (`G-…`), or `to`: the recipients (`U-…`) of a DM or multi-DM. */
  group?: string
  to?: string[]
  template?: string
  /** filtrex expression over the payload. */
  filter?: string
  colorRules: ColorRule[]
  link?: { text: string; urlTemplate: string }
  receivedCount?: number
  postedCount?: number
  createdAt?: string
}

interface ColorRule {
  when: string
  color: string
}

/** The body of relays.create / relays.update; `null` clears a setting on update. */
interface RelayInput {
  name: string
  group?: string
  to?: string[]
  template?: string | null
  filter?: string | null
  colorRules?: ColorRule[]
  link?: { text: string; urlTemplate: string } | null
}

interface GroupChoice {
  id: string
  name: string
}

const json = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2))

/** Parses the optional color-rule list; the error names the field. */
function parseColorRules(text: string): ColorRule[] | undefined {
  if (!text.trim()) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('Color rules: not valid JSON')
  }
  if (!Array.isArray(value)) throw new Error('Color rules: a JSON list of {"when": …, "color": …}')
  return value as ColorRule[]
}

/** The relay form, for a new relay and for changing one. */
function RelayForm({ initial, groups, submitLabel, onSubmit, onCancel }: { initial?: Relay; groups: GroupChoice[]; submitLabel: string; onSubmit: (input: RelayInput) => Promise<void>; onCancel?: () => void }) {
  const id = initial ? `relay-${initial.id}` : 'relay-new'
  const [name, setName] = useState(initial?.name ?? '')
  const [target, setTarget] = useState<'group' | 'people'>(initial?.to?.length ? 'people' : 'group')
  const [groupId, setGroupId] = useState(initial?.group ?? '')
  const [recipients, setRecipients] = useState((initial?.to ?? []).join('\n'))
  const [template, setTemplate] = useState(initial?.template ?? '')
  const [filter, setFilter] = useState(initial?.filter ?? '')
  const [colorRules, setColorRules] = useState(initial?.colorRules.length ? json(initial.colorRules) : '')
  const [linkText, setLinkText] = useState(initial?.link?.text ?? '')
  const [linkUrl, setLinkUrl] = useState(initial?.link?.urlTemplate ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    try {
      const emails = recipients.split(/[\s,]+/).filter(Boolean)
      const rules = parseColorRules(colorRules)
      // A new relay leaves empty settings out; a changed one clears them with null.
      const optional = (key: string, value: unknown) => (value !== undefined ? { [key]: value } : initial ? { [key]: null } : {})
      await onSubmit({
        name,
        ...(target === 'group' ? { group: groupId } : { to: emails }),
        ...optional('template', template.trim() ? template : undefined),
        ...optional('filter', filter.trim() ? filter.trim() : undefined),
        ...(rules !== undefined ? { colorRules: rules } : initial ? { colorRules: [] } : {}),
        ...optional('link', linkUrl ? { text: linkText || 'Open', urlTemplate: linkUrl } : undefined),
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
      <label htmlFor={`${id}-template`}>Message template (optional; fields of the incoming JSON, e.g. {'{{alert.title}}'})</label>
      <textarea id={`${id}-template`} value={template} onChange={(e) => setTemplate(e.target.value)} />
      <label htmlFor={`${id}-filter`}>Filter (optional; only payloads for which it holds post, e.g. status == "failed")</label>
      <input id={`${id}-filter`} value={filter} onChange={(e) => setFilter(e.target.value)} className="code" />
      <label htmlFor={`${id}-colors`}>{'Color rules (optional JSON list of {"when": condition, "color": "good" | "warning" | "danger" | "#RRGGBB"})'}</label>
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
                    <strong>{r.name}</strong> → {r.group ? groupName(r.group) : (r.to ?? []).join(', ')}
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
