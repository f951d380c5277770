import { useEffect, useRef, useState } from 'react'
import { get, post } from '../api'
import { useDirectory } from '../directory'
import { notificationContent, notificationPermission, shouldNotify, showNotification, showUnreadTotal, type IncomingMessage } from '../notifications'
import { realtime } from '../realtime'
import { useRouter } from '../router'
import { useSession } from '../session'
import { chatOf, countMessage, totalUnread, unreadStore, useUnread, withUnread, type NotificationLevel, type UnreadChat } from '../unread'
import './notifications.css'

interface Settings {
  level: NotificationLevel
  muted: string[]
}

/** The chat open at `path` (`/chat/<id>`), if any. */
export function openChatAt(path: string): string | null {
  const m = /^\/chat\/([^/]+)/.exec(path)
  return m ? decodeURIComponent(m[1]!) : null
}

/**
 * Keeps the tab's unread state current (counts, level, mutes) from the API and the realtime
 * socket, writes the total into the tab title and favicon, and shows desktop notifications for
 * new messages that deserve one. Mounted once for the signed-in shell; renders nothing.
 */
export function NotificationCenter() {
  const { user } = useSession()
  const { path, navigate } = useRouter()
  const directory = useDirectory()
  const current = useRef({ path, navigate, nameOf: directory.nameOf })
  current.current = { path, navigate, nameOf: directory.nameOf }

  useEffect(() => {
    let live = true
    const loadChats = () =>
      void get<{ chats: UnreadChat[] }>('/app/chats.list').then(
        (r) => live && unreadStore.setChats(r.chats),
        () => undefined,
      )
    const loadSettings = () =>
      void get<Settings>('/app/notifications.get').then(
        (s) => live && unreadStore.setSettings(s),
        () => undefined,
      )
    loadChats()
    loadSettings()
    // A deleted message may have been unread: the server recounts (once for a burst of deletions).
    let recount: ReturnType<typeof setTimeout> | undefined
    const recountSoon = () => {
      clearTimeout(recount)
      recount = setTimeout(loadChats, 500)
    }
    const unsubscribe = realtime.subscribe((f) => {
      if (f.type === 'resync') {
        loadChats()
        loadSettings()
      } else if (f.type.startsWith('group.')) {
        loadChats()
      } else if (f.type === 'chat.read') {
        const p = f.payload as { chat: string; unread: number }
        unreadStore.update((s) => withUnread(s, p.chat, p.unread))
      } else if (f.type === 'chat.message.deleted') {
        if (chatOf(unreadStore.get(), (f.payload as { chat?: string }).chat)) recountSoon()
      } else if (f.type === 'notifications.settings.update') {
        unreadStore.setSettings(f.payload as Settings)
      } else if (f.type === 'chat.message.channel' || f.type === 'chat.message.dm') {
        const message = f.payload as IncomingMessage
        const state = unreadStore.get()
        const known = chatOf(state, message.chat)
        const visible = document.visibilityState === 'visible'
        const open = openChatAt(current.current.path)
        const openChat = chatOf(state, open)?.id ?? open
        // A conversation this tab has not listed yet (a new DM): the server's list has it and its count.
        if (!known) loadChats()
        else unreadStore.update((s) => countMessage(s, message, user.address, openChat, visible))
        if (shouldNotify(message, { me: user.address, level: state.level, muted: state.muted, openChat, visible, chatId: known?.id })) {
          showNotification(notificationContent(message, state, current.current.nameOf), (chat) => current.current.navigate(`/chat/${chat}`))
        }
      }
    })
    return () => {
      live = false
      clearTimeout(recount)
      unsubscribe()
      unreadStore.reset()
    }
  }, [user.address])

  const total = totalUnread(useUnread())
  useEffect(() => {
    showUnreadTotal(total)
    // Pages may set their own title; the count stays in front of it.
    const title = document.querySelector('title')
    const observer = title ? new MutationObserver(() => showUnreadTotal(total)) : undefined
    if (title) observer?.observe(title, { childList: true, characterData: true, subtree: true })
    return () => observer?.disconnect()
  }, [total])
  useEffect(() => () => showUnreadTotal(0), [])
  return null
}

const PROMPT_DISMISSED = 'atrium.notificationPrompt.dismissed'

const LEVEL_LABELS: Record<NotificationLevel, string> = {
  all: 'All new messages',
  mentions_and_dms: 'Mentions and direct messages',
  nothing: 'Nothing',
}

/**
 * The person's notification level, and — only when they press it — the browser's permission
 * prompt. The offer to turn notifications on can be dismissed for good ("Not now").
 */
export function NotificationSettings() {
  const { level } = useUnread()
  const [permission, setPermission] = useState(notificationPermission)
  const [dismissed, setDismissed] = useState(() => {
    try {
      return localStorage.getItem(PROMPT_DISMISSED) === '1'
    } catch {
      return false
    }
  })
  const [error, setError] = useState<string | null>(null)

  const choose = (next: NotificationLevel) => {
    setError(null)
    const before = unreadStore.get()
    unreadStore.update((s) => ({ ...s, level: next }))
    post<Settings>('/app/notifications.set', { level: next }).then(
      (s) => unreadStore.setSettings(s),
      (e: Error) => {
        unreadStore.update((s) => ({ ...s, level: before.level }))
        setError(e.message)
      },
    )
  }
  const ask = async () => {
    if (permission === 'unsupported') return
    setPermission(await window.Notification.requestPermission())
  }
  const dismiss = () => {
    setDismissed(true)
    try {
      localStorage.setItem(PROMPT_DISMISSED, '1')
    } catch {
      // Private mode: dismissed for this page only.
    }
  }

  return (
    <section className="notification-settings" aria-labelledby="notification-settings-title">
      <h2 id="notification-settings-title">Notifications</h2>
      <label>
        Notify me about{' '}
        <select value={level} onChange={(e) => choose(e.target.value as NotificationLevel)}>
          {(Object.keys(LEVEL_LABELS) as NotificationLevel[]).map((l) => (
            <option key={l} value={l}>
              {LEVEL_LABELS[l]}
            </option>
          ))}
        </select>
      </label>
      {permission === 'default' && !dismissed && level !== 'nothing' && (
        <div className="notification-prompt" role="group" aria-label="Desktop notifications">
          <p>Show a desktop notification when someone mentions you or sends you a direct message?</p>
          <button type="button" onClick={() => void ask()}>
            Turn on desktop notifications
          </button>{' '}
          <button type="button" onClick={dismiss}>
            Not now
          </button>
        </div>
      )}
      {permission === 'denied' && level !== 'nothing' && <p className="muted">Desktop notifications are blocked in this browser’s site settings.</p>}
      {error && <p className="error">{error}</p>}
    </section>
  )
}

/** Mutes or unmutes one chat for me (no notifications, not counted in the title). */
export function MuteToggle({ chat, name }: { chat: string; name: string }) {
  const state = useUnread()
  const id = chatOf(state, chat)?.id ?? chat
  const muted = state.muted.has(id)
  const [busy, setBusy] = useState(false)
  const toggle = () => {
    setBusy(true)
    post<Settings>('/app/chat.mute', { chat: id, muted: !muted })
      .then((s) => unreadStore.setSettings(s))
      .catch(() => undefined)
      .finally(() => setBusy(false))
  }
  return (
    <button type="button" className="mute-toggle" aria-pressed={muted} aria-label={`Mute ${name}`} title={muted ? 'Muted: no notifications' : 'Mute notifications'} disabled={busy} onClick={toggle}>
      {muted ? 'Muted' : 'Mute'}
    </button>
  )
}
