import { badgedFavicon, chatOf, titleWithCount, type NotificationLevel, type UnreadState } from './unread'

/**
 * Desktop notifications (the browser's Notification API) for new messages: which ones deserve
 * one, what it says, and showing it once across the person's tabs. Permission is only ever asked
 * for from a button the person presses (see components/Notifications.tsx), never on page load.
 */

const MENTION = /<!?@(all|[UB]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/g

/** Addresses a message text mentions (`<@U-…>`), and `all` for `<!@all>` / `<@all>`. */
export function mentionsIn(text: string | undefined): string[] {
  if (!text) return []
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!))]
}

export interface IncomingMessage {
  chat: string
  sender: string
  timestamp: number
  threadTimestamp?: number
  text?: string
}

export interface NotifyContext {
  me: string
  level: NotificationLevel
  /** Chat ids the person muted. */
  muted: ReadonlySet<string>
  /** The chat (or group) open in this tab, if any. */
  openChat: string | null
  /** Whether this tab is visible. */
  visible: boolean
  /** The chat the message belongs to, as the tab knows it (resolves group ids and kinds). */
  chatId?: string
}

/** Direct messages: a DM (`D-…`) or a multi-person DM (`M-…`). */
export function isDirect(chat: string): boolean {
  return chat.startsWith('D-') || chat.startsWith('M-')
}

/** Whether the message mentions me (by address, or everyone with `@all`). */
export function mentionsMe(message: IncomingMessage, me: string): boolean {
  const mentions = mentionsIn(message.text)
  return mentions.includes(me) || mentions.includes('all')
}

/**
 * Whether a new message deserves a desktop notification: never my own, never in a muted chat,
 * never while that chat is open in a visible tab; then by level — `all` every message,
 * `mentions_and_dms` direct messages and mentions of me, `nothing` none.
 */
export function shouldNotify(message: IncomingMessage, ctx: NotifyContext): boolean {
  if (message.sender === ctx.me) return false
  const chat = ctx.chatId ?? message.chat
  if (ctx.muted.has(chat) || ctx.muted.has(message.chat)) return false
  if (ctx.visible && ctx.openChat !== null && (ctx.openChat === chat || ctx.openChat === message.chat)) return false
  switch (ctx.level) {
    case 'all':
      return true
    case 'mentions_and_dms':
      return isDirect(chat) || mentionsMe(message, ctx.me)
    case 'nothing':
      return false
  }
}

/** The notification's text: mentions written as names, whitespace folded, at most `max` characters. */
export function notificationBody(text: string | undefined, nameOf: (address: string) => string | undefined, max = 180): string {
  if (!text) return 'New message'
  const plain = text
    .replace(MENTION, (_m, who: string) => `@${who === 'all' ? 'all' : (nameOf(who) ?? 'someone')}`)
    .replace(/\s+/g, ' ')
    .trim()
  if (!plain) return 'New message'
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain
}

/** Title and body of the notification for a message: "Ana" for a DM, "Ana in #Ops" elsewhere. */
export function notificationContent(
  message: IncomingMessage,
  state: UnreadState,
  nameOf: (address: string) => string | undefined,
): { title: string; body: string; tag: string; chat: string } {
  const chat = chatOf(state, message.chat)
  const sender = nameOf(message.sender) ?? (message.sender.startsWith('B-') ? 'App' : 'Someone')
  const where = chat && chat.kind === 'channel' ? ` in #${chat.name}` : chat && chat.kind === 'multi' ? ` in ${chat.name}` : ''
  return { title: `${sender}${where}`, body: notificationBody(message.text, nameOf), tag: `${message.chat}:${message.timestamp}`, chat: chat?.id ?? message.chat }
}

/** The browser's permission for notifications, or `unsupported`. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof window !== 'undefined' && 'Notification' in window ? window.Notification.permission : 'unsupported'
}

const SHOWN_KEY = 'atrium.notified'

/**
 * Claims the right to show the notification `tag` for this person's tabs: the first tab to claim
 * it shows it, others stay quiet (the tag also lets the system replace a duplicate).
 */
export function claimNotification(tag: string, storage: Storage | undefined = globalThis.localStorage): boolean {
  if (!storage) return true
  try {
    const shown = JSON.parse(storage.getItem(SHOWN_KEY) ?? '[]') as unknown
    const list = Array.isArray(shown) ? shown.filter((x): x is string => typeof x === 'string') : []
    if (list.includes(tag)) return false
    storage.setItem(SHOWN_KEY, JSON.stringify([...list.slice(-49), tag]))
    return true
  } catch {
    return true
  }
}

/** Shows a notification; clicking it focuses this tab and opens the chat. */
export function showNotification(content: { title: string; body: string; tag: string; chat: string }, open: (chat: string) => void): void {
  if (notificationPermission() !== 'granted') return
  if (!claimNotification(content.tag)) return
  try {
    const n = new window.Notification(content.title, { body: content.body, tag: content.tag })
    n.onclick = () => {
      window.focus()
      open(content.chat)
      n.close()
    }
  } catch {
    // Some browsers only allow notifications from a service worker; the badge and title still show.
  }
}

let plainIcon: string | null = null

/** Writes the unread total into the tab title and the favicon badge (the plain icon at 0). */
export function showUnreadTotal(total: number, doc: Document = document): void {
  const title = titleWithCount(doc.title, total)
  if (doc.title !== title) doc.title = title
  let link = doc.querySelector<HTMLLinkElement>('link[rel~="icon"]')
  if (!link) {
    link = doc.createElement('link')
    link.rel = 'icon'
    doc.head.appendChild(link)
  }
  if (plainIcon === null) plainIcon = link.getAttribute('href') ?? ''
  const href = total > 0 ? badgedFavicon(total) : plainIcon
  if (!href) link.removeAttribute('href')
  else if (link.getAttribute('href') !== href) link.setAttribute('href', href)
}
