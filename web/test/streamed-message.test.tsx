import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/react'
import { MessageView } from '../src/chat/MessageView'
import { DirectoryContext } from '../src/directory'
import type { Message } from '../src/chat/types'

/** A streamed message (an agent writing live): marked while open, reasoning folded once finished. */

const me = 'U-00000000-0000-4000-8000-0000000000a1'
const bot = 'B-00000000-0000-4000-8000-0000000000b1'
const base: Message = { type: 'message', contentType: 'text', sender: bot, chat: 'C-00000000-0000-4000-8000-000000000001', timestamp: 1_700_000_000_000_000, text: '' }

afterEach(cleanup)

function show(message: Message) {
  const { container } = render(
    <DirectoryContext.Provider value={{ nameOf: () => 'Agent' }}>
      <MessageView message={message} me={me} onReact={() => undefined} onEdit={async () => undefined} onDelete={async () => undefined} />
    </DirectoryContext.Provider>,
  )
  return container
}

describe('streamed messages', () => {
  it('an open answer stream says it is being written, without "(edited)", and shows a placeholder before any text', () => {
    const container = show({ ...base, streaming: true, edited: true })
    expect(screen.getByRole('status').textContent).toBe('writing…')
    expect(screen.queryByText('(edited)')).toBeNull()
    expect(container.querySelector('.stream-waiting')).not.toBeNull()
  })

  it('a finished answer is an ordinary message', () => {
    show({ ...base, text: 'The answer', streaming: false, edited: true })
    expect(screen.queryByRole('status')).toBeNull()
    expect(screen.getByText('The answer')).toBeTruthy()
  })

  it('reasoning is open while written and folded once finished', () => {
    const open = show({ ...base, text: 'Weighing it up', streaming: true, thinking: true })
    expect(screen.getByRole('status').textContent).toBe('thinking…')
    expect((open.querySelector('details.thinking') as HTMLDetailsElement).open).toBe(true)
    cleanup()
    const done = show({ ...base, text: 'Weighing it up', streaming: false, thinking: true })
    const details = done.querySelector('details.thinking') as HTMLDetailsElement
    expect(details.open).toBe(false)
    expect(details.querySelector('summary')?.textContent).toBe('Reasoning')
    expect(details.textContent).toContain('Weighing it up')
  })

  it('my own open stream offers no Edit button until it is finished', () => {
    show({ ...base, sender: me, text: 'partial', streaming: true })
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull()
    cleanup()
    show({ ...base, sender: me, text: 'whole', streaming: false })
    expect(screen.getByRole('button', { name: 'Edit' })).toBeTruthy()
  })
})
