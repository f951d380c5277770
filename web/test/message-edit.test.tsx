import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MessageView } from '../src/chat/MessageView'
import { DirectoryContext } from '../src/directory'
import type { Message } from '../src/chat/types'

/** Editing one's own message: Enter saves, Shift+Enter breaks the line, Escape cancels. */

const me = 'U-00000000-0000-4000-8000-0000000000a1'
const message: Message = { type: 'message', contentType: 'text', sender: me, chat: 'C-00000000-0000-4000-8000-000000000001', timestamp: 1_700_000_000_000_000, text: 'first draft' }

afterEach(cleanup)

function view(onEdit: (text: string) => Promise<void>) {
  render(
    <DirectoryContext.Provider value={{ nameOf: () => 'Ada' }}>
      <MessageView message={message} me={me} onReact={() => undefined} onEdit={onEdit} onDelete={async () => undefined} />
    </DirectoryContext.Provider>,
  )
  fireEvent.click(screen.getByRole('button', { name: 'Edit' }))
  return screen.getByLabelText('Edit message') as HTMLTextAreaElement
}

describe('message edit box', () => {
  it('saves on Enter and keeps Shift+Enter as a line break', async () => {
    const onEdit = vi.fn(async () => undefined)
    const box = view(onEdit)
    fireEvent.change(box, { target: { value: 'second draft' } })
    // Shift+Enter is left to the textarea (a newline), not a save.
    expect(fireEvent.keyDown(box, { key: 'Enter', shiftKey: true })).toBe(true)
    expect(onEdit).not.toHaveBeenCalled()
    // Enter saves (and is not also typed into the box).
    expect(fireEvent.keyDown(box, { key: 'Enter' })).toBe(false)
    expect(onEdit).toHaveBeenCalledWith('second draft')
    await waitFor(() => expect(screen.queryByLabelText('Edit message')).toBeNull())
  })

  it('cancels on Escape without saving, and gives the focus back to the Edit button', () => {
    const onEdit = vi.fn(async () => undefined)
    const box = view(onEdit)
    fireEvent.change(box, { target: { value: 'never mind' } })
    fireEvent.keyDown(box, { key: 'Escape' })
    expect(onEdit).not.toHaveBeenCalled()
    expect(screen.queryByLabelText('Edit message')).toBeNull()
    expect(screen.getByText('first draft')).toBeTruthy()
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' }))
  })

  it('does not save while an input method is composing (Enter confirms the composition)', () => {
    const onEdit = vi.fn(async () => undefined)
    const box = view(onEdit)
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true })
    expect(onEdit).not.toHaveBeenCalled()
  })
})
