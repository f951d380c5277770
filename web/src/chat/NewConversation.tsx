import { useId, useState, type FormEvent } from 'react'
import { post } from '../api'
import { useOffice } from '../people'
import { useSession } from '../session'

/** Most people in one conversation besides oneself (the server's multi-DM limit is larger). */
const MAX_PICKED = 20

/**
 * Starting a direct message (one person) or a group message (several) for anyone signed in: pick
 * people, write the first message, send. The conversation is the one `chat.post` finds or starts
 * for exactly those people, so picking the same people again continues it.
 */
export function NewConversation({ onStarted }: { onStarted: (chat: string) => void }) {
  const { user } = useSession()
  const { people } = useOffice()
  const [open, setOpen] = useState(false)
  const [filter, setFilter] = useState('')
  const [picked, setPicked] = useState<string[]>([])
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const id = useId()

  const others = people.filter((p) => p.id !== user.address)
  const needle = filter.trim().toLowerCase()
  const shown = others.filter((p) => picked.includes(p.id) || needle === '' || p.name.toLowerCase().includes(needle) || p.email.toLowerCase().includes(needle))
  const toggle = (person: string) => setPicked((list) => (list.includes(person) ? list.filter((p) => p !== person) : list.length < MAX_PICKED ? [...list, person] : list))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (picked.length === 0 || text.trim() === '') return
    setBusy(true)
    setError(null)
    try {
      const sent = await post<{ chat: string }>('/v0/chat.post', { chat: picked.length === 1 ? picked[0] : picked, text })
      setOpen(false)
      setPicked([])
      setText('')
      setFilter('')
      onStarted(sent.chat)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="new-conversation">
      <button type="button" aria-expanded={open} aria-controls={`${id}-form`} onClick={() => setOpen((o) => !o)}>
        New message
      </button>
      {open && (
        <form id={`${id}-form`} onSubmit={submit} aria-label="New message">
          <label htmlFor={`${id}-filter`}>Find people</label>
          <input id={`${id}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} autoComplete="off" />
          <fieldset>
            <legend>
              To {picked.length > 0 ? `(${picked.length} chosen)` : ''}
            </legend>
            <ul className="people-picker">
              {shown.map((p) => (
                <li key={p.id}>
                  <label>
                    <input type="checkbox" checked={picked.includes(p.id)} onChange={() => toggle(p.id)} disabled={!picked.includes(p.id) && picked.length >= MAX_PICKED} /> {p.name}{' '}
                    <span className="muted">{p.email}</span>
                  </label>
                </li>
              ))}
            </ul>
            {shown.length === 0 && <p className="muted">Nobody matches.</p>}
          </fieldset>
          <label htmlFor={`${id}-text`}>First message</label>
          <textarea id={`${id}-text`} value={text} onChange={(e) => setText(e.target.value)} rows={2} required />
          <button type="submit" className="primary" disabled={busy || picked.length === 0 || text.trim() === ''}>
            Send
          </button>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </div>
  )
}
