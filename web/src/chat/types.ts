import type { Block } from '../blockkit/types'

export interface Item {
  id: string
  type: 'photo' | 'blob'
  mime?: string
  name: string
  url: string
  thumbnail?: string
  size?: number
  width?: number
  height?: number
}

export interface Reaction {
  chat: string
  timestamp: number
  name: string
  user: { id: string; name: string }
}

export interface Poll {
  question: string
  options: Array<{ id: string; text: string }>
  allowMultipleAnswers: boolean
  closesAt?: string
}

export interface Message {
  type: 'message'
  contentType: 'text' | 'block' | 'voice' | 'poll'
  sender: string
  chat: string
  timestamp: number
  threadTimestamp?: number
  text?: string
  items?: Item[]
  blocks?: Block[]
  color?: string
  poll?: Poll
  reactions?: Reaction[]
  edited?: boolean
  /** Present on a streamed message (an agent writing it live): true while it is still being written. */
  streaming?: boolean
  /** A streamed message holding the sender's reasoning rather than its answer. */
  thinking?: boolean
}

export interface InboxEntry {
  id: string
  group: string | null
  kind: 'channel' | 'dm' | 'multi'
  name: string
  participants: string[]
  unread: number
  lastTs: number
}

/** A reply lives in a thread; thread roots and plain messages are top level. */
export function isReply(m: Pick<Message, 'timestamp' | 'threadTimestamp'>): boolean {
  return m.threadTimestamp !== undefined && m.threadTimestamp !== m.timestamp
}

/** Merges messages by key (chat, timestamp), newest version wins, sorted oldest first. */
export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  const byKey = new Map(current.map((m) => [m.timestamp, m]))
  for (const m of incoming) byKey.set(m.timestamp, { ...byKey.get(m.timestamp), ...m })
  return [...byKey.values()].sort((a, b) => a.timestamp - b.timestamp)
}

/** µs key → RFC 3339 with microseconds (chat.history `after`, inclusive). */
export function microsToIso(us: number): string {
  const ms = Math.floor(us / 1000)
  const iso = new Date(ms).toISOString()
  const micros = String(us % 1_000_000).padStart(6, '0')
  return `${iso.slice(0, 19)}.${micros}Z`
}
