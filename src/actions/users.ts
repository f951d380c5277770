import type { Context } from '../context.js'
import type { Principal, User } from '../domain.js'
import { hasScope, requireNotSelfDeactivation } from '../access.js'
import { fail } from '../errors.js'
import { newId, parseTagged, tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findUser, findUserByEmail, insertUser, listUsers, setUserActive, updateUser, type UserChanges } from '../store/repos/users.js'
import { microsToIso, monotonicMicros, nowMicros } from '../time.js'
import { recordAudit } from './audit.js'
import { endUserSessions } from './signout.js'
import { normalizeEmail } from '../email.js'
import { issueSigninLink, type IssuedSigninLink } from './sessions.js'

/**
 * Who made a change to the directory, for the audit log: an API caller (its address), the SCIM
 * provisioning API (the provisioning app's address), or the command line.
 */
export interface ChangeSource {
  via: 'api' | 'scim' | 'cli' | 'bootstrap'
  actor?: string
}

function sourceData(source: ChangeSource | undefined): Record<string, unknown> {
  if (!source) return {}
  return { source: source.via, ...(source.actor ? { actor: source.actor } : {}) }
}

export interface AddUserInput {
  email: string
  name: string
  isAdmin?: boolean
  givenName?: string | null
  familyName?: string | null
  externalId?: string | null
  /** Create the account deactivated (SCIM `active: false` on create). Default true. */
  active?: boolean
  source?: ChangeSource
}

const emailRe = /^[^\s@]+@[^\s@]+$/
export const NAME_MAX = 128

export function isEmail(value: string): boolean {
  return emailRe.test(value)
}

function inTransaction<T>(ctx: Context, tx: Executor | undefined, run: (db: Executor) => Promise<T>): Promise<T> {
  return tx ? run(tx) : ctx.db.transaction().execute(run)
}

/** Creates a user in the organization and records `USER_CREATED` in the audit log. */
export async function addUser(ctx: Context, orgId: string, input: AddUserInput, tx?: Executor): Promise<User> {
  const email = normalizeEmail(input.email)
  const name = input.name.trim()
  if (!emailRe.test(email)) fail('invalid_request', `email: "${input.email}" is not an email address`)
  if (name === '' || name.length > NAME_MAX) fail('invalid_request', `name: must be 1 to ${NAME_MAX} characters`)
  return inTransaction(ctx, tx, async (db) => {
    if (await findUserByEmail(db, orgId, email)) fail('conflict', `email: a user with ${email} already exists`)
    const now = monotonicMicros()
    const user = await insertUser(db, {
      id: newId(),
      orgId,
      email,
      name,
      isAdmin: input.isAdmin ?? false,
      givenName: input.givenName ?? null,
      familyName: input.familyName ?? null,
      externalId: input.externalId ?? null,
      active: input.active ?? true,
      createdAt: now,
    })
    await recordAudit(db, { orgId, userId: user.id, eventType: 'USER_CREATED', data: { isAdmin: user.isAdmin, ...sourceData(input.source) } })
    if (!user.active) await recordAudit(db, { orgId, userId: user.id, eventType: 'USER_DEACTIVATED', data: sourceData(input.source) })
    return user
  })
}

async function requireUser(db: Executor, orgId: string, userId: string): Promise<User> {
  const user = await findUser(db, orgId, userId)
  if (!user) fail('not_found', 'User not found.')
  return user
}

/**
 * Deactivates (`active: false`) or reactivates a user; records `USER_DEACTIVATED` /
 * `USER_REACTIVATED` when the state changes. A deactivated user's tokens stop authenticating at
 * once (authentication checks the user on every request), they leave `user.list`, `user.info`,
 * `user.lookup` and `group.members`, and they cannot be added to groups. Their browser sessions
 * end and their realtime sockets close in the same moment. Their memberships and
 * tokens are kept, so reactivation restores them.
 */
export async function setUserActiveState(
  ctx: Context,
  orgId: string,
  userId: string,
  active: boolean,
  source?: ChangeSource,
  tx?: Executor,
): Promise<User> {
  return inTransaction(ctx, tx, async (db) => {
    const user = await requireUser(db, orgId, userId)
    if (user.active === active) return user
    const now = nowMicros()
    const updated = await setUserActive(db, orgId, userId, active, now)
    // Deactivation signs the person out everywhere and closes their realtime sockets at once.
    if (!active) await endUserSessions(db, orgId, userId, null, now)
    await recordAudit(db, { orgId, userId, eventType: active ? 'USER_REACTIVATED' : 'USER_DEACTIVATED', data: sourceData(source) })
    return updated
  })
}

export const deactivateUser = (ctx: Context, orgId: string, userId: string, source?: ChangeSource, tx?: Executor) =>
  setUserActiveState(ctx, orgId, userId, false, source, tx)

