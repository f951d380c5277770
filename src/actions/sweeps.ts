import { RepeatingTask } from '../repeating.js'
import type { Context } from '../context.js'
import { deleteItemIfUnattached, listUnattachedItems } from '../store/repos/items.js'
import { deleteExpiredSessions, deleteExpiredSigninLinks } from '../store/repos/sessions.js'
import { nowMicros } from '../time.js'
import { storageOf } from './items.js'
import { sweepAbandonedStreams } from './streams.js'

/**
 * Periodic clean-up, run by every server process on a timer. Each sweep is a set of conditional
 * deletes, so processes sweeping at the same time neither fail nor delete anything twice; time is
 * passed in (µs), so the sweeps are tested without waiting.
 */

/** An upload no message has attached is kept this long (a day), then deleted with its bytes. */
export const UNATTACHED_ITEM_TTL_MICROS = 24 * 60 * 60 * 1_000_000
const ITEM_BATCH = 500

/**
 * Deletes uploads older than a day that no message has attached, rows first (a row deleted here
 * is one no message can reference any more), then their bytes. Returns how many were deleted.
 */
export async function sweepUnattachedItems(ctx: Context, now: number): Promise<number> {
  const storage = storageOf(ctx)
  let deleted = 0
  for (;;) {
    const candidates = await listUnattachedItems(ctx.db, now - UNATTACHED_ITEM_TTL_MICROS, ITEM_BATCH)
    let progressed = false
    for (const candidate of candidates) {
      let key: string | undefined
      try {
        key = await deleteItemIfUnattached(ctx.db, candidate.id)
      } catch {
        // A message attached it at this very moment (PostgreSQL's foreign key check): it stays.
        continue
      }
      progressed = true
      if (key === undefined) continue
      await storage.delete(key)
      deleted++
    }
    if (candidates.length < ITEM_BATCH || !progressed) return deleted
  }
}

/** Deletes sessions and sign-in links that expired at or before `now`. */
export async function purgeExpiredSignins(ctx: Context, now: number): Promise<{ sessions: number; signinLinks: number }> {
  const sessions = await deleteExpiredSessions(ctx.db, now)
  const signinLinks = await deleteExpiredSigninLinks(ctx.db, now)
  return { sessions, signinLinks }
}

export interface SweepResult {
  items: number
  sessions: number
  signinLinks: number
}

/** Every sweep once, at `now`. */
export async function runSweeps(ctx: Context, now: number = nowMicros()): Promise<SweepResult> {
  const items = await sweepUnattachedItems(ctx, now)
  return { items, ...(await purgeExpiredSignins(ctx, now)) }
}

/**
 * How often abandoned streams are looked for: a quarter of the stream timeout (at least a second,
 * at most the sweep interval), so a stream is finished soon after it times out.
 */
export function streamSweepIntervalMs(limits: { streamTimeoutMs: number; sweepIntervalMs: number }): number {
  return Math.min(limits.sweepIntervalMs, Math.max(1000, Math.floor(limits.streamTimeoutMs / 4)))
}

/**
 * Runs the sweeps every `ATRIUM_SWEEP_INTERVAL_MS` (first one at start) until stopped, and the
 * abandoned-stream sweep on its own, shorter period.
 */
export class Sweeper {
  private readonly task: RepeatingTask<SweepResult>
  private readonly streams: RepeatingTask<number>

  constructor(ctx: Context, log?: { error: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void }) {
    this.task = new RepeatingTask(
      async () => {
        const r = await runSweeps(ctx)
        if (r.items + r.sessions + r.signinLinks > 0) log?.info({ ...r }, 'swept unattached uploads and expired sign-ins')
        return r
      },
      () => ctx.config.limits.sweepIntervalMs,
      (err) => log?.error({ err }, 'sweep failed'),
    )
    this.streams = new RepeatingTask(
      async () => {
        const n = await sweepAbandonedStreams(ctx, nowMicros())
        if (n > 0) log?.info({ streams: n }, 'finished abandoned message streams')
        return n
      },
      () => streamSweepIntervalMs(ctx.config.limits),
      (err) => log?.error({ err }, 'stream sweep failed'),
    )
  }

  start(): void {
    this.task.start()
    this.streams.start()
  }

  /** Stops the timers and waits for sweeps in progress. */
  async stop(): Promise<void> {
    await Promise.all([this.task.stop(), this.streams.stop()])
  }
}
