import { SESSIONS_ENDED } from '../events/realtime.js'
import { tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { insertEvent } from '../store/repos/outbox.js'
import { deleteUserSessions } from '../store/repos/sessions.js'

/**
 * Ends a user's browser sessions — all of them, or all but `keepSessionId` (the session that
 * changed the password) — in the caller's transaction: their cookies stop working at the next
 * request, and the outbox event tells every process's realtime hub to close those sessions'
 * sockets at once.
 */
export async function endUserSessions(db: Executor, orgId: string, userId: string, keepSessionId: string | null, now: number): Promise<void> {
  const ended = await deleteUserSessions(db, orgId, userId, keepSessionId)
  // Only the sessions that existed now: a socket of a session signed in after this commit stays.
  if (ended.length === 0) return
  const address = tag('U', userId)
  await insertEvent(db, { orgId, type: SESSIONS_ENDED, payload: { address, ended }, routing: { addresses: [address] }, createdAt: now })
}
