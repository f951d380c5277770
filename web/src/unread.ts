import { useSyncExternalStore } from 'react'

/**
 * The signed-in person's unread state, shared by the whole tab: unread counts per chat (from
 * /app/chats.list, then kept current by realtime frames), their notification level and muted
 * chats (/app/notifications.get, `notifications.settings.update`). Every tab and device of the
 * person converges: reading a chat anywhere sends `chat.read` with the new count to all of them.
 *
 * The pure functions here hold the rules; `unreadStore` holds the state; the tab title and the
 * favicon badge are drawn from `totalUnread`.
 */

export type NotificationLevel = 'all' | 'mentions_and_dms' | 'nothing'
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['all', 'mentions_and_dms', 'nothing']

export interface UnreadChat {
  id: string
  group: string | null
  kind: 'channel' | 'dm' | 'multi'
  name: string
  unread: number
}

export interface UnreadState {
  /** By chat id (`C-…`, `D-…`, `M-…`). */
  chats: ReadonlyMap<string, UnreadChat>
  level: NotificationLevel
  muted: ReadonlySet<string>
}

export const emptyUnread: UnreadState = { chats: new Map(), level: 'mentions_and_dms', muted: new Set() }

/** The chat an id names: its own id, or the group it belongs to (`G-…`). */
export function chatOf(state: UnreadState, id: string | null | undefined): UnreadChat | undefined {
  if (!id) return undefined
  const direct = state.chats.get(id)
  if (direct) return direct
  for (const c of state.chats.values()) if (c.group === id) return c
  return undefined
}

/** Unread messages in chats that are not muted (muted chats never count towards the title or badge). */
export function totalUnread(state: UnreadState): number {
  let n = 0
  for (const c of state.chats.values()) if (!state.muted.has(c.id)) n += c.unread
  return n
}

/** What a new message does to the counts: +1 in its chat, unless it is mine, a reply, or read as it arrives. */
export function countMessage(
  state: UnreadState,
  message: { chat: string; sender: string; timestamp: number; threadTimestamp?: number },
  me: string,
  openChat: string | null,
  visible: boolean,
): UnreadState {
  const chat = chatOf(state, message.chat)
  if (!chat) return state
  const reply = message.threadTimestamp !== undefined && message.threadTimestamp !== message.timestamp
  if (reply || message.sender === me) return state
  if (visible && chatOf(state, openChat)?.id === chat.id) return state
  return withUnread(state, chat.id, chat.unread + 1)
}

/** A chat's count as the server gave it (a `chat.read` frame from any of the person's tabs). */
export function withUnread(state: UnreadState, chatId: string, unread: number): UnreadState {
  const chat = chatOf(state, chatId)
  if (!chat || chat.unread === unread) return state
  const chats = new Map(state.chats)
  chats.set(chat.id, { ...chat, unread: Math.max(0, unread) })
  return { ...state, chats }
}

const COUNT_PREFIX = /^\(\d+\+?\) /

/** The tab title for `total` unread messages: "(3) Atrium"; the plain title at 0. */
export function titleWithCount(title: string, total: number): string {
  const plain = title.replace(COUNT_PREFIX, '')
  if (total <= 0) return plain
  return `(${total > 99 ? '99+' : total}) ${plain}`
}

/** The favicon with a red badge carrying the count (SVG data URL, drawn at run time). */
export function badgedFavicon(total: number): string {
  const label = total > 99 ? '99+' : String(total)
  const size = label.length > 2 ? 7 : label.length > 1 ? 8.5 : 10
  const svg =
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>` +
    `<rect width='32' height='32' rx='8' fill='#5B3FD9'/>` +
    `<circle cx='21' cy='11' r='11' fill='#D92D20' stroke='#fff' stroke-width='2'/>` +
    `<text x='21' y='11' text-anchor='middle' dominant-baseline='central' font-family='Arial,sans-serif' font-weight='700' font-size='${size * 1.4}' fill='#fff'>${label}</text>` +
    `</svg>`
  return `data:image/svg+xml,${encodeURIComponent(svg)}`
}

type Listener = () => void

/** One tab's unread state. */
class UnreadStore {
  private state: UnreadState = emptyUnread
  private readonly listeners = new Set<Listener>()

  get = (): UnreadState => this.state

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  update(change: (state: UnreadState) => UnreadState): void {
    const next = change(this.state)
    if (next === this.state) return
    this.state = next
    for (const l of [...this.listeners]) l()
  }

  setChats(chats: readonly UnreadChat[]): void {
    this.update((s) => ({ ...s, chats: new Map(chats.map((c) => [c.id, { id: c.id, group: c.group, kind: c.kind, name: c.name, unread: c.unread }])) }))
  }

  setSettings(settings: { level: NotificationLevel; muted: readonly string[] }): void {
    this.update((s) => ({ ...s, level: settings.level, muted: new Set(settings.muted) }))
  }

  reset(): void {
    this.state = emptyUnread
    for (const l of [...this.listeners]) l()
  }
}

export const unreadStore = new UnreadStore()

export function useUnread(): UnreadState {
  return useSyncExternalStore(unreadStore.subscribe, unreadStore.get)
}

/**
 * Runs `fn` now if the tab is visible, otherwise once it becomes visible: a chat open in a
 * background tab is not marked read until someone can see it. Returns a cancel function.
 */
export function whenVisible(fn: () => void, doc: Document = document): () => void {
  if (doc.visibilityState !== 'hidden') {
    fn()
    return () => undefined
  }
  const onChange = () => {
    if (doc.visibilityState === 'hidden') return
    doc.removeEventListener('visibilitychange', onChange)
    fn()
  }
  doc.addEventListener('visibilitychange', onChange)
  return () => doc.removeEventListener('visibilitychange', onChange)
}
