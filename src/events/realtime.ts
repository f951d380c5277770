import type { Db } from '../store/db.js'
import { lastOutboxSeq, outboxAfter, type OutboxRecord } from '../store/repos/outbox.js'

/**
 * Realtime fan-out to signed-in browsers. Durable changes (messages, edits, deletes, reactions,
 * membership, presence, status, rooms) come from the transactional outbox, so a client only ever
 * hears about committed state, and every Atrium process sharing the database sees every change,
 * whichever process made it. Typing, which is never stored, comes from the event bus (in-process,
 * or Redis-backed across processes).
 *
 * The outbox is read by keyset on its sequence number. Sequence numbers can become visible out of
 * order under concurrent PostgreSQL transactions, so each read re-covers a short window behind the
 * newest sequence seen and skips ids already pushed. A client that reconnects fills any gap from
 * `chat.history` (keyset cursors from the last message key it holds), so nothing is lost and the
 * client drops what it already has by message key.
 */

export interface RealtimeFrame {
  type: string
  payload: unknown
}

export interface RealtimeListener {
  orgId: string
  /** Tagged address of the signed-in user (`U-…`). */
  address: string
  /** The browser session the socket was opened with (its stored id). */
  sessionId?: string
  send(frame: RealtimeFrame): void
  /** Ends the socket (its session was ended: sign-out elsewhere, password change, deactivation). */
  close?(): void
}

/**
 * Outbox event (never relayed, never a webhook): some of a user's sessions were ended (`ended`:
 * their ids); every process closes those sessions' sockets when it reads it. Sessions signed in
 * later are not named, so a late read never closes them.
 */
export const SESSIONS_ENDED = 'user.sessions.ended'

/**
 * Outbox events for one person's own sockets only (never webhooks): `chat.read` when their read
 * marker in a chat moved (`{chat, timestamp, unread}`), so every tab and device clears that chat's
 * unread count at once; `notifications.settings.update` when their notification level or mutes
 * changed (`{level, muted}`).
 */
export const CHAT_READ = 'chat.read'
export const NOTIFICATION_SETTINGS_UPDATE = 'notifications.settings.update'

/** Events relayed to browsers; anything else in the outbox stays server-side. */
export const RELAYED_EVENTS = new Set([
  CHAT_READ,
  NOTIFICATION_SETTINGS_UPDATE,
  'chat.message.channel',
  'chat.message.dm',
  'chat.message.updated',
  'chat.message.deleted',
  'chat.message.reaction',
  'chat.reaction.removed',
  'chat.poll.vote',
  'group.member.added',
  'group.member.removed',
  'group.members.update',
  'group.created',
  'group.updated',
  'group.archived',
  'user.status.update',
  'office.presence.update',
  'office.rooms.update',
])

/** Whether an outbox event concerns the listener: broadcast to the organization, or addressed to them. */
export function concerns(event: Pick<OutboxRecord, 'orgId' | 'routing'>, listener: Pick<RealtimeListener, 'orgId' | 'address'>): boolean {
  if (event.orgId !== listener.orgId) return false
  if (event.routing.broadcast === true) return true
  const addresses = event.routing.addresses
  return Array.isArray(addresses) && addresses.includes(listener.address)
}

const WINDOW = 64
const BATCH = 500
const SEEN_MAX = 4096

export class RealtimeHub {
  private readonly listeners = new Set<RealtimeListener>()
  private timer: NodeJS.Timeout | undefined
  private cursor = -1
  private readonly seen = new Set<string>()
  private polling: Promise<void> | undefined

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 250,
  ) {}

  get size(): number {
    return this.listeners.size
  }

  /** Registers a listener; resolves once the hub's starting point is fixed (nothing later is missed). */
  async add(listener: RealtimeListener): Promise<() => void> {
    this.listeners.add(listener)
    if (this.cursor < 0) await this.poll()
    this.start()
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stop()
    }
  }

  /** Pushes a frame to listeners of an organization that pass `filter` (typing, from the bus). */
  publish(orgId: string, frame: RealtimeFrame, filter: (l: RealtimeListener) => boolean): void {
    for (const l of this.listeners) if (l.orgId === orgId && filter(l)) safeSend(l, frame)
  }

  private start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.poll(), this.intervalMs)
    this.timer.unref()
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    // Restart from "now" next time: nobody was listening in between.
    this.cursor = -1
    this.seen.clear()
  }

  async close(): Promise<void> {
    this.stop()
    this.listeners.clear()
    await this.polling
  }

  /** One read of the outbox; also used by tests to step the hub deterministically. */
  poll(): Promise<void> {
    this.polling ??= this.read().finally(() => {
      this.polling = undefined
    })
    return this.polling
  }

  private async read(): Promise<void> {
    try {
      if (this.cursor < 0) {
        // Start from now: what happened before the connection comes from the API.
        const last = await lastOutboxSeq(this.db)
        for (const row of await outboxAfter(this.db, Math.max(0, last - WINDOW), BATCH)) this.remember(row.id)
        this.cursor = last
        return
      }
      const rows = await outboxAfter(this.db, Math.max(0, this.cursor - WINDOW), BATCH)
      for (const row of rows) {
        if (this.seen.has(row.id)) continue
        this.remember(row.id)
        this.cursor = Math.max(this.cursor, row.seq)
        if (row.type === SESSIONS_ENDED) {
          this.endSessions(row)
          continue
        }
        if (!RELAYED_EVENTS.has(row.type)) continue
        const frame = { type: row.type, payload: row.payload }
        for (const l of this.listeners) if (concerns(row, l)) safeSend(l, frame)
      }
    } catch {
      // A failed read is retried on the next tick.
    }
  }

  private endSessions(row: OutboxRecord): void {
    const ended = (row.payload as { ended?: unknown } | null)?.ended
    const ids = new Set(Array.isArray(ended) ? ended.filter((id): id is string => typeof id === 'string') : [])
    for (const l of [...this.listeners]) {
      if (!concerns(row, l) || l.sessionId === undefined || !ids.has(l.sessionId)) continue
      try {
        l.close?.()
      } catch {
        // Already closed.
      }
    }
  }

  private remember(id: string): void {
    this.seen.add(id)
    if (this.seen.size > SEEN_MAX) {
      const oldest = this.seen.values().next().value
      if (oldest !== undefined) this.seen.delete(oldest)
    }
  }
}

function safeSend(l: RealtimeListener, frame: RealtimeFrame): void {
  try {
    l.send(frame)
  } catch {
    // A closed socket is removed by its own close handler.
  }
}
