import { useState, type FormEvent } from 'react'
import { ApiError, get } from '../api'
import { useDirectory } from '../directory'
import { senderName } from './MessageView'
import type { InboxEntry } from './types'

/** One result of `GET /atrium/search.messages`. */
export interface SearchHit {
  chat: string
  timestamp: number
  sender: string
  threadTimestamp?: number
  snippet: string
  highlights: Array<{ start: number; end: number }>
}

interface SearchPage {
  messages: SearchHit[]
  nextCursor?: string
}

/** Longest query the server takes (SEARCH_QUERY_LIMITS.length). */
const MAX_QUERY = 256

/**
 * The snippet as text nodes with the matched ranges in <mark>: React escapes every piece, so a
 * snippet is never read as markup. Ranges out of order or out of bounds are skipped.
 */
export function Highlighted({ text, ranges }: { text: string; ranges: SearchHit['highlights'] }) {
  const parts: React.ReactNode[] = []
  let at = 0
  for (const r of ranges) {
    if (r.start < at || r.end <= r.start || r.end > text.length) continue
    if (r.start > at) parts.push(text.slice(at, r.start))
    parts.push(<mark key={r.start}>{text.slice(r.start, r.end)}</mark>)
    at = r.end
  }
  if (at < text.length) parts.push(text.slice(at))
  return <>{parts}</>
}

function formatWhen(us: number): string {
  return new Date(Math.floor(us / 1000)).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })
}

/**
 * Message search in the chat sidebar: a labelled search form, and the results as buttons (Tab to
 * reach them, Enter to open the chat at that message). Escape in the field clears the results.
 */
export function MessageSearch({ inbox, onOpen }: { inbox: InboxEntry[]; onOpen: (hit: SearchHit) => void }) {
  const directory = useDirectory()
  const [query, setQuery] = useState('')
  const [searched, setSearched] = useState<string | null>(null)
  const [hits, setHits] = useState<SearchHit[]>([])
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const run = async (q: string, after?: string) => {
    setBusy(true)
    setError(null)
    try {
      const page = await get<SearchPage>('/atrium/search.messages', { query: q, limit: 20, cursor: after })
      setHits((list) => (after ? [...list, ...page.messages] : page.messages))
      setCursor(page.nextCursor)
      setSearched(q)
    } catch (e) {
      setError(e instanceof ApiError ? e.message : (e as Error).message)
      if (!after) {
        setHits([])
        setSearched(null)
      }
    } finally {
      setBusy(false)
    }
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    const q = query.trim()
    if (q) void run(q)
  }

  const clear = () => {
    setQuery('')
    setHits([])
    setSearched(null)
    setCursor(undefined)
    setError(null)
  }

  const chatName = (chat: string) => inbox.find((c) => c.id === chat || c.group === chat)?.name ?? 'Conversation'

  return (
    <div className="message-search">
      <form role="search" aria-label="Search messages" onSubmit={onSubmit}>
        <label htmlFor="message-search-query">Search messages</label>
        <div className="message-search-row">
          <input
            id="message-search-query"
            type="search"
            value={query}
            maxLength={MAX_QUERY}
            placeholder="Words to find"
            autoComplete="off"
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') clear()
            }}
          />
          <button type="submit" disabled={busy || query.trim() === ''}>
            Search
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {searched !== null && (
        <section aria-label="Search results" className="search-results">
          <p className="muted" role="status">
            {hits.length === 0 ? `No messages match “${searched}”.` : `${hits.length}${cursor ? '+' : ''} ${hits.length === 1 ? 'message matches' : 'messages match'} “${searched}”.`}
          </p>
          <ol>
            {hits.map((hit) => {
              const who = senderName(directory.nameOf(hit.sender), hit.sender)
              const where = chatName(hit.chat)
              return (
                <li key={`${hit.chat}/${hit.timestamp}`}>
                  <button type="button" className="search-hit" onClick={() => onOpen(hit)} aria-label={`${who} in ${where}, ${formatWhen(hit.timestamp)}: ${hit.snippet}`}>
                    <span className="search-hit-meta">
                      <strong>{where}</strong> · {who} · {formatWhen(hit.timestamp)}
                    </span>
                    <span className="search-hit-snippet">
                      <Highlighted text={hit.snippet} ranges={hit.highlights} />
                    </span>
                  </button>
                </li>
              )
            })}
          </ol>
          {cursor && (
            <button type="button" onClick={() => void run(searched, cursor)} disabled={busy}>
              {busy ? 'Loading…' : 'More results'}
            </button>
          )}
          <button type="button" onClick={clear}>
            Clear search
          </button>
        </section>
      )}
    </div>
  )
}
