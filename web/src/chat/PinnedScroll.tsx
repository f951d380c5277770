import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react'

/** How close to the bottom (px) still counts as reading the newest message. */
const NEAR_BOTTOM = 40

export interface PinnedScroll {
  /** Call from the list's scroll handler. */
  onScroll(): void
  /** Scrolls to the newest message and keeps it there (after sending, or from the button). */
  jump(): void
  /** Lets go of the newest message (the view was moved to an older one on purpose). */
  release(): void
  /** New messages arrived while the reader was scrolled up. */
  unseen: boolean
}

/**
 * Keeps a message list pinned to its newest message: after every render that changed the list
 * (`version`), and whenever what it shows grows afterwards (images, link previews and Block Kit
 * loading, fonts), unless the reader has scrolled up. Older messages loaded above keep the view
 * where it was. While scrolled up, a new newest message (`newest` changed) sets `unseen`. While the
 * list does not reach the chat's newest message (`atEnd` false: opened around an older one), being
 * at its bottom does not pin it.
 */
export function usePinnedScroll(
  list: RefObject<HTMLElement | null>,
  { newest, version, atEnd = true }: { newest: number | undefined; version: unknown; atEnd?: boolean },
): PinnedScroll {
  const pinned = useRef(true)
  const prevHeight = useRef(0)
  const lastNewest = useRef(newest)
  const [unseen, setUnseen] = useState(false)

  const toBottom = useCallback(() => {
    const el = list.current
    if (!el) return
    el.scrollTop = el.scrollHeight
    prevHeight.current = el.scrollHeight
  }, [list])

  useLayoutEffect(() => {
    const el = list.current
    if (!el) return
    if (pinned.current) el.scrollTop = el.scrollHeight
    else if (prevHeight.current && el.scrollHeight > prevHeight.current && el.scrollTop < 50) el.scrollTop += el.scrollHeight - prevHeight.current
    prevHeight.current = el.scrollHeight
  }, [list, version])

  useEffect(() => {
    if (newest === lastNewest.current) return
    const grew = lastNewest.current !== undefined && newest !== undefined && newest > lastNewest.current
    lastNewest.current = newest
    if (grew && !pinned.current) setUnseen(true)
  }, [newest])

  // Growth after the render: an image's `load` (caught on the way down, it does not bubble) and
  // any change of a message's size.
  useEffect(() => {
    const el = list.current
    if (!el) return
    const follow = () => {
      if (pinned.current) toBottom()
      else prevHeight.current = el.scrollHeight
    }
    el.addEventListener('load', follow, true)
    const resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(follow)
    const watchChildren = () => {
      if (!resize) return
      resize.disconnect()
      for (const child of Array.from(el.children)) resize.observe(child)
    }
    watchChildren()
    const mutations = typeof MutationObserver === 'undefined' ? null : new MutationObserver(watchChildren)
    mutations?.observe(el, { childList: true })
    return () => {
      el.removeEventListener('load', follow, true)
      resize?.disconnect()
      mutations?.disconnect()
    }
  }, [list, toBottom])

  const onScroll = useCallback(() => {
    const el = list.current
    if (!el) return
    pinned.current = atEnd && el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM
    if (pinned.current) setUnseen(false)
  }, [list, atEnd])

  const release = useCallback(() => {
    pinned.current = false
  }, [])

  const jump = useCallback(() => {
    pinned.current = true
    setUnseen(false)
    toBottom()
  }, [toBottom])

  return { onScroll, jump, release, unseen }
}

/** The "Jump to newest" button, shown while new messages wait below a reader who scrolled up. */
export function JumpToNewest({ pinned }: { pinned: PinnedScroll }) {
  if (!pinned.unseen) return null
  return (
    <button type="button" className="jump-to-newest primary" onClick={pinned.jump}>
      Jump to newest
      <span aria-hidden="true"> ↓</span>
    </button>
  )
}
