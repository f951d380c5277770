import { useEffect, useMemo, useRef, useState } from 'react'
import { post } from '../api'
import { realtime } from '../realtime'
import { isReply, type Message } from './types'

/** What /app/chat.threads answers for one thread root. */
interface ThreadSummary {
  timestamp: number
  replies: number
  latestReply?: number
}

interface Known {
  /** The server's count when asked, and its newest reply then. */
  base: number
  latest: number | undefined
  /** Replies seen over the socket that are newer than `latest` (the count does not hold them). */
  added: Set<number>
  /** Replies the count holds that were deleted since. */
  removed: Set<number>
}

const BATCH = 200

/**
 * Reply counts of the thread roots shown in a chat: asked from the server for the roots loaded
 * (replies are not in the main history; a root that arrives over the socket starts at 0), then kept current by the replies and deletions that
 * arrive over the realtime socket. A reply the count already holds (key not newer than the newest
 * reply counted, as after a reconnect's resync) is not counted twice.
 */
export function useReplyCounts(chat: string, roots: readonly number[]): Map<number, number> {
  const [known, setKnown] = useState<Map<number, Known>>(new Map())
  const asked = useRef(new Set<number>())
  // Frames that came before the count they change: applied when it arrives.
  const early = useRef(new Map<number, Array<{ kind: 'reply' | 'deleted'; ts: number }>>())

  useEffect(() => {
    asked.current = new Set()
    early.current = new Map()
    setKnown(new Map())
  }, [chat])

  const key = roots.join(',')
  useEffect(() => {
    const wanted = roots.filter((ts) => !asked.current.has(ts))
    if (wanted.length === 0) return
    wanted.forEach((ts) => asked.current.add(ts))
    for (let i = 0; i < wanted.length; i += BATCH) {
      const timestamps = wanted.slice(i, i + BATCH)
      post<{ threads: ThreadSummary[] }>('/app/chat.threads', { chat, timestamps })
        .then(({ threads }) =>
          setKnown((map) => {
            const next = new Map(map)
            for (const t of threads) {
              let entry: Known = { base: t.replies, latest: t.latestReply, added: new Set(), removed: new Set() }
              for (const e of early.current.get(t.timestamp) ?? []) entry = change(entry, e.kind, e.ts)
              early.current.delete(t.timestamp)
              next.set(t.timestamp, entry)
            }
            return next
          }),
        )
        .catch(() => timestamps.forEach((ts) => asked.current.delete(ts)))
    }
    // `key` stands for `roots` (a new array every render).
  }, [chat, key])

  useEffect(
    () =>
      realtime.subscribe((f) => {
        const isNew = f.type === 'chat.message.channel' || f.type === 'chat.message.dm'
        if (!isNew && f.type !== 'chat.message.deleted') return
        const m = f.payload as Message
        if (m.chat !== chat) return
        if (isNew && !isReply(m)) {
          // A root that arrives live is new: it has no replies yet, and nothing need be asked.
          if (asked.current.has(m.timestamp)) return
          asked.current.add(m.timestamp)
          let entry: Known = { base: 0, latest: undefined, added: new Set(), removed: new Set() }
          for (const e of early.current.get(m.timestamp) ?? []) entry = change(entry, e.kind, e.ts)
          early.current.delete(m.timestamp)
          setKnown((map) => new Map(map).set(m.timestamp, entry))
          return
        }
        if (!isReply(m)) return
        const kind = isNew ? 'reply' : 'deleted'
        const thread = m.threadTimestamp!
        setKnown((map) => {
          const entry = map.get(thread)
          if (!entry) {
            early.current.set(thread, [...(early.current.get(thread) ?? []), { kind, ts: m.timestamp }])
            return map
          }
          return new Map(map).set(thread, change(entry, kind, m.timestamp))
        })
      }),
    [chat],
  )

  return useMemo(() => new Map([...known].map(([ts, k]) => [ts, Math.max(0, k.base + k.added.size - k.removed.size)])), [known])
}

function change(entry: Known, kind: 'reply' | 'deleted', ts: number): Known {
  const held = entry.latest !== undefined && ts <= entry.latest
  if (kind === 'reply') {
    if (held || entry.added.has(ts)) return entry
    return { ...entry, added: new Set(entry.added).add(ts) }
  }
  if (entry.added.has(ts)) {
    const added = new Set(entry.added)
    added.delete(ts)
    return { ...entry, added }
  }
  if (held && !entry.removed.has(ts)) return { ...entry, removed: new Set(entry.removed).add(ts) }
  return entry
}
