import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { searchEmoji, useEmoji } from './emoji'

const COLUMNS = 8
const SHOWN = 96

/**
 * The composer's emoji button: opens a searchable grid (a small dialog). Keyboard: the search box
 * has the focus; ArrowDown enters the grid, arrows move in it, Enter or Space picks, Escape closes
 * and gives the focus back to the button.
 */
export function EmojiPicker({ onPick }: { onPick: (unicode: string) => void }) {
  const [open, setOpen] = useState(false)
  const [query, setQuery] = useState('')
  const index = useEmoji(open)
  const toggle = useRef<HTMLButtonElement>(null)
  const grid = useRef<HTMLDivElement>(null)
  const search = useRef<HTMLInputElement>(null)
  const id = useId()
  const results = index ? searchEmoji(index, query, SHOWN) : []

  useEffect(() => {
    if (open) search.current?.focus()
  }, [open])

  const close = () => {
    setOpen(false)
    setQuery('')
    toggle.current?.focus()
  }

  const cells = () => [...(grid.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])]
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      close()
      return
    }
    const all = cells()
    const at = all.indexOf(document.activeElement as HTMLButtonElement)
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS }[e.key]
    if (step === undefined) return
    if (at < 0) {
      if (e.key === 'ArrowDown' && all.length > 0) {
        e.preventDefault()
        all[0]!.focus()
      }
      return
    }
    e.preventDefault()
    const next = at + step
    if (next < 0) search.current?.focus()
    else all[Math.min(next, all.length - 1)]?.focus()
  }

  return (
    <div className="emoji-picker">
      <button ref={toggle} type="button" aria-label="Insert emoji" aria-haspopup="dialog" aria-expanded={open} aria-controls={open ? id : undefined} onClick={() => (open ? close() : setOpen(true))}>
        <span aria-hidden="true">🙂</span>
      </button>
      {open && (
        <div id={id} className="emoji-popover" role="dialog" aria-label="Emoji picker" onKeyDown={onKeyDown}>
          <label htmlFor={`${id}-search`} className="visually-hidden">
            Search emoji
          </label>
          <input id={`${id}-search`} ref={search} type="search" placeholder="Search emoji" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
          {!index && <p className="muted">Loading…</p>}
          {index && results.length === 0 && <p className="muted">No emoji match “{query}”.</p>}
          <div ref={grid} className="emoji-grid" role="group" aria-label="Emoji">
            {results.map((e) => (
              <button
                key={e.unicode}
                type="button"
                aria-label={`${e.label} :${e.shortcodes[0]}:`}
                title={`:${e.shortcodes[0]}:`}
                onClick={() => {
                  onPick(e.unicode)
                  setOpen(false)
                  setQuery('')
                }}
              >
                {e.unicode}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  )
}
