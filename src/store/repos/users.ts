import type { Selectable } from 'kysely'
import type { User } from '../../domain.js'
import type { Executor } from '../db.js'
import type { UsersTable } from '../schema.js'

function toUser(row: Selectable<UsersTable>): User {
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
  }
}

export interface NewUser {
  id: string
  orgId: string
  email: string
  name: string
  isAdmin: boolean
  passwordHash?: string | null
  createdAt: number
}

export async function insertUser(db: Executor, user: NewUser): Promise<User> {
  const row = await db
    .insertInto('users')
    .values({
      id: user.id,
      org_id: user.orgId,
      email: user.email.toLowerCase(),
      name: user.name,
      is_admin: user.isAdmin ? 1 : 0,
      password_hash: user.passwordHash ?? null,
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
    .where('email', '=', email.toLowerCase())
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
