import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { NewConversation } from '../src/chat/NewConversation'
import { OfficeProvider } from '../src/people'
import { SessionContext, type SessionInfo } from '../src/session'

/** Starting a DM or multi-DM from the people picker, against a scripted server. */

const me = 'U-00000000-0000-4000-8000-0000000000a0'
const person = (n: number, name: string) => ({
  id: `U-00000000-0000-4000-8000-0000000000a${n}`,
  name,
  email: `${name.toLowerCase()}@example.com`,
  imageUrl: null,
  isAdmin: false,
  jobTitle: null,
  status: 'checkedIn',
  presence: 'online',
  room: null,
})
const people = [person(0, 'Me'), person(1, 'Ada'), person(2, 'Bea'), person(3, 'Cy')]
const session = { user: { id: me, address: me, name: 'Me', email: 'me@example.com', isAdmin: false, status: 'checkedIn', presence: 'online' }, org: { id: 'o', name: 'Org' }, csrfToken: 't' } as SessionInfo

/** A socket that never connects: the realtime client waits quietly. */
class SilentSocket {
  onmessage: unknown = null
  onclose: unknown = null
  close(): void {}
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('NewConversation', () => {
  it('posts the first message to the chosen people and hands back the conversation', async () => {
    const posts: unknown[] = []
    vi.stubGlobal('WebSocket', SilentSocket)
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string, init?: RequestInit) => {
        const url = new URL(input, 'http://atrium.test')
        if (init?.method === 'POST') {
          posts.push([url.pathname, JSON.parse(String(init.body))])
          return new Response(JSON.stringify({ chat: 'M-00000000-0000-4000-8000-0000000000f1', timestamp: 1 }), { status: 200 })
        }
        return new Response(JSON.stringify({ rooms: [], people }), { status: 200 })
      }),
    )
    const started = vi.fn()
    render(
      <SessionContext.Provider value={session}>
        <OfficeProvider>
          <NewConversation onStarted={started} />
        </OfficeProvider>
      </SessionContext.Provider>,
    )
    fireEvent.click(screen.getByRole('button', { name: 'New message' }))
    // Everyone but oneself, filtered by name or email.
    await screen.findByRole('checkbox', { name: /Ada/ })
    expect(screen.queryByRole('checkbox', { name: /^Me/ })).toBeNull()
    fireEvent.change(screen.getByLabelText('Find people'), { target: { value: 'bea@' } })
    expect(screen.getAllByRole('checkbox')).toHaveLength(1)
    fireEvent.click(screen.getByRole('checkbox', { name: /Bea/ }))
    fireEvent.change(screen.getByLabelText('Find people'), { target: { value: '' } })
    fireEvent.click(screen.getByRole('checkbox', { name: /Ada/ }))
    const send = screen.getByRole('button', { name: 'Send' })
    expect(send).toHaveProperty('disabled', true)
    fireEvent.change(screen.getByLabelText('First message'), { target: { value: 'Hello both' } })
    fireEvent.click(send)
    await waitFor(() => expect(started).toHaveBeenCalledWith('M-00000000-0000-4000-8000-0000000000f1'))
    expect(posts).toEqual([['/v0/chat.post', { chat: [people[2]!.id, people[1]!.id], text: 'Hello both' }]])
    // The picker closes once the conversation exists.
    expect(screen.queryByRole('form', { name: 'New message' })).toBeNull()
  })

  it("shows the server's refusal and keeps what was written", async () => {
    vi.stubGlobal('WebSocket', SilentSocket)
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_input: string, init?: RequestInit) =>
        init?.method === 'POST'
          ? new Response(JSON.stringify({ error: 'chat/0: user is deactivated', code: 'invalid_request' }), { status: 400 })
          : new Response(JSON.stringify({ rooms: [], people }), { status: 200 }),
      ),
    )
    render(
      <SessionContext.Provider value={session}>
        <OfficeProvider>
          <NewConversation onStarted={() => undefined} />
        </OfficeProvider>
      </SessionContext.Provider>,
    )
    fireEvent.click(screen.getByRole('button', { name: 'New message' }))
    fireEvent.click(await screen.findByRole('checkbox', { name: /Cy/ }))
    fireEvent.change(screen.getByLabelText('First message'), { target: { value: 'Still there?' } })
    fireEvent.click(screen.getByRole('button', { name: 'Send' }))
    expect((await screen.findByRole('alert')).textContent).toBe('chat/0: user is deactivated')
    expect(screen.getByLabelText('First message')).toHaveProperty('value', 'Still there?')
  })
})
