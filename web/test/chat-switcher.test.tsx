import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { ChatSwitcher } from '../src/components/ChatSwitcher'
import { RouterProvider, useRouter } from '../src/router'

/** Ctrl/Cmd-K: a keyboard switcher between conversations. */

const chats = [
  { id: 'C-1', group: 'G-1', kind: 'channel', name: 'Engineering', participants: [], unread: 0, lastTs: 1 },
  { id: 'C-2', group: 'G-2', kind: 'channel', name: 'Design studio', participants: [], unread: 2, lastTs: 2 },
  { id: 'D-3', group: null, kind: 'dm', name: 'Alice Liddell', participants: [], unread: 0, lastTs: 3 },
  { id: 'C-4', group: 'G-4', kind: 'channel', name: 'Deploys', participants: [], unread: 0, lastTs: 4 },
]

function Where() {
  return <output data-testid="path">{useRouter().path}</output>
}

beforeEach(() => {
  window.history.replaceState(null, '', '/office')
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ chats }), { status: 200 })))
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function setup() {
  render(
    <RouterProvider>
      <button type="button">before</button>
      <ChatSwitcher />
      <Where />
    </RouterProvider>,
  )
  const before = screen.getByRole('button', { name: 'before' })
  before.focus()
  return before
}

describe('chat switcher', () => {
  it('opens on Ctrl+K, filters as you type, and opens the chosen conversation with arrows and Enter', async () => {
    setup()
    expect(screen.queryByRole('dialog')).toBeNull()
    fireEvent.keyDown(document, { key: 'k', ctrlKey: true })
    const dialog = screen.getByRole('dialog', { name: 'Switch conversation' })
    const input = within(dialog).getByRole('combobox', { name: 'Conversation name' })
    expect(document.activeElement).toBe(input)
    const list = await within(dialog).findByRole('listbox', { name: 'Conversations' })
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(4))
    fireEvent.change(input, { target: { value: 'de' } })
    const options = within(list).getAllByRole('option')
    expect(options.map((o) => o.textContent)).toEqual(['# Design studio2 unread', '# Deploys'])
    expect(options[0]!.getAttribute('aria-selected')).toBe('true')
    expect(input.getAttribute('aria-activedescendant')).toBe(options[0]!.id)
    fireEvent.keyDown(input, { key: 'ArrowDown' })
    expect(within(list).getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(input, { key: 'ArrowDown' })
    // Wraps around.
    expect(within(list).getAllByRole('option')[0]!.getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(input, { key: 'ArrowUp' })
    fireEvent.keyDown(input, { key: 'Enter' })
    expect(screen.getByTestId('path').textContent).toBe('/chat/C-4')
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('opens on Cmd+K too, and Escape closes it and returns the focus', async () => {
    const before = setup()
    fireEvent.keyDown(document, { key: 'K', metaKey: true })
    const input = screen.getByRole('combobox', { name: 'Conversation name' })
    fireEvent.change(input, { target: { value: 'nothing like this' } })
    expect(await screen.findByText('No conversation matches.')).toBeTruthy()
    fireEvent.keyDown(input, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(before)
    expect(screen.getByTestId('path').textContent).toBe('/office')
  })
})
