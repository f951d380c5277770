import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { get } from '../api'
import type { InboxEntry } from '../chat/types'
import { useRouter } from '../router'

/**
 * Ctrl+K (Cmd+K on a Mac) anywhere: a dialog to jump to a conversation. Typing filters the
 * person's chats by name (names, then words of names, starting with the text), ArrowUp/ArrowDown move the choice,
 * Enter opens it, Escape closes and gives the focus back to where it was.
 */
export function ChatSwitcher() {
  const { navigate } = useRouter()
  const [open, setOpen] = useState(false)
  const [chats, setChats] = useState<InboxEntry[] | null>(null)
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  const returnTo = useRef<HTMLElement | null>(null)
  const id = useId()

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault()
        returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null
        setOpen(true)
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])

  useEffect(() => {
    if (!open) return
    input.current?.focus()
    let live = true
    get<{ chats: InboxEntry[] }>('/app/chats.list')
      .then((r) => live && setChats(r.chats))
      .catch(() => live && setChats([]))
    return () => {
      live = false
    }
  }, [open])

  const close = () => {
    setOpen(false)
    setQuery('')
    setActive(0)
    returnTo.current?.focus()
  }

  if (!open) return null

  const q = query.trim().toLowerCase()
  // A name matches when it, or one of its words, starts with the text.
  const matches = (chats ?? [])
    .filter((c) => c.name.toLowerCase().startsWith(q) || c.name.toLowerCase().split(/[\s_-]+/).some((w) => w.startsWith(q)))
    .sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q)))
  const current = Math.min(active, Math.max(0, matches.length - 1))

  const choose = (c: InboxEntry) => {
    setOpen(false)
    setQuery('')
    setActive(0)
    navigate(`/chat/${c.id}`)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      close()
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && matches.length > 0) {
      e.preventDefault()
      setActive((current + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length)
    } else if (e.key === 'Enter' && matches[current]) {
      e.preventDefault()
      choose(matches[current])
    }
  }

  return (
    <div className="switcher-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="switcher" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="visually-hidden">
          Switch conversation
        </h2>
        <label htmlFor={`${id}-input`} className="visually-hidden">
          Conversation name
        </label>
        <input
          id={`${id}-input`}
          ref={input}
          role="combobox"
          aria-expanded={matches.length > 0}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={matches.length > 0 ? `${id}-option-${current}` : undefined}
          placeholder="Jump to a conversation…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value)
            setActive(0)
          }}
          onKeyDown={onKeyDown}
          onBlur={(e) => {
            // Leaving the dialog (Tab, a click elsewhere) closes it.
            if (!e.currentTarget.closest('.switcher')?.contains(e.relatedTarget as Node | null) && e.relatedTarget) close()
          }}
          autoComplete="off"
        />
        <ul id={`${id}-list`} role="listbox" aria-label="Conversations">
          {matches.map((c, i) => (
            <li
              key={c.id}
              id={`${id}-option-${i}`}
              role="option"
              aria-selected={i === current}
              onMouseDown={(e) => {
                e.preventDefault()
                choose(c)
              }}
            >
              <span>
                {c.kind === 'channel' ? '# ' : ''}
                {c.name}
              </span>
              {c.unread > 0 && <span className="unread">{c.unread} unread</span>}
            </li>
          ))}
        </ul>
        {chats !== null && matches.length === 0 && <p className="muted">No conversation matches.</p>}
        {chats === null && <p className="muted">Loading…</p>}
      </div>
    </div>
  )
}
