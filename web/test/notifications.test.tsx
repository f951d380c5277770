import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import type { Frame } from '../src/realtime'

/** Unread counts, the tab title and favicon badge, and which messages raise a desktop notification. */

const handlers = new Set<(f: Frame) => void>()
vi.mock('../src/realtime', () => ({
  realtime: {
    subscribe: (h: (f: Frame) => void) => {
      handlers.add(h)
      return () => handlers.delete(h)
    },
  },
}))

const { MuteToggle, NotificationCenter, NotificationSettings, openChatAt } = await import('../src/components/Notifications')
const { claimNotification, mentionsIn, notificationBody, notificationContent, shouldNotify, showUnreadTotal } = await import('../src/notifications')
const { badgedFavicon, countMessage, emptyUnread, titleWithCount, totalUnread, unreadStore, withUnread } = await import('../src/unread')
const { SessionContext } = await import('../src/session')
const { RouterProvider } = await import('../src/router')
const { DirectoryContext, directoryFrom } = await import('../src/directory')

const ME = 'U-00000000-0000-4000-8000-000000000001'
const ANA = 'U-00000000-0000-4000-8000-000000000002'
const OPS = 'C-00000000-0000-4000-8000-0000000000c1'
const OPS_GROUP = 'G-00000000-0000-4000-8000-0000000000a1'
const DM = 'D-00000000-0000-4000-8000-0000000000d1'

const state = (over: Partial<typeof emptyUnread> = {}) => ({
  ...emptyUnread,
  chats: new Map([
    [OPS, { id: OPS, group: OPS_GROUP, kind: 'channel' as const, name: 'Ops', unread: 2 }],
    [DM, { id: DM, group: null, kind: 'dm' as const, name: 'Ana', unread: 1 }],
  ]),
  ...over,
})
const ctx = (over: Partial<Parameters<typeof shouldNotify>[1]> = {}) => ({ me: ME, level: 'mentions_and_dms' as const, muted: new Set<string>(), openChat: null, visible: true, ...over })
const msg = (over: Partial<{ chat: string; sender: string; text: string; timestamp: number; threadTimestamp: number }> = {}) => ({ chat: OPS, sender: ANA, timestamp: 100, text: 'hello', ...over })

describe('which messages notify', () => {
  it('finds mentions of people and of everyone', () => {
    expect(mentionsIn(`hi <@${ME}> and <!@all>, <@${ME}>`)).toEqual([ME, 'all'])
    expect(mentionsIn('no <@U-nope> here')).toEqual([])
    expect(mentionsIn(undefined)).toEqual([])
  })

  it('mentions_and_dms: direct messages and mentions of me only', () => {
    expect(shouldNotify(msg(), ctx())).toBe(false)
    expect(shouldNotify(msg({ text: `ping <@${ME}>` }), ctx())).toBe(true)
    expect(shouldNotify(msg({ text: `ping <@${ANA}>` }), ctx())).toBe(false)
    expect(shouldNotify(msg({ text: 'deploy <!@all>' }), ctx())).toBe(true)
    expect(shouldNotify(msg({ chat: DM }), ctx())).toBe(true)
    expect(shouldNotify(msg({ chat: 'M-00000000-0000-4000-8000-0000000000e1' }), ctx())).toBe(true)
  })

  it('all: every message from others; nothing: none', () => {
    expect(shouldNotify(msg(), ctx({ level: 'all' }))).toBe(true)
    expect(shouldNotify(msg({ chat: DM, text: `<@${ME}>` }), ctx({ level: 'nothing' }))).toBe(false)
  })

  it('never my own messages, never muted chats, never the chat open in a visible tab', () => {
    expect(shouldNotify(msg({ sender: ME, chat: DM }), ctx({ level: 'all' }))).toBe(false)
    expect(shouldNotify(msg({ text: `<@${ME}>` }), ctx({ muted: new Set([OPS]) }))).toBe(false)
    expect(shouldNotify(msg({ chat: DM }), ctx({ muted: new Set([DM]) }))).toBe(false)
    expect(shouldNotify(msg({ chat: DM }), ctx({ openChat: DM }))).toBe(false)
    // Open but the tab is hidden, or another chat is open: notify.
    expect(shouldNotify(msg({ chat: DM }), ctx({ openChat: DM, visible: false }))).toBe(true)
    expect(shouldNotify(msg({ chat: DM }), ctx({ openChat: OPS }))).toBe(true)
    // The open chat named by its group id, resolved by the caller to the chat id.
    expect(shouldNotify(msg({ text: `<@${ME}>` }), ctx({ openChat: OPS, chatId: OPS }))).toBe(false)
  })

  it('says who wrote what, with mentions as names, shortened', () => {
    const nameOf = (a: string) => (a === ANA ? 'Ana' : a === ME ? 'Me Myself' : undefined)
    expect(notificationContent(msg({ text: `hey <@${ME}>  look` }), state(), nameOf)).toEqual({ title: 'Ana in #Ops', body: 'hey @Me Myself look', tag: `${OPS}:100`, chat: OPS })
    expect(notificationContent(msg({ chat: DM }), state(), nameOf).title).toBe('Ana')
    expect(notificationBody('x'.repeat(300), nameOf)).toHaveLength(180)
    expect(notificationBody(undefined, nameOf)).toBe('New message')
  })

  it('shows each message once across tabs', () => {
    const storage = new Map<string, string>()
    const fake = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) } as Storage
    expect(claimNotification('C-1:1', fake)).toBe(true)
    expect(claimNotification('C-1:1', fake)).toBe(false)
    expect(claimNotification('C-1:2', fake)).toBe(true)
  })
})