/**
 * An administrator (de)activates someone from the admin API: as setUserActiveState, except that
 * nobody deactivates themself there (access.requireNotSelfDeactivation).
 */
export async function setUserActiveByAdmin(ctx: Context, admin: { orgId: string; userId: string; address: string }, id: string, active: boolean): Promise<User> {
  const userId = parseUserId('id', id)
  if (!active) requireNotSelfDeactivation(admin.userId, userId)
  return setUserActiveState(ctx, admin.orgId, userId, active, { via: 'api', actor: admin.address })
}

/**
 * Adds a person and hands out their first sign-in link: mailed to them when an SMTP server is
 * configured, and returned to the administrator either way.
 */
export async function inviteUser(ctx: Context, orgId: string, input: AddUserInput): Promise<{ user: User; link: IssuedSigninLink }> {
  const user = await addUser(ctx, orgId, input)
  return { user, link: await issueSigninLink(ctx, orgId, user.id, 'invite') }
}

/** A person as administrators see them: deactivated ones included, with when they joined. */
export interface AdminUserView {
  id: string
  email: string
  name: string
  isAdmin: boolean
  active: boolean
  createdAt: string
}

export function adminUserView(user: User): AdminUserView {
  return { id: tag('U', user.id), email: user.email, name: user.name, isAdmin: user.isAdmin, active: user.active, createdAt: microsToIso(user.createdAt) }
}

/** Everyone in the organization, deactivated people included, in the order they joined; keyset-paged. */
export async function listUsersForAdmin(ctx: Context, orgId: string, opts: { limit: number; cursor?: string }): Promise<{ users: AdminUserView[]; nextCursor?: string }> {
  const after = opts.cursor !== undefined ? decodeUserCursor(opts.cursor) : undefined
  const rows = await listUsers(ctx.db, orgId, { limit: opts.limit + 1, includeInactive: true, ...(after ? { after } : {}) })
  const page = rows.slice(0, opts.limit)
  return { users: page.map(adminUserView), ...(rows.length > opts.limit ? { nextCursor: encodeUserCursor(page[page.length - 1]!) } : {}) }
}

const roleName = (isAdmin: boolean) => (isAdmin ? 'Admin' : 'User')

/** Makes a user an organization administrator or a regular user; records `ROLE_CHANGED`. */
export async function setUserRole(ctx: Context, orgId: string, userId: string, isAdmin: boolean, source?: ChangeSource, tx?: Executor): Promise<User> {
  return inTransaction(ctx, tx, async (db) => {
    const user = await requireUser(db, orgId, userId)
    if (user.isAdmin === isAdmin) return user
    const now = nowMicros()
    const updated = await updateUser(db, orgId, userId, { isAdmin }, now)
    await recordAudit(db, {
      orgId,
      userId,
      eventType: 'ROLE_CHANGED',
      data: { from: roleName(user.isAdmin), to: roleName(isAdmin), ...sourceData(source) },
    })
    return updated
  })
}

/** Changes profile fields (name parts, external id); the role goes through setUserRole. */
export async function updateUserProfile(
  ctx: Context,
  orgId: string,
  userId: string,
  changes: Omit<UserChanges, 'isAdmin'>,
  tx?: Executor,
): Promise<User> {
  if (changes.name !== undefined) {
    const name = changes.name.trim()
    if (name === '' || name.length > NAME_MAX) fail('invalid_request', `name: must be 1 to ${NAME_MAX} characters`)
    changes = { ...changes, name }
  }
  return inTransaction(ctx, tx, async (db) => {
    await requireUser(db, orgId, userId)
    return updateUser(db, orgId, userId, changes, nowMicros())
  })
}

/* ---- Reading the directory (user.list, user.info, user.lookup) ---- */

/** The wire shape of a user (chat.json `User` / `UserInfo`). */
export interface UserView {
  id: string
  name: string
  imageUrl?: string
  email?: string
  isAdmin: boolean
  jobTitle?: string
  location?: string
  status?: 'checkedIn' | 'checkedOut'
  available?: boolean
}

export interface UserViewOptions {
  email: boolean
  status: boolean
  available: boolean
}

export function userView(user: User, opts: UserViewOptions): UserView {
  return {
    id: tag('U', user.id),
    name: user.name,
    ...(user.imageUrl ? { imageUrl: user.imageUrl } : {}),
    ...(opts.email ? { email: user.email } : {}),
    isAdmin: user.isAdmin,
    ...(user.jobTitle ? { jobTitle: user.jobTitle } : {}),
    ...(user.location ? { location: user.location } : {}),
    ...(opts.status ? { status: user.status } : {}),
    ...(opts.available ? { available: user.available } : {}),
  }
}

