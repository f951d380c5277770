import { vi } from 'vitest'
import { render } from '@testing-library/react'
import { Chat } from '../src/pages/Chat'
import { RouterProvider } from '../src/router'
import { SessionContext, type SessionInfo } from '../src/session'
import type { Frame } from '../src/realtime'
import type { InboxEntry, Message } from '../src/chat/types'

/** Shared by the Chat page tests: a scripted server and a realtime socket the test drives. */

export const me = 'U-00000000-0000-4000-8000-0000000000a1'
export const chat = 'C-00000000-0000-4000-8000-000000000001'
export const session: SessionInfo = {
  user: { id: me, address: me, name: 'Ada', email: 'ada@example.com', isAdmin: false, status: 'checkedIn', presence: 'online' },
  org: { id: 'o', name: 'Test' },
  csrfToken: 't',
}

export const handlers = new Set<(f: Frame) => void>()
/** Delivers a frame to the page as the realtime socket would. */
export const emit = (frame: Frame) => [...handlers].forEach((h) => h(frame))

export interface Server {
  inbox: InboxEntry[]
  history: Message[]
  /** Replies per thread root and the newest reply's key, as /app/chat.threads answers. */
  threads: Map<number, { replies: number; latestReply: number }>
  requests: Array<[string, unknown]>
}

export function scriptedServer(server: Server): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, 'http://atrium.test')
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined
      server.requests.push([url.pathname, body ?? Object.fromEntries(url.searchParams)])
      const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200 })
      switch (url.pathname) {
        case '/app/chats.list':
          return json({ chats: server.inbox })
        case '/v0/chat.history':
          return json({ chat, messages: url.searchParams.has('threadTimestamp') ? [] : server.history })
        case '/app/chat.threads':
          return json({
            chat,
            threads: (body!.timestamps as number[]).map((ts) => {
              const t = server.threads.get(ts)
              return t ? { timestamp: ts, ...t } : { timestamp: ts, replies: 0 }
            }),
          })
        default:
          return json({})
      }
    }),
  )
}

export function renderChat(path = `/chat/${chat}`) {
  window.history.replaceState(null, '', path)
  return render(
    <SessionContext.Provider value={session}>
      <RouterProvider>
        <Chat />
      </RouterProvider>
    </SessionContext.Provider>,
  )
}

export const message = (timestamp: number, text: string, extra: Partial<Message> = {}): Message => ({ type: 'message', contentType: 'text', sender: me, chat, timestamp, text, ...extra })
