import type { Context } from '../context.js'
import { fail } from '../errors.js'
import type { Executor } from '../store/db.js'
import { insertAuditEntry, listAuditEntries } from '../store/repos/audit.js'
import { microsToIsoMillis, monotonicMicros, parseDateParam } from '../time.js'

/**
 * The user audit log. Event types are UPPER_SNAKE_CASE, as in Roam's examples:
 * - `USER_CREATED`      data `{isAdmin, source}`
 * - `USER_DEACTIVATED`  data `{source}`
 * - `USER_REACTIVATED`  data `{source}`
 * - `ROLE_CHANGED`      data `{from: 'User'|'Admin', to: 'User'|'Admin', source}`
 * - `USER_SIGNED_IN`    data as given by the sign-in path (e.g. `{method: 'password'}`)
 * - `ENTER_ROOM` / `LEAVE_ROOM` data `{location: {...}}`, recorded by presence.
 * - `SIGNIN_LOCKED`     data `{scope: 'account'|'address', address, retryAfterSeconds}`: sign-in
 *   attempts began to be refused (once per lockout, not per refused attempt).
 * `source` says who made the change: `api` (with `actor`, the calling address), `scim`, `cli`.
 */
export type AuditEventType =
  | 'USER_CREATED'
  | 'USER_DEACTIVATED'
  | 'USER_REACTIVATED'
  | 'ROLE_CHANGED'
  | 'USER_SIGNED_IN'
  | 'ENTER_ROOM'
  | 'LEAVE_ROOM'
  | 'SIGNIN_LOCKED'
  | (string & {})

export interface AuditRecord {
  orgId: string
  /** The user the entry is about (its name and email appear in the listing). */
  userId: string | null
  eventType: AuditEventType
  data?: Record<string, unknown>
  /** µs instant; now when absent. */
  at?: number
}

/** Records one audit entry; call it inside the transaction of the change it describes. */
export async function recordAudit(tx: Executor, record: AuditRecord): Promise<void> {
  await insertAuditEntry(tx, {
    orgId: record.orgId,
    userId: record.userId,
    eventType: record.eventType,
    data: record.data ?? {},
    createdAt: record.at ?? monotonicMicros(),
  })
}

/** The wire shape of one entry (chat.json `UserAuditLog`). */
export interface UserAuditLogView {
  timestamp: string
  eventType: string
  name?: string
  email?: string
  data: Record<string, unknown>
}

const DAY_MICROS = 86_400_000_000

/**
 * Every entry of one UTC day, newest first. `date` is `YYYY-MM-DD` or an RFC 3339 instant, which
 * selects the UTC day it falls in.
 */
export async function listUserAuditLog(ctx: Context, orgId: string, date: string): Promise<{ auditLogs: UserAuditLogView[] }> {
  const instant = parseDateParam(date.trim())
  if (instant === undefined) fail('invalid_request', `date: "${date}" is not a date (YYYY-MM-DD) or an RFC 3339 date-time`)
  const from = Math.floor(instant / DAY_MICROS) * DAY_MICROS
  const entries = await listAuditEntries(ctx.db, orgId, from, from + DAY_MICROS)
  return {
    auditLogs: entries.map((e) => ({
      timestamp: microsToIsoMillis(e.createdAt),
      eventType: e.eventType,
      ...(e.userName !== null ? { name: e.userName } : {}),
      ...(e.userEmail !== null ? { email: e.userEmail } : {}),
      data: e.data,
    })),
  }
}
