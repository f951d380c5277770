import type { Executor } from '../db.js'

export interface SessionRow {
  id: string
  orgId: string
  userId: string
  createdAt: number
  expiresAt: number
}

export async function insertSession(db: Executor, s: SessionRow): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ id: s.id, org_id: s.orgId, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt })
    .execute()
}

export async function findSession(db: Executor, id: string): Promise<SessionRow | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
  return row && { id: row.id, orgId: row.org_id, userId: row.user_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) }
}

export async function deleteSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute()
}

/** Deletes sessions that expired at or before `now`; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Deletes sign-in links that expired at or before `now` (used or not); returns how many. */
export async function deleteExpiredSigninLinks(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('signin_links').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function insertSigninLink(db: Executor, link: { id: string; orgId: string; userId: string; createdAt: number; expiresAt: number }): Promise<void> {
  await db
    .insertInto('signin_links')
    .values({ id: link.id, org_id: link.orgId, user_id: link.userId, created_at: link.createdAt, expires_at: link.expiresAt, used_at: null })
    .execute()
}

/** Marks an unused, unexpired link used and returns whom it signs in; undefined otherwise (one winner under races). */
export async function consumeSigninLink(db: Executor, id: string, now: number): Promise<{ orgId: string; userId: string } | undefined> {
  const row = await db
    .updateTable('signin_links')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['org_id', 'user_id'])
    .executeTakeFirst()
  return row && { orgId: row.org_id, userId: row.user_id }
}

/** Deletes every session of a user, except `keepId` when given. */
/** Deletes a user's sessions (all, or all but `keepId`) and returns the ids of those deleted. */
export async function deleteUserSessions(db: Executor, orgId: string, userId: string, keepId: string | null): Promise<string[]> {
  let q = db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId)
  if (keepId !== null) q = q.where('id', '!=', keepId)
  return (await q.returning('id').execute()).map((r) => r.id)
}

/** A user's unexpired sessions, oldest first. */
export async function listUserSessions(db: Executor, orgId: string, userId: string, now: number): Promise<SessionRow[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({ id: row.id, orgId: row.org_id, userId: row.user_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) }))
}

/** Deletes the named sessions of a user and returns the ids of those deleted. */
export async function deleteUserSessionsById(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId).where('id', 'in', [...ids]).returning('id').execute()
  return rows.map((r) => r.id)
}
