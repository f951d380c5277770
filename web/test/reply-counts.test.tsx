import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { act, cleanup, screen, waitFor, within } from '@testing-library/react'
import { chat, emit, handlers, message, renderChat, scriptedServer, type Server } from './chat-page'

/** Thread reply counts under messages: from the server on load, then live from the socket. */

vi.mock('../src/realtime', () => ({
  realtime: {
    subscribe: (h: (f: unknown) => void) => {
      handlers.add(h)
      return () => handlers.delete(h)
    },
  },
}))

let server: Server

beforeEach(() => {
  server = {
    inbox: [{ id: chat, group: 'G-1', kind: 'channel', name: 'Engineering', participants: [], unread: 0, lastTs: 300 }],
    history: [message(100, 'root with replies'), message(200, 'quiet root')],
    threads: new Map([[100, { replies: 2, latestReply: 150 }]]),
    requests: [],
  }
  scriptedServer(server)
})

afterEach(() => {
  cleanup()
  handlers.clear()
  vi.unstubAllGlobals()
})

const article = (text: string) => screen.getByText(text).closest('article') as HTMLElement

describe('thread reply counts', () => {
  it('shows the replies a thread already has, and counts replies arriving over the socket', async () => {
    renderChat()
    await screen.findByText('root with replies')
    await within(article('root with replies')).findByRole('button', { name: '2 replies' })
    expect(within(article('quiet root')).getByRole('button', { name: 'Reply in thread' })).toBeTruthy()
    expect(server.requests).toContainEqual(['/app/chat.threads', { chat, timestamps: [100, 200] }])

    // A reply the count already holds (sent again after a reconnect) is not counted twice.
    act(() => emit({ type: 'chat.message.channel', payload: message(150, 'old reply', { threadTimestamp: 100 }) }))
    act(() => emit({ type: 'chat.message.channel', payload: message(250, 'new reply', { threadTimestamp: 100 }) }))
    await within(article('root with replies')).findByRole('button', { name: '3 replies' })
    act(() => emit({ type: 'chat.message.channel', payload: message(260, 'first reply', { threadTimestamp: 200 }) }))
    await within(article('quiet root')).findByRole('button', { name: '1 reply' })
    // Replies stay in their thread, not in the main list.
    expect(screen.queryByText('new reply')).toBeNull()

    act(() => emit({ type: 'chat.message.deleted', payload: message(250, 'new reply', { threadTimestamp: 100 }) }))
    await within(article('root with replies')).findByRole('button', { name: '2 replies' })
    act(() => emit({ type: 'chat.message.deleted', payload: message(150, 'old reply', { threadTimestamp: 100 }) }))
    await within(article('root with replies')).findByRole('button', { name: '1 reply' })
  })

  it('counts the replies of a root that itself arrived live, without asking the server about it', async () => {
    renderChat()
    await screen.findByText('quiet root')
    await waitFor(() => expect(server.requests.filter(([p]) => p === '/app/chat.threads')).toHaveLength(1))
    act(() => emit({ type: 'chat.message.channel', payload: message(300, 'brand new root') }))
    await screen.findByText('brand new root')
    act(() => emit({ type: 'chat.message.channel', payload: message(310, 'reply to it', { threadTimestamp: 300 }) }))
    await within(article('brand new root')).findByRole('button', { name: '1 reply' })
    // A root that arrived live has no replies to ask about.
    expect(server.requests.filter(([p]) => p === '/app/chat.threads')).toHaveLength(1)
  })
})
