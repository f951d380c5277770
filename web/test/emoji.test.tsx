import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { Composer } from '../src/chat/Composer'
import { MessageText } from '../src/markdown/MessageText'
import { loadEmoji, searchEmoji } from '../src/emoji/emoji'

/** Emoji shortcodes in the composer (as you type, suggestions, on send), the picker, and received text. */

vi.mock('../src/realtime', () => ({ realtime: { subscribe: () => () => undefined } }))

const chat = 'C-00000000-0000-4000-8000-000000000001'
let posts: Array<[string, { text?: string }]> = []

beforeEach(() => {
  posts = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      if (init?.method === 'POST') posts.push([new URL(input, 'http://atrium.test').pathname, JSON.parse(String(init.body))])
      return new Response(JSON.stringify({ chat }), { status: 200 })
    }),
  )
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function composer() {
  render(<Composer chat={chat} label="Message Engineering" />)
  const box = screen.getByLabelText('Message Engineering') as HTMLTextAreaElement
  const type = (value: string, caret = value.length) => fireEvent.change(box, { target: { value, selectionStart: caret, selectionEnd: caret } })
  return { box, type }
}

const sent = () => posts.filter(([p]) => p === '/v0/chat.post').map(([, b]) => b.text)

describe('emoji', () => {
  it('knows Slack and emojibase shortcodes', async () => {
    const index = await loadEmoji()
    expect(index.byShortcode.get('wave')?.unicode).toBe('👋')
    expect(index.byShortcode.get('thumbsup')?.unicode).toBe(index.byShortcode.get('thumbs_up')?.unicode)
    expect(index.byShortcode.get('+1')?.unicode).toBe(index.byShortcode.get('thumbs_up')?.unicode)
    expect(searchEmoji(index, 'wav', 3)[0]!.unicode).toBe('👋')
  })

  it('turns :wave: into 👋 as its closing colon is typed, with the caret after it', async () => {
    const { box, type } = composer()
    type('hi :')
    await act(() => loadEmoji().then(() => undefined))
    type('hi :wave:')
    expect(box.value).toBe('hi 👋')
    expect(box.selectionStart).toBe('hi 👋'.length)
    // An unknown name stays as typed.
    type('hi 👋 :not_an_emoji_name:')
    expect(box.value).toBe('hi 👋 :not_an_emoji_name:')
  })

  it('suggests emoji after a colon and two letters; Enter picks', async () => {
    const { box, type } = composer()
    type('good job :')
    await act(() => loadEmoji().then(() => undefined))
    type('good job :t')
    expect(screen.queryByRole('listbox', { name: 'Emoji suggestions' })).toBeNull()
    type('good job :tad')
    const list = await screen.findByRole('listbox', { name: 'Emoji suggestions' })
    expect(within(list).getAllByRole('option')[0]!.textContent).toBe('🎉 :tada:')
    expect(box.getAttribute('aria-expanded')).toBe('true')
    fireEvent.keyDown(box, { key: 'Enter' })
    expect(box.value).toBe('good job 🎉 ')
    expect(screen.queryByRole('listbox', { name: 'Emoji suggestions' })).toBeNull()
    // Nothing was sent by that Enter.
    expect(sent()).toEqual([])
  })

  it('converts shortcodes left in the text on send, but not in code', async () => {
    const { box, type } = composer()
    type('ship it :rocket: now `:rocket:`', 3)
    expect(box.value).toBe('ship it :rocket: now `:rocket:`')
    fireEvent.keyDown(box, { key: 'Enter' })
    await waitFor(() => expect(sent()).toEqual(['ship it 🚀 now `:rocket:`']))
  })

  it('has a keyboard-usable, searchable picker that inserts at the caret', async () => {
    const { box, type } = composer()
    type('hello  world', 6)
    const toggle = screen.getByRole('button', { name: 'Insert emoji' })
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    fireEvent.click(toggle)
    const dialog = screen.getByRole('dialog', { name: 'Emoji picker' })
    const search = within(dialog).getByRole('searchbox', { name: 'Search emoji' })
    await waitFor(() => expect(document.activeElement).toBe(search))
    fireEvent.change(search, { target: { value: 'wave' } })
    const first = await within(dialog).findByRole('button', { name: 'waving hand :wave:' })
    fireEvent.keyDown(search, { key: 'ArrowDown' })
    expect(document.activeElement).toBe(first)
    fireEvent.click(first)
    expect(box.value).toBe('hello 👋 world')
    expect(screen.queryByRole('dialog')).toBeNull()

    // Escape closes it and gives the focus back to the button.
    fireEvent.click(toggle)
    const again = screen.getByRole('dialog', { name: 'Emoji picker' })
    fireEvent.keyDown(within(again).getByRole('searchbox'), { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(toggle)
  })

  it('shows received :shortcodes: as emoji, except in code', async () => {
    const { container } = render(<MessageText text={'Morning :wave: team, see `:wave:` and :unknown_thing:'} />)
    await waitFor(() => expect(container.textContent).toBe('Morning 👋 team, see :wave: and :unknown_thing:'))
    expect(container.querySelector('code')!.textContent).toBe(':wave:')
  })
})
