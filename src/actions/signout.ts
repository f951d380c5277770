import { SESSIONS_ENDED } from '../events/realtime.js'
import { tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { insertEvent } from '../store/repos/outbox.js'
import { deleteUserSessions, deleteUserSessionsById } from '../store/repos/sessions.js'

/**
 * Ends a user's browser sessions — all of them, or all but `keepSessionId` (the session that
 * changed the password) — in the caller's transaction: their cookies stop working at the next
 * request, and the outbox event tells every process's realtime hub to close those sessions'
 * sockets at once.
 */
export async function endUserSessions(db: Executor, orgId: string, userId: string, keepSessionId: string | null, now: number): Promise<void> {
  await announceEnded(db, orgId, userId, await deleteUserSessions(db, orgId, userId, keepSessionId), now)
}

/** Ends the named sessions of a user (an administrator revoking them), like endUserSessions; returns how many ended. */
export async function endSessionsById(db: Executor, orgId: string, userId: string, sessionIds: readonly string[], now: number): Promise<number> {
  const ended = await deleteUserSessionsById(db, orgId, userId, sessionIds)
  await announceEnded(db, orgId, userId, ended, now)
  return ended.length
}

async function announceEnded(db: Executor, orgId: string, userId: string, ended: string[], now: number): Promise<void> {
  // Only the sessions that existed now: a socket of a session signed in after this commit stays.
  if (ended.length === 0) return
  const address = tag('U', userId)
  await insertEvent(db, { orgId, type: SESSIONS_ENDED, payload: { address, ended }, routing: { addresses: [address] }, createdAt: now })
}
