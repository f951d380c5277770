import type { Selectable } from 'kysely'
import type { User } from '../../domain.js'
import type { Executor } from '../db.js'
import type { UsersTable } from '../schema.js'
import { normalizeEmail } from '../../email.js'

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    name: row.name,
    imageUrl: row.image_url,
    jobTitle: row.job_title,
    location: row.location,
    isAdmin: row.is_admin === 1,
    status: row.presence_status === 'checkedIn' ? 'checkedIn' : 'checkedOut',
    available: row.available === 1,
    active: row.active === 1,
    createdAt: row.created_at,
    givenName: row.given_name,
    familyName: row.family_name,
    externalId: row.scim_external_id,
    updatedAt: row.updated_at,
    deactivatedAt: row.deactivated_at,
  }
}

export interface NewUser {
  id: string
  orgId: string
  email: string
  name: string
  isAdmin: boolean
  passwordHash?: string | null
  givenName?: string | null
  familyName?: string | null
  externalId?: string | null
  active?: boolean
  createdAt: number
}

export async function insertUser(db: Executor, user: NewUser): Promise<User> {
  const active = user.active ?? true
  const row = await db
    .insertInto('users')
    .values({
      id: user.id,
      org_id: user.orgId,
      email: normalizeEmail(user.email),
      name: user.name,
      is_admin: user.isAdmin ? 1 : 0,
      password_hash: user.passwordHash ?? null,
      given_name: user.givenName ?? null,
      family_name: user.familyName ?? null,
      scim_external_id: user.externalId ?? null,
      active: active ? 1 : 0,
      deactivated_at: active ? null : user.createdAt,
      created_at: user.createdAt,
      updated_at: user.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toUser(row)
}

export async function findUser(db: Executor, orgId: string, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toUser(row)
}

export async function findUserByEmail(db: Executor, orgId: string, email: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst()
  return row && toUser(row)
}

/** The stored password hash of a user (null: no password set, cannot sign in). */
export async function findPasswordHash(db: Executor, orgId: string, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('password_hash').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst()
  return row?.password_hash ?? null
}

export async function setPasswordHash(db: Executor, orgId: string, userId: string, hash: string, at: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash, updated_at: at }).where('org_id', '=', orgId).where('id', '=', userId).execute()
}

export async function findUsersByExternalId(db: Executor, orgId: string, externalId: string): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('scim_external_id', '=', externalId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(toUser)
}

/** Users by id (UUIDs); unknown ids are simply absent from the result. */
export async function findUsers(db: Executor, orgId: string, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()
  return rows.map(toUser)
}

/** Users by email (any case); unknown emails are simply absent from the result. */
export async function findUsersByEmail(db: Executor, orgId: string, emails: readonly string[]): Promise<User[]> {
  if (emails.length === 0) return []
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', emails.map(normalizeEmail))
    .execute()
  return rows.map(toUser)
}

export interface UserPageKey {
  createdAt: number
  id: string
}

/**
 * One page of the organization's users in the order they joined (created_at, id), keyset-paged
 * on the `users_org_created` index. Returns up to `limit` rows after `after`.
 */
export async function listUsers(
  db: Executor,
  orgId: string,
  opts: { limit: number; after?: UserPageKey; includeInactive?: boolean },
): Promise<User[]> {
  let q = db.selectFrom('users').selectAll().where('org_id', '=', orgId)
  if (!opts.includeInactive) q = q.where('active', '=', 1)
  if (opts.after) {
    const { createdAt, id } = opts.after
    q = q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]))
  }
  const rows = await q.orderBy('created_at').orderBy('id').limit(opts.limit).execute()
  return rows.map(toUser)
}

export interface UserChanges {
  name?: string
  givenName?: string | null
  familyName?: string | null
  externalId?: string | null
  isAdmin?: boolean
}

export async function updateUser(db: Executor, orgId: string, id: string, changes: UserChanges, at: number): Promise<User> {
  const row = await db
    .updateTable('users')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.givenName !== undefined ? { given_name: changes.givenName } : {}),
      ...(changes.familyName !== undefined ? { family_name: changes.familyName } : {}),
      ...(changes.externalId !== undefined ? { scim_external_id: changes.externalId } : {}),
      ...(changes.isAdmin !== undefined ? { is_admin: changes.isAdmin ? 1 : 0 } : {}),
      updated_at: at,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return toUser(row)
}

/** Deactivates (active=false, stamped) or reactivates a user. */
export async function setUserActive(db: Executor, orgId: string, id: string, active: boolean, at: number): Promise<User> {
  const row = await db
    .updateTable('users')
    .set({ active: active ? 1 : 0, deactivated_at: active ? null : at, updated_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return toUser(row)
}
