import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { get, post } from '../api'
import { Composer } from '../chat/Composer'
import { MembersPanel } from '../chat/MembersPanel'
import { MuteToggle, NotificationSettings } from '../components/Notifications'
import { MessageSearch, type SearchHit } from '../chat/MessageSearch'
import { MessageView, senderName } from '../chat/MessageView'
import { NewConversation } from '../chat/NewConversation'
import { JumpToNewest, usePinnedScroll } from '../chat/PinnedScroll'
import { useReplyCounts } from '../chat/replyCounts'
import { isReply, mergeMessages, microsToIso, type InboxEntry, type Message, type Reaction } from '../chat/types'
import { useDirectory } from '../directory'
import { realtime } from '../realtime'
import { Link, useRouter } from '../router'
import { useSession } from '../session'
import { whenVisible } from '../unread'

interface HistoryPage {
  chat: string
  messages: Message[]
  nextCursor?: string
}

const PAGE = 50
/** The width below which the chat list and a conversation take turns (as in styles.css). */
const PHONE = '(max-width: 760px)'

/** Where a search result asked the conversation to open: the message's key (a thread's root for a reply). */
export interface Jump {
  chat: string
  ts: number
  /** The reply's thread, opened beside the conversation. */
  thread?: number
  /** Increases with every jump, so opening the same result again scrolls to it again. */
  seq: number
}

/** Applies a realtime frame to a message list of one chat (or thread). */
function applyFrame(list: Message[], type: string, payload: unknown, chat: string, thread?: number): Message[] {
  const p = payload as Partial<Message> & { chat?: string; timestamp?: number }
  if (p.chat !== chat && !(type === 'chat.message.reaction' && (p as Reaction).chat === chat)) return list
  // The main view keeps replies too (it shows their count under each thread root); a thread keeps its own.
  const inScope = (m: Partial<Message>) => thread === undefined || m.threadTimestamp === thread || m.timestamp === thread
  switch (type) {
    case 'chat.message.channel':
    case 'chat.message.dm':
      return inScope(p) ? mergeMessages(list, [p as Message]) : list
    case 'chat.message.updated':
      return list.some((m) => m.timestamp === p.timestamp) ? mergeMessages(list, [{ ...(p as Message), edited: true }]) : list
    case 'chat.message.deleted':
      return list.filter((m) => m.timestamp !== p.timestamp)
    case 'chat.message.reaction': {
      const r = payload as Reaction
      return list.map((m) =>
        m.timestamp === r.timestamp && !(m.reactions ?? []).some((x) => x.name === r.name && x.user.id === r.user.id) ? { ...m, reactions: [...(m.reactions ?? []), r] } : m,
      )
    }
    default:
      return list
  }
}

/**
 * One conversation (or one thread): backward infinite scroll, live updates, gap-free resync.
 * With `around` (a message key) it opens there instead of at the newest message: the page up to
 * and including that key (newest first, `before` the next µs) and the page after it (`after`,
 * oldest first); newer pages then load on request until the newest is reached.
 */