describe('unread counts, title and favicon', () => {
  it('counts messages from others, not mine, not replies, not in the chat I am reading', () => {
    const s = state()
    expect(totalUnread(s)).toBe(3)
    expect(totalUnread(state({ muted: new Set([OPS]) }))).toBe(1)
    expect(countMessage(s, msg(), ME, null, true).chats.get(OPS)!.unread).toBe(3)
    expect(countMessage(s, msg({ chat: OPS_GROUP }), ME, null, true).chats.get(OPS)!.unread).toBe(3)
    expect(countMessage(s, msg({ sender: ME }), ME, null, true)).toBe(s)
    expect(countMessage(s, msg({ timestamp: 101, threadTimestamp: 50 }), ME, null, true)).toBe(s)
    expect(countMessage(s, msg(), ME, OPS, true)).toBe(s)
    expect(countMessage(s, msg(), ME, OPS_GROUP, true)).toBe(s)
    expect(countMessage(s, msg(), ME, OPS, false).chats.get(OPS)!.unread).toBe(3)
    expect(withUnread(s, OPS, 0).chats.get(OPS)!.unread).toBe(0)
    expect(withUnread(s, 'C-unknown', 0)).toBe(s)
  })

  it('writes "(n) title" and a badge on the favicon, and restores both at 0', () => {
    expect(titleWithCount('Atrium', 3)).toBe('(3) Atrium')
    expect(titleWithCount('(3) Atrium', 5)).toBe('(5) Atrium')
    expect(titleWithCount('(5) Atrium', 0)).toBe('Atrium')
    expect(titleWithCount('Atrium', 250)).toBe('(99+) Atrium')
    expect(decodeURIComponent(badgedFavicon(7))).toContain('>7</text>')

    document.head.innerHTML = `<title>Atrium</title><link rel="icon" href="data:image/svg+xml,plain">`
    showUnreadTotal(4)
    expect(document.title).toBe('(4) Atrium')
    const icon = document.querySelector('link[rel~="icon"]')!
    expect(icon.getAttribute('href')).toBe(badgedFavicon(4))
    showUnreadTotal(0)
    expect(document.title).toBe('Atrium')
    expect(icon.getAttribute('href')).toBe('data:image/svg+xml,plain')
  })
})

/** A recording stand-in for the browser's Notification. */
class FakeNotification {
  static permission: NotificationPermission = 'granted'
  static shown: FakeNotification[] = []
  static requestPermission = vi.fn(async () => {
    FakeNotification.permission = 'granted'
    return 'granted' as NotificationPermission
  })
  onclick: (() => void) | null = null
  closed = false
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    FakeNotification.shown.push(this)
  }
  close() {
    this.closed = true
  }
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
let posts: Array<{ url: string; body: unknown }> = []
let settings = { level: 'mentions_and_dms', muted: [] as string[] }

