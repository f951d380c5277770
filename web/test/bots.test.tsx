import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { Composer } from '../src/chat/Composer'
import { MessageView } from '../src/chat/MessageView'
import { OfficeProvider } from '../src/people'
import type { Message } from '../src/chat/types'

/** Apps' bots are named and pictured like people: as message authors and in the @ mention list. */

vi.mock('../src/realtime', () => ({ realtime: { subscribe: () => () => undefined } }))

const ada = { id: 'U-00000000-0000-4000-8000-0000000000a1', name: 'Ada Lovelace', email: 'ada@example.com', imageUrl: null, isAdmin: false, jobTitle: null, status: 'checkedIn', presence: 'online', room: null }
const deploy = { id: 'B-00000000-0000-4000-8000-0000000000b1', name: 'Deploy bot', imageUrl: '/files/deploy.png' }
const office = { rooms: [], people: [ada], bots: [deploy] }
const chat = 'C-00000000-0000-4000-8000-000000000001'
let posts: Array<[string, unknown]> = []

beforeEach(() => {
  posts = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, 'http://atrium.test')
      if (init?.method === 'POST') {
        posts.push([url.pathname, JSON.parse(String(init.body))])
        return new Response(JSON.stringify({ chat }), { status: 200 })
      }
      return new Response(JSON.stringify(office), { status: 200 })
    }),
  )
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('bots in the web client', () => {
  it("shows a bot message under the app's name and picture, not as 'App'", async () => {
    const message: Message = { type: 'message', contentType: 'text', sender: deploy.id, chat, timestamp: 1_700_000_000_000_000, text: 'Deployed.' }
    render(
      <OfficeProvider>
        <MessageView message={message} me={ada.id} onReact={() => undefined} onEdit={async () => undefined} onDelete={async () => undefined} />
      </OfficeProvider>,
    )
    const article = await screen.findByRole('article', { name: /^Deploy bot at / })
    expect(within(article).getByText('Deploy bot').tagName).toBe('STRONG')
    expect(within(article).queryByText('App')).toBeNull()
    expect(article.querySelector('.avatar img')?.getAttribute('src')).toBe('/files/deploy.png')
  })

  it('offers bots in the @ mention list and sends the pick as a bot mention', async () => {
    render(
      <OfficeProvider>
        <Composer chat={chat} label="Message Engineering" />
      </OfficeProvider>,
    )
    const box = screen.getByLabelText('Message Engineering') as HTMLTextAreaElement
    await waitFor(() => expect(fetch).toHaveBeenCalled())
    const type = (value: string) => {
      fireEvent.change(box, { target: { value, selectionStart: value.length, selectionEnd: value.length } })
    }
    type('ping @')
    const list = await screen.findByRole('listbox', { name: 'Mention suggestions' })
    await waitFor(() => expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['@all — everyone', '@Ada Lovelace', '@Deploy bot — app']))
    type('ping @De')
    expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['@Deploy bot — app'])
    fireEvent.keyDown(box, { key: 'Enter' })
    expect(box.value).toBe('ping @Deploy bot ')
    fireEvent.keyDown(box, { key: 'Enter' })
    await waitFor(() => expect(posts.filter(([path]) => path === '/v0/chat.post')).toEqual([['/v0/chat.post', { chat, text: `ping <@${deploy.id}> `, markdown: true }]]))
  })
})