function useConversation(chat: string, thread?: number, around?: number, aroundSeq?: number) {
  const [messages, setMessages] = useState<Message[]>([])
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const [newer, setNewer] = useState<{ from: number; cursor: string } | undefined>(undefined)
  const gap = useRef(false)
  gap.current = newer !== undefined
  const [done, setDone] = useState(false)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const latest = useRef<Message[]>([])
  latest.current = messages

  const query = useCallback((extra: Record<string, string | number | undefined>) => get<HistoryPage>('/v0/chat.history', { chat, threadTimestamp: thread, ...extra }), [chat, thread])

  useEffect(() => {
    setMessages([])
    setCursor(undefined)
    setDone(false)
    setError(null)
    setNewer(undefined)
    let cancelled = false
    const load =
      around === undefined
        ? query({ limit: PAGE }).then((page) => ({ page, after: undefined }))
        : Promise.all([query({ limit: PAGE, before: microsToIso(around + 1) }), query({ limit: PAGE, after: microsToIso(around) })]).then(([page, after]) => ({ page, after }))
    load
      .then(({ page, after }) => {
        if (cancelled) return
        setMessages(mergeMessages(mergeMessages([], page.messages), after?.messages ?? []))
        setCursor(page.nextCursor)
        setDone(!page.nextCursor)
        if (after?.nextCursor && around !== undefined) setNewer({ from: around, cursor: after.nextCursor })
      })
      .catch((e: Error) => !cancelled && setError(e.message))
    return () => {
      cancelled = true
    }
  }, [query, thread, around, aroundSeq])

  const loadNewer = useCallback(async () => {
    if (loading || !newer) return
    setLoading(true)
    try {
      const page = await query({ limit: PAGE, after: microsToIso(newer.from), cursor: newer.cursor })
      setMessages((list) => mergeMessages(list, page.messages))
      setNewer(page.nextCursor ? { from: newer.from, cursor: page.nextCursor } : undefined)
    } finally {
      setLoading(false)
    }
  }, [loading, newer, query])

  const loadOlder = useCallback(async () => {
    if (loading || done || !cursor) return
    setLoading(true)
    try {
      const page = await query({ limit: PAGE, cursor })
      setMessages((list) => mergeMessages(list, page.messages))
      setCursor(page.nextCursor)
      setDone(!page.nextCursor)
    } finally {
      setLoading(false)
    }
  }, [loading, done, cursor, query, thread])

  // After a reconnect: everything from the newest key held (inclusive), oldest first, page by page.
  const resync = useCallback(async () => {
    const last = latest.current.at(-1)
    if (!last) return
    let next: string | undefined
    for (let i = 0; i < 20; i++) {
      const page = await query({ after: microsToIso(last.timestamp), limit: 200, cursor: next })
      setMessages((list) => mergeMessages(list, page.messages))
      next = page.nextCursor
      if (!next) break
    }
  }, [query, thread])

  useEffect(
    () =>
      realtime.subscribe((f) => {
        if (f.type === 'resync') void resync()
        // While newer messages are still unloaded (opened at a search result), new ones wait for them.
        else if (gap.current && (f.type === 'chat.message.channel' || f.type === 'chat.message.dm')) return
        else setMessages((list) => applyFrame(list, f.type, f.payload, chat, thread))
      }),
    [chat, thread, resync],
  )
  return { messages, setMessages, loadOlder, loadNewer, hasNewer: newer !== undefined, done, loading, error }
}

function useTyping(chat: string, me: string) {
  const [typing, setTyping] = useState<Map<string, number>>(new Map())
  useEffect(() => {
    const unsub = realtime.subscribe((f) => {
      if (f.type === 'chat.message.channel' || f.type === 'chat.message.dm') {
        // Their message arrived: they are no longer typing it.
        const m = f.payload as Message
        if (m.chat === chat) setTyping((t) => (t.has(m.sender) ? new Map([...t].filter(([a]) => a !== m.sender)) : t))
        return
      }
      if (f.type !== 'chat.typing') return
      const p = f.payload as { chat: string; address: string }
      if (p.chat !== chat || p.address === me) return
      setTyping((t) => new Map(t).set(p.address, Date.now()))
    })
    const timer = setInterval(() => setTyping((t) => (t.size ? new Map([...t].filter(([, at]) => Date.now() - at < 5000)) : t)), 1000)
    return () => {
      unsub()
      clearInterval(timer)
    }
  }, [chat, me])
  return [...typing.keys()]
}