function emit(type: string, payload: unknown) {
  act(() => {
    for (const h of [...handlers]) h({ type, payload })
  })
}

function renderApp(children: React.ReactNode) {
  const session = { user: { id: ME, address: ME, name: 'Me', email: 'me@example.com', isAdmin: false, status: 'checkedIn' as const, presence: 'online' as const }, org: { id: 'o', name: 'Org' }, csrfToken: 't' }
  return render(
    <SessionContext.Provider value={session}>
      <RouterProvider>
        <DirectoryContext.Provider value={directoryFrom([[ANA, 'Ana'], [ME, 'Me']])}>{children}</DirectoryContext.Provider>
      </RouterProvider>
    </SessionContext.Provider>,
  )
}

describe('the notification center in a tab', () => {
  beforeEach(() => {
    FakeNotification.shown = []
    FakeNotification.permission = 'granted'
    FakeNotification.requestPermission.mockClear()
    vi.stubGlobal('Notification', FakeNotification)
    posts = []
    settings = { level: 'mentions_and_dms', muted: [] }
    localStorage.clear()
    document.head.innerHTML = `<title>Atrium</title><link rel="icon" href="data:image/svg+xml,plain">`
    window.history.replaceState(null, '', '/office')
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (init?.method === 'POST') {
          const body = JSON.parse(String(init.body)) as Record<string, unknown>
          posts.push({ url, body })
          if (url === '/app/chat.mute') settings = { ...settings, muted: body.muted ? [String(body.chat)] : [] }
          if (url === '/app/notifications.set') settings = { ...settings, level: String(body.level) }
          return json(settings)
        }
        if (url.startsWith('/app/chats.list')) return json({ chats: [...state().chats.values()].map((c) => ({ ...c, participants: [], lastTs: 1 })) })
        if (url.startsWith('/app/notifications.get')) return json(settings)
        return json({})
      }),
    )
  })
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
    unreadStore.reset()
  })

  it('puts the unread total in the title, counts new messages, clears on chat.read, and notifies a mention once', async () => {
    renderApp(<NotificationCenter />)
    await waitFor(() => expect(document.title).toBe('(3) Atrium'))
    expect(document.querySelector('link[rel~="icon"]')!.getAttribute('href')).toBe(badgedFavicon(3))

    emit('chat.message.channel', msg({ text: `look <@${ME}>`, timestamp: 200 }))
    expect(document.title).toBe('(4) Atrium')
    expect(FakeNotification.shown.map((n) => [n.title, n.options.body])).toEqual([['Ana in #Ops', 'look @Me']])
    // The same message again (another tab got there first, or a replay): no second notification.
    emit('chat.message.channel', msg({ text: `look <@${ME}>`, timestamp: 200 }))
    expect(FakeNotification.shown).toHaveLength(1)

    // A plain channel message counts but does not notify at this level.
    emit('chat.message.channel', msg({ text: 'fyi', timestamp: 201 }))
    expect(FakeNotification.shown).toHaveLength(1)

    // Clicking opens the chat in this tab.
    act(() => FakeNotification.shown[0]!.onclick!())
    expect(window.location.pathname).toBe(`/chat/${OPS}`)
    expect(FakeNotification.shown[0]!.closed).toBe(true)

    // Read elsewhere: counts as the server says.
    emit('chat.read', { chat: OPS, timestamp: 201, unread: 0 })
    emit('chat.read', { chat: DM, timestamp: 5, unread: 0 })
    expect(document.title).toBe('Atrium')
    expect(document.querySelector('link[rel~="icon"]')!.getAttribute('href')).toBe('data:image/svg+xml,plain')
  })

  it('recounts from the server when a message is deleted', async () => {
    renderApp(<NotificationCenter />)
    await waitFor(() => expect(document.title).toBe('(3) Atrium'))
    const fetchMock = vi.mocked(fetch)
    fetchMock.mockImplementation(async (url) => {
      if (String(url).startsWith('/app/chats.list')) return json({ chats: [...state().chats.values()].map((c) => ({ ...c, unread: c.id === OPS ? 1 : c.unread, participants: [], lastTs: 1 })) })
      return json(settings)
    })
    emit('chat.message.deleted', { chat: OPS, timestamp: 100 })
    await waitFor(() => expect(document.title).toBe('(2) Atrium'), { timeout: 3000 })
  })

  it('stays quiet for muted chats, my own messages, and the chat open in this visible tab', async () => {
    window.history.replaceState(null, '', `/chat/${DM}`)
    settings = { level: 'all', muted: [OPS] }
    renderApp(<NotificationCenter />)
    await waitFor(() => expect(document.title).toBe('(1) Atrium'))
    emit('chat.message.channel', msg({ text: `<@${ME}>`, timestamp: 300 }))
    emit('chat.message.dm', msg({ chat: DM, timestamp: 301 }))
    emit('chat.message.dm', msg({ chat: DM, sender: ME, timestamp: 302 }))
    expect(FakeNotification.shown).toHaveLength(0)
    // The open chat is not counted either; the muted one is left out of the title.
    expect(document.title).toBe('(1) Atrium')
    // Unmuted from another tab: the level is all, so the next message there notifies.
    emit('notifications.settings.update', { level: 'all', muted: [] })
    emit('chat.message.channel', msg({ text: 'now', timestamp: 303 }))
    expect(FakeNotification.shown.map((n) => n.title)).toEqual(['Ana in #Ops'])
  })

  it('asks for permission only when the person presses the button, and can be dismissed', async () => {
    FakeNotification.permission = 'default'
    renderApp(<NotificationSettings />)
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled()
    fireEvent.click(screen.getByRole('button', { name: 'Turn on desktop notifications' }))
    await waitFor(() => expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1))
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Turn on desktop notifications' })).toBeNull())
    cleanup()

    FakeNotification.permission = 'default'
    renderApp(<NotificationSettings />)
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }))
    expect(screen.queryByRole('button', { name: 'Turn on desktop notifications' })).toBeNull()
    cleanup()
    renderApp(<NotificationSettings />)
    expect(screen.queryByRole('button', { name: 'Turn on desktop notifications' })).toBeNull()
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1)
  })

  it('changes the level and mutes a chat through the API', async () => {
    renderApp(
      <>
        <NotificationSettings />
        <MuteToggle chat={OPS} name="Ops" />
      </>,
    )
    fireEvent.change(screen.getByLabelText(/Notify me about/), { target: { value: 'nothing' } })
    await waitFor(() => expect(posts).toContainEqual({ url: '/app/notifications.set', body: { level: 'nothing' } }))
    await waitFor(() => expect(unreadStore.get().level).toBe('nothing'))
    const mute = screen.getByRole('button', { name: 'Mute Ops' })
    expect(mute.getAttribute('aria-pressed')).toBe('false')
    fireEvent.click(mute)
    await waitFor(() => expect(screen.getByRole('button', { name: 'Mute Ops' }).getAttribute('aria-pressed')).toBe('true'))
    expect(posts).toContainEqual({ url: '/app/chat.mute', body: { chat: OPS, muted: true } })
  })

  it('knows the open chat from the path', () => {
    expect(openChatAt(`/chat/${DM}`)).toBe(DM)
    expect(openChatAt('/chat')).toBeNull()
    expect(openChatAt('/office')).toBeNull()
  })
})

describe('reading only what can be seen', () => {
  it('marks a chat read at once in a visible tab, and only once a hidden tab is shown', async () => {
    const { whenVisible } = await import('../src/unread')
    let visibility: DocumentVisibilityState = 'visible'
    const doc = new EventTarget() as Document
    Object.defineProperty(doc, 'visibilityState', { get: () => visibility })
    const read = vi.fn()
    whenVisible(read, doc)
    expect(read).toHaveBeenCalledTimes(1)
    visibility = 'hidden'
    whenVisible(read, doc)
    const cancelled = vi.fn()
    whenVisible(cancelled, doc)()
    expect(read).toHaveBeenCalledTimes(1)
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(read).toHaveBeenCalledTimes(1)
    visibility = 'visible'
    doc.dispatchEvent(new Event('visibilitychange'))
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(read).toHaveBeenCalledTimes(2)
    expect(cancelled).not.toHaveBeenCalled()
  })
})
