import { useRef } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { JumpToNewest, usePinnedScroll } from '../src/chat/PinnedScroll'

/**
 * The message list stays pinned to the newest message while what is already shown grows (images
 * and link previews loading), unless the reader has scrolled up; then new messages raise a
 * "Jump to newest" button instead of moving the view. happy-dom has no layout, so the list's
 * geometry is scripted: `content` is the height of everything in it, the viewport 200px.
 */

let content = 1000
const VIEWPORT = 200

function List({ messages }: { messages: number[] }) {
  const list = useRef<HTMLDivElement>(null)
  const pinned = usePinnedScroll(list, { newest: messages.at(-1), version: messages })
  return (
    <section>
      <div
        data-testid="list"
        ref={(el) => {
          list.current = el
          if (el && !Object.getOwnPropertyDescriptor(el, 'scrollHeight')) {
            let top = 0
            Object.defineProperty(el, 'scrollHeight', { get: () => content })
            Object.defineProperty(el, 'clientHeight', { get: () => VIEWPORT })
            Object.defineProperty(el, 'scrollTop', { get: () => top, set: (v: number) => (top = Math.max(0, Math.min(v, content - VIEWPORT))) })
          }
        }}
        onScroll={pinned.onScroll}
      >
        {messages.map((m) => (
          <p key={m}>
            message {m} <img alt="" src={`/p/${m}.png`} />
          </p>
        ))}
      </div>
      <JumpToNewest pinned={pinned} />
    </section>
  )
}

afterEach(() => {
  cleanup()
  content = 1000
})

const list = () => screen.getByTestId('list')
const atBottom = () => list().scrollTop === content - VIEWPORT

describe('pinned message list', () => {
  it('starts at the newest message and stays there while an image above it loads', () => {
    render(<List messages={[1, 2, 3]} />)
    expect(atBottom()).toBe(true)
    content = 1400
    // The image's load event (which does not bubble) is what grows the list.
    act(() => void list().querySelector('img')!.dispatchEvent(new Event('load')))
    expect(atBottom()).toBe(true)
  })

  it('leaves a reader who scrolled up where they are, and offers to jump to new messages', () => {
    const { rerender } = render(<List messages={[1, 2, 3]} />)
    expect(screen.queryByRole('button', { name: /Jump to newest/ })).toBeNull()
    list().scrollTop = 100
    fireEvent.scroll(list())
    content = 1400
    act(() => void list().querySelector('img')!.dispatchEvent(new Event('load')))
    expect(list().scrollTop).toBe(100)
    // An older message loaded or a reaction changed nothing: no button.
    rerender(<List messages={[1, 2, 3]} />)
    expect(screen.queryByRole('button', { name: /Jump to newest/ })).toBeNull()
    content = 1600
    rerender(<List messages={[1, 2, 3, 4]} />)
    expect(list().scrollTop).toBe(100)
    const jump = screen.getByRole('button', { name: 'Jump to newest' })
    fireEvent.click(jump)
    expect(atBottom()).toBe(true)
    expect(screen.queryByRole('button', { name: /Jump to newest/ })).toBeNull()
    // Pinned again: the next message keeps the view at the bottom.
    content = 1800
    rerender(<List messages={[1, 2, 3, 4, 5]} />)
    expect(atBottom()).toBe(true)
  })

  it('hides the button when the reader scrolls back down themselves', () => {
    const { rerender } = render(<List messages={[1]} />)
    list().scrollTop = 0
    fireEvent.scroll(list())
    content = 1200
    rerender(<List messages={[1, 2]} />)
    expect(screen.getByRole('button', { name: 'Jump to newest' })).toBeTruthy()
    list().scrollTop = content - VIEWPORT
    fireEvent.scroll(list())
    expect(screen.queryByRole('button', { name: /Jump to newest/ })).toBeNull()
  })
})