function Conversation({ entry, onRead, onGroupChanged, jump }: { entry: InboxEntry; onRead: (chat: string, ts: number) => void; onGroupChanged?: () => void; jump?: Jump }) {
  const { user } = useSession()
  const directory = useDirectory()
  const { messages: all, loadOlder, loadNewer, hasNewer, done, loading, error } = useConversation(entry.id, undefined, jump?.ts, jump?.seq)
  const [thread, setThread] = useState<number | null>(null)
  const [target, setTarget] = useState<number | null>(null)
  useEffect(() => {
    if (!jump) return
    setTarget(jump.ts)
    setThread(jump.thread ?? null)
  }, [jump])
  const [membersOpen, setMembersOpen] = useState(false)
  const messages = all.filter((m) => !isReply(m))
  const replyCounts = useReplyCounts(entry.id, messages.map((m) => m.timestamp))
  const list = useRef<HTMLDivElement>(null)
  const typing = useTyping(entry.id, user.address)
  const lastTopTs = messages.at(-1)?.timestamp
  // Pinned to the newest message (also while images load), in place when older ones load above;
  // not while the history was opened around an older message (a search result).
  const pinned = usePinnedScroll(list, { newest: lastTopTs, version: all, atEnd: !hasNewer })
  useLayoutEffect(() => {
    const el = list.current
    if (!el || target === null) return
    const shown = el.querySelector<HTMLElement>(`[data-ts="${target}"]`)
    if (shown && !shown.dataset.shown) {
      // Opened at a search result: bring it into view once and give it focus (keyboard users land there).
      shown.dataset.shown = '1'
      pinned.release()
      shown.scrollIntoView({ block: 'center' })
      shown.focus({ preventScroll: true })
    }
  }, [all, target, pinned])

  const lastTs = all.at(-1)?.timestamp
  useEffect(() => {
    if (lastTs !== undefined) return whenVisible(() => onRead(entry.id, lastTs))
  }, [lastTs, entry.id, onRead])

  const onScroll = () => {
    const el = list.current
    if (!el) return
    pinned.onScroll()
    if (el.scrollTop < 80 && !done && !loading) void loadOlder()
  }

  const react = (m: Message) => (name: string) => void post('/app/reaction.add', { chat: entry.id, timestamp: m.timestamp, name }).catch(() => undefined)
  const edit = (m: Message) => async (text: string) => void (await post('/app/chat.update', { chat: entry.id, timestamp: m.timestamp, text }))
  const remove = (m: Message) => async () => void (await post('/app/chat.delete', { chat: entry.id, timestamp: m.timestamp }))
  const threadRoot = thread !== null ? messages.find((m) => m.timestamp === thread) : undefined

  return (
    <>
      <section className="conversation" aria-labelledby="conversation-title">
        <header>
          {/* Phones show the list or a conversation; this leads back to the list. */}
          <Link to="/chat" className="back-to-list" aria-label="All conversations">
            <span aria-hidden="true">←</span>
          </Link>
          <h2 id="conversation-title">{entry.name}</h2>
          <span className="conversation-tools">
            <span className="muted">{entry.kind === 'channel' ? 'Group' : entry.kind === 'dm' ? 'Direct message' : 'Group message'}</span>
            <MuteToggle chat={entry.id} name={entry.name} />
            {entry.group && (
              <button
                type="button"
                aria-expanded={membersOpen}
                aria-label={`Members of ${entry.name}`}
                onClick={() => {
                  setThread(null)
                  setMembersOpen((o) => !o)
                }}
              >
                Members
              </button>
            )}
          </span>
        </header>
        <div className="messages" ref={list} onScroll={onScroll} role="log" aria-live="polite" aria-label={`Messages in ${entry.name}`} tabIndex={0}>
          {!done && (
            <button type="button" onClick={() => void loadOlder()} disabled={loading} style={{ margin: '0.5rem auto', display: 'block' }}>
              {loading ? 'Loading…' : 'Load older messages'}
            </button>
          )}
          {done && messages.length > 0 && <p className="muted" style={{ textAlign: 'center' }}>Beginning of the conversation</p>}
          {error && <p className="error">{error}</p>}
          {messages.map((m) => (
            <MessageView
              key={m.timestamp}
              message={m}
              me={user.address}
              highlighted={m.timestamp === target}
              replies={replyCounts.get(m.timestamp)}
              onOpenThread={() => {
                setMembersOpen(false)
                setThread(m.timestamp)
              }}
              onReact={react(m)}
              onEdit={edit(m)}
              onDelete={remove(m)}
            />
          ))}
          {hasNewer && (
            <button type="button" onClick={() => void loadNewer()} disabled={loading} style={{ margin: '0.5rem auto', display: 'block' }}>
              {loading ? 'Loading…' : 'Load newer messages'}
            </button>
          )}
        </div>
        <div className="typing" aria-live="polite">
          {typing.length > 0 && `${typing.map((a) => senderName(directory.nameOf(a), a)).join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`}
        </div>
        <JumpToNewest pinned={pinned} />
        <Composer
          chat={entry.id}
          label={`Message ${entry.name}`}
          onSent={() => {
            setTarget(null)
            pinned.jump()
          }}
        />
      </section>
      {thread !== null && <ThreadPanel chat={entry.id} root={thread} rootMessage={threadRoot} onClose={() => setThread(null)} />}
      {membersOpen && entry.group && <MembersPanel group={entry.group} onClose={() => setMembersOpen(false)} onChanged={onGroupChanged} />}
    </>
  )
}

function ThreadPanel({ chat, root, rootMessage, onClose }: { chat: string; root: number; rootMessage?: Message; onClose: () => void }) {
  const { user } = useSession()
  const { messages } = useConversation(chat, root)
  const all = mergeMessages(rootMessage ? [rootMessage] : [], messages)
  return (
    <aside className="thread" aria-label="Thread">
      <header>
        <h2>Thread</h2>
        <button type="button" onClick={onClose} aria-label="Close thread">
          ✕
        </button>
      </header>
      <div className="messages">
        {all.map((m) => (
          <MessageView
            key={m.timestamp}
            message={m}
            me={user.address}
            onReact={(name) => void post('/app/reaction.add', { chat, timestamp: m.timestamp, name }).catch(() => undefined)}
            onEdit={async (text) => void (await post('/app/chat.update', { chat, timestamp: m.timestamp, text }))}
            onDelete={async () => void (await post('/app/chat.delete', { chat, timestamp: m.timestamp }))}
          />
        ))}
      </div>
      <Composer chat={chat} threadTimestamp={root} label="Reply in thread" />
    </aside>
  )
}