/**
 * Parses `expand` (comma-separated). Unknown values are a 400 naming them. Known values the
 * caller lacks `user:read.status` for are dropped silently: the fields are documented as "only
 * included when the scope is granted".
 */
function expandOptions(principal: Principal, expand: string | undefined, supported: readonly string[]): { status: boolean; available: boolean } {
  const wanted = new Set((expand ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))
  const unknown = [...wanted].filter((w) => !supported.includes(w))
  if (unknown.length > 0) fail('invalid_request', `expand: unknown value ${unknown.join(', ')}; supported: ${supported.join(', ')}`)
  const statusScope = hasScope(principal, 'user:read.status')
  return { status: statusScope && wanted.has('status'), available: statusScope && wanted.has('available') }
}

function encodeUserCursor(user: User): string {
  return Buffer.from(`${user.createdAt}:${user.id}`).toString('base64url')
}

function decodeUserCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const m = /^(\d{1,17}):([0-9a-f-]{36})$/.exec(text)
  if (!m) fail('invalid_request', 'cursor: is not a cursor returned by user.list')
  return { createdAt: Number(m[1]), id: m[2]! }
}

/**
 * `user.list`: active users in the order they joined the organization, keyset-paged. Deactivated
 * users are not listed. Bots are not users and are not listed.
 */
export async function listUsersPage(
  ctx: Context,
  principal: Principal,
  opts: { limit: number; cursor?: string; expand?: string },
): Promise<{ users: UserView[]; nextCursor?: string }> {
  const expand = expandOptions(principal, opts.expand, ['status'])
  const after = opts.cursor !== undefined ? decodeUserCursor(opts.cursor) : undefined
  const rows = await listUsers(ctx.db, principal.orgId, { limit: opts.limit + 1, ...(after ? { after } : {}) })
  const page = rows.slice(0, opts.limit)
  const view = { email: hasScope(principal, 'user:read.email'), status: expand.status, available: false }
  return {
    users: page.map((u) => userView(u, view)),
    ...(rows.length > opts.limit ? { nextCursor: encodeUserCursor(page[page.length - 1]!) } : {}),
  }
}

/** Parses a `U-…` id, or fails naming the field. */
export function parseUserId(field: string, value: string): string {
  const parsed = parseTagged(value)
  if (!parsed || parsed.tag !== 'U') fail('invalid_request', `${field}: must be a user id (U-…)`)
  return parsed.uuid
}

/** `user.info`: one active user; a deactivated or unknown user is 404. */
export async function getUserInfo(ctx: Context, principal: Principal, id: string, expand?: string): Promise<UserView> {
  const opts = expandOptions(principal, expand, ['status', 'available'])
  const user = await findUser(ctx.db, principal.orgId, parseUserId('id', id))
  if (!user || !user.active) fail('not_found', 'User not found.')
  return userView(user, { email: hasScope(principal, 'user:read.email'), ...opts })
}

/** `user.lookup`: the active user with this email (matched case-insensitively); else 404. */
export async function lookupUserByEmail(ctx: Context, principal: Principal, email: string): Promise<UserView> {
  const trimmed = email.trim()
  if (!emailRe.test(trimmed)) fail('invalid_request', `email: "${email}" is not an email address`)
  const user = await findUserByEmail(ctx.db, principal.orgId, trimmed)
  if (!user || !user.active) fail('not_found', 'User not found.')
  return userView(user, { email: true, status: false, available: false })
}

/** The active users of the organization, for the command line (all pages). */
export async function listAllUsers(ctx: Context, orgId: string, includeInactive = false): Promise<User[]> {
  const out: User[] = []
  let after: { createdAt: number; id: string } | undefined
  for (;;) {
    const page = await listUsers(ctx.db, orgId, { limit: 500, includeInactive, ...(after ? { after } : {}) })
    out.push(...page)
    if (page.length < 500) return out
    const last = page[page.length - 1]!
    after = { createdAt: last.createdAt, id: last.id }
  }
}

/** Finds a user by `U-…` id, bare UUID or email, for the command line. */
export async function findUserByReference(ctx: Context, orgId: string, ref: string): Promise<User> {
  const trimmed = ref.trim()
  const parsed = parseTagged(trimmed)
  const user = trimmed.includes('@')
    ? await findUserByEmail(ctx.db, orgId, trimmed)
    : parsed?.tag === 'U'
      ? await findUser(ctx.db, orgId, parsed.uuid)
      : /^[0-9a-f-]{36}$/.test(trimmed)
        ? await findUser(ctx.db, orgId, trimmed)
        : undefined
  if (!user) fail('not_found', `user: no user "${ref}"`)
  return user
}
