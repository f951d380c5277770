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
  await deleteUserSessions(db, orgId, userId, keepSessionId)
  const address = tag('U', userId)
  await insertEvent(db, { orgId, type: SESSIONS_ENDED, payload: { address, keep: keepSessionId }, routing: { addresses: [address] }, createdAt: now })
}