export function Chat() {
  const { path, navigate } = useRouter()
  const me = useSession().user.address
  const [inbox, setInbox] = useState<InboxEntry[]>([])
  const [error, setError] = useState<string | null>(null)
  const [jump, setJump] = useState<Jump | undefined>(undefined)
  const selected = decodeURIComponent(path.replace(/^\/chat\/?/, '')) || null

  const reload = useCallback(async () => {
    try {
      setInbox((await get<{ chats: InboxEntry[] }>('/app/chats.list')).chats)
    } catch (e) {
      setError((e as Error).message)
    }
  }, [])
  useEffect(() => {
    void reload()
    return realtime.subscribe((f) => {
      if (f.type === 'resync' || f.type.startsWith('group.')) void reload()
      if (f.type === 'chat.read') {
        // Read in another tab or on another device: that chat's count as the server now has it.
        const r = f.payload as { chat: string; unread: number }
        setInbox((list) => list.map((c) => (c.id === r.chat && c.unread !== r.unread ? { ...c, unread: r.unread } : c)))
      }
      if (f.type === 'chat.message.channel' || f.type === 'chat.message.dm') {
        const m = f.payload as Message
        setInbox((list) => {
          if (!list.some((c) => c.id === m.chat || c.group === m.chat)) {
            void reload()
            return list
          }
          return list.map((c) => ((c.id === m.chat || c.group === m.chat) && !isReply(m) && window.location.pathname !== `/chat/${c.id}` ? { ...c, unread: c.unread + (m.sender === me ? 0 : 1), lastTs: m.timestamp } : c))
        })
      }
    })
  }, [reload, me])

  const entry = inbox.find((c) => c.id === selected || c.group === selected)
  // A search result opens its chat once; choosing a conversation afterwards opens it as usual.
  useEffect(() => {
    if (jump && selected !== jump.chat && entry?.id !== jump.chat && entry?.group !== jump.chat) setJump(undefined)
  }, [selected, entry, jump])
  useEffect(() => {
    // On a wide screen the list and a conversation show side by side: open the first. A phone shows the list.
    if (!selected && inbox.length > 0 && !window.matchMedia?.(PHONE).matches) navigate(`/chat/${inbox[0]!.id}`, { replace: true })
  }, [selected, inbox, navigate])

  const onRead = useCallback((chat: string, ts: number) => {
    setInbox((list) => list.map((c) => (c.id === chat && c.unread ? { ...c, unread: 0 } : c)))
    void post('/app/chat.read', { chat, timestamp: ts }).catch(() => undefined)
  }, [])

  const openHit = useCallback(
    (hit: SearchHit) => {
      const root = hit.threadTimestamp !== undefined && hit.threadTimestamp !== hit.timestamp ? hit.threadTimestamp : undefined
      setJump((j) => ({ chat: hit.chat, ts: root ?? hit.timestamp, ...(root !== undefined ? { thread: root } : {}), seq: (j?.seq ?? 0) + 1 }))
      navigate(`/chat/${hit.chat}`)
    },
    [navigate],
  )

  const groups = inbox.filter((c) => c.kind === 'channel')
  const direct = inbox.filter((c) => c.kind !== 'channel')
  const item = (c: InboxEntry) => (
    <li key={c.id}>
      <Link to={`/chat/${c.id}`} aria-label={`${c.name}${c.unread ? `, ${c.unread} unread` : ''}`}>
        <span>{c.kind === 'channel' ? '# ' : ''}{c.name}</span>
        {c.unread > 0 && <span className="unread">{c.unread}</span>}
      </Link>
    </li>
  )
  return (
    <div className={`chat${entry ? ' has-conversation' : ''}`}>
      <nav className="sidebar" aria-label="Conversations">
        <MessageSearch inbox={inbox} onOpen={openHit} />
        <h2>Groups</h2>
        <ul>{groups.map(item)}</ul>
        <h2>Direct messages</h2>
        <NewConversation onStarted={(chat) => void reload().then(() => navigate(`/chat/${chat}`))} />
        <ul>{direct.map(item)}</ul>
        {inbox.length === 0 && <p className="muted">No conversations yet.</p>}
        {error && <p className="error">{error}</p>}
        <NotificationSettings />
      </nav>
      {entry ? (
        <Conversation
          key={entry.id}
          entry={entry}
          onRead={onRead}
          onGroupChanged={() => void reload()}
          jump={jump && (jump.chat === entry.id || jump.chat === entry.group) ? jump : undefined}
        />
      ) : (
        <section className="conversation">
          <p className="muted" style={{ padding: '1rem' }}>
            Pick a conversation.
          </p>
        </section>
      )}
    </div>
  )
}
