import type { Context } from '../context.js'
import type { User } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import { findUserByEmail, insertUser } from '../store/repos/users.js'
import { nowMicros } from '../time.js'
import type { Executor } from '../store/db.js'

export interface AddUserInput {
  email: string
  name: string
  isAdmin?: boolean
}

const emailRe = /^[^\s@]+@[^\s@]+$/

/** Creates a user in the organization and records `USER_CREATED` in the audit log. */
export async function addUser(ctx: Context, orgId: string, input: AddUserInput, tx?: Executor): Promise<User> {
  const email = input.email.trim().toLowerCase()
  const name = input.name.trim()
  if (!emailRe.test(email)) fail('invalid_request', `email: "${input.email}" is not an email address`)
  if (name === '' || name.length > 128) fail('invalid_request', 'name: must be 1 to 128 characters')
  const run = async (db: Executor): Promise<User> => {
    if (await findUserByEmail(db, orgId, email)) fail('conflict', `email: a user with ${email} already exists`)
    const now = nowMicros()
    const user = await insertUser(db, { id: newId(), orgId, email, name, isAdmin: input.isAdmin ?? false, createdAt: now })
    await insertAuditEntry(db, {
      orgId,
      userId: user.id,
      eventType: 'USER_CREATED',
      data: { isAdmin: user.isAdmin },
      createdAt: now,
    })
    return user
  }
  return tx ? run(tx) : ctx.db.transaction().execute(run)
}
