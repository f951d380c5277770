import {
  requireCanAddGroupAdmins,
  requireCanAddGroupMembers,
  requireCanListGroupMembers,
  requireCanManageGroup,
  requireCanRemoveGroupMembers,
  requireGroupWritable,
  requireNotGroupAdmin,
} from '../access.js'
import type { Context } from '../context.js'
import type { Group, GroupRole, User } from '../domain.js'
import { fail } from '../errors.js'
import { newId, parseTagged, tag } from '../ids.js'
import type { Executor } from '../store/db.js'
import { insertChat } from '../store/repos/chats.js'
import {
  archiveGroupRow,
  deleteAllGroupMembers,
  deleteGroupMembers,
  findGroup,
  findGroupRole,
  findGroupRoles,
  hasGroupAdmins,
  insertGroup,
  insertGroupMembersIfAbsent,
  listGroupMembers,
  listGroups,
  renameGroupRow,
  upsertGroupMembers,
} from '../store/repos/groups.js'
import { findGroupByRoomKey } from '../store/repos/rooms.js'
import { findUsers, findUsersByEmail } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { normalizeEmail } from '../email.js'

/**
 * Who acts on a group. An `app` is an API caller speaking as its bot address and goes through
 * every rule in access.ts. `provisioning` is the organization's own administration (SCIM, the
 * command line, the admin API): it manages any group without being in it; `by` is the acting
 * administrator's address, when there is one, recorded as the group's creator.
 */
export type GroupActor = { kind: 'app'; address: string } | { kind: 'provisioning'; by?: string }

export const GROUP_NAME_MAX = 64
export const GROUP_DESCRIPTION_MAX = 1024
/** Most entries accepted in one `members` or `admins` list. */
export const GROUP_LIST_MAX = 100

function inTransaction<T>(ctx: Context, run: (db: Executor) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(run)
}

function checkName(field: string, value: string): string {
  const name = value.trim()
  if (name === '') fail('invalid_request', `${field}: must not be empty`)
  if (name.length > GROUP_NAME_MAX) fail('invalid_request', `${field}: must be at most ${GROUP_NAME_MAX} characters`)
  return name
}

function checkListSize(field: string, list: readonly string[]): void {
  if (list.length > GROUP_LIST_MAX) fail('invalid_request', `${field}: at most ${GROUP_LIST_MAX} entries`)
}

/** Parses a `G-…` group id. */
export function parseGroupId(field: string, value: string): string {
  const parsed = parseTagged(value)
  if (!parsed || parsed.tag !== 'G') fail('invalid_request', `${field}: must be a group id (G-…)`)
  return parsed.uuid
}

/**
 * Resolves the entries of a members/admins list to user addresses. Entries are `U-…` ids, or
 * also emails when `allowEmails`; the acting app may name its own bot address. Every entry must
 * be an active user of the organization, else a 400 naming the entry.
 */
async function resolveEntries(
  db: Executor,
  orgId: string,
  field: string,
  entries: readonly string[],
  opts: { allowEmails: boolean; self?: string },
): Promise<string[]> {
  const emails: string[] = []
  const ids: string[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    if (opts.self !== undefined && entry === opts.self) continue
    if (opts.allowEmails && entry.includes('@')) {
      emails.push(normalizeEmail(entry))
      continue
    }
    const parsed = parseTagged(entry)
    if (!parsed || parsed.tag !== 'U') {
      fail('invalid_request', opts.allowEmails ? `${field}: "${raw}" is neither an email address nor a user id (U-…)` : `${field}: "${raw}" is not a user id (U-…)`)
    }
    ids.push(parsed.uuid)
  }
  const byEmail = new Map((await findUsersByEmail(db, orgId, emails)).map((u) => [u.email, u]))
  const byId = new Map((await findUsers(db, orgId, ids)).map((u) => [u.id, u]))
  const out: string[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    if (opts.self !== undefined && entry === opts.self) {
      out.push(entry)
      continue
    }
    const user: User | undefined = opts.allowEmails && entry.includes('@') ? byEmail.get(normalizeEmail(entry)) : byId.get(entry.slice(2))
    if (!user) fail('invalid_request', `${field}: no user "${raw}" in this organization`)
    if (!user.active) fail('invalid_request', `${field}: user "${raw}" is deactivated`)
    out.push(tag('U', user.id))
  }
  return [...new Set(out)]
}

function requireDisjoint(members: readonly string[], admins: readonly string[]): void {
  const inMembers = new Set(members)
  const both = admins.find((a) => inMembers.has(a))
  if (both) fail('invalid_request', `admins: ${both} is also listed in members; an address is either a member or an admin`)
}

export interface CreateGroupInput {
  name: string
  description?: string | null
  private?: boolean
  enforceThreads?: boolean
  /** Emails or `U-…` ids. */
  members?: string[]
  admins?: string[]
  /** Roomlio's external room key, unique in the organization (a second group with it → 409). */
  roomKey?: string | null
}

/** The wire shape of `group.create`'s answer. */
export interface CreatedGroupView {
  id: string
  name: string
  private: boolean
  dateCreated: string
}

export function createdGroupView(group: Group): CreatedGroupView {
  return { id: tag('G', group.id), name: group.name, private: group.private, dateCreated: microsToIso(group.createdAt) }
}

/**
 * Creates a group and its channel chat (kind 'channel', linked both ways). At least one member or
 * admin is required; an address is either a member or an admin. A creating app joins the group
 * as a member so it can post, list and manage membership of its own private groups; it joins as
 * an admin only when it lists its own bot address in `admins`. If the group has any admin it runs
 * in "admin only" mode: only admins rename or archive it.
 */
export async function createGroup(ctx: Context, orgId: string, actor: GroupActor, input: CreateGroupInput): Promise<Group> {
  const name = checkName('name', input.name)
  const description = input.description?.trim() || null
  if (description !== null && description.length > GROUP_DESCRIPTION_MAX) {
    fail('invalid_request', `description: must be at most ${GROUP_DESCRIPTION_MAX} characters`)
  }
  const memberEntries = input.members ?? []
  const adminEntries = input.admins ?? []
  checkListSize('members', memberEntries)
  checkListSize('admins', adminEntries)
  // API callers name at least one person; provisioning may create an empty group and fill it later.
  if (actor.kind === 'app' && memberEntries.length + adminEntries.length === 0) {
    fail('invalid_request', 'members: at least one member or admin is required')
  }
  const self = actor.kind === 'app' ? actor.address : undefined
  const roomKey = input.roomKey || null
  return inTransaction(ctx, async (db) => {
    if (roomKey !== null && (await findGroupByRoomKey(db, orgId, roomKey))) fail('conflict', `roomKey: a room with key "${roomKey}" already exists`)
    const members = await resolveEntries(db, orgId, 'members', memberEntries, { allowEmails: true, ...(self ? { self } : {}) })
    const admins = await resolveEntries(db, orgId, 'admins', adminEntries, { allowEmails: true, ...(self ? { self } : {}) })
    requireDisjoint(members, admins)
    const now = nowMicros()
    const groupId = newId()
    const chat = await insertChat(db, { id: newId(), orgId, kind: 'channel', groupId, participants: [], startedAt: now })
    const group = await insertGroup(db, {
      id: groupId,
      orgId,
      chatId: chat.id,
      name,
      description,
      private: input.private ?? false,
      enforceThreads: input.enforceThreads ?? false,
      roomKey,
      createdBy: self ?? (actor.kind === 'provisioning' ? (actor.by ?? null) : null),
      createdAt: now,
    })
    const rows: Array<{ address: string; role: GroupRole }> = [
      ...members.map((address) => ({ address, role: 'member' as const })),
      ...admins.map((address) => ({ address, role: 'admin' as const })),
    ]
    if (self && !members.includes(self) && !admins.includes(self)) rows.push({ address: self, role: 'member' })
    await upsertGroupMembers(db, group.id, rows, now)
    return group
  })
}

/** Every live group of the organization, private ones included, oldest first (the admin console). */
export async function listAllGroups(ctx: Context, orgId: string): Promise<Group[]> {
  return listGroups(ctx.db, orgId)
}

/** The group (not archived-filtered) or a failure: `missing` says which status (404 or 400). */
async function requireGroup(db: Executor, orgId: string, field: string, id: string, missing: 'not_found' | 'invalid_request'): Promise<Group> {
  const group = await findGroup(db, orgId, parseGroupId(field, id))
  if (!group) fail(missing, missing === 'not_found' ? 'Group not found.' : `${field}: no such group`)
  return group
}

async function roleOf(db: Executor, group: Group, actor: GroupActor): Promise<GroupRole | undefined> {
  return actor.kind === 'app' ? findGroupRole(db, group.id, actor.address) : undefined
}

/** `group.rename`: an admin (or, without admins, any member). Archived groups refuse. */
export async function renameGroup(ctx: Context, orgId: string, actor: GroupActor, id: string, newName: string): Promise<void> {
  const name = checkName('name', newName)
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'id', id, 'not_found')
    if (actor.kind === 'app') requireCanManageGroup(await roleOf(db, group, actor), await hasGroupAdmins(db, group.id))
    requireGroupWritable(group)
    await renameGroupRow(db, group.id, name)
  })
}

/**
 * `group.archive`: an admin (or, without admins, any member). Archiving is one-way and
 * idempotent. An archived group keeps its members and history, refuses new messages, members
 * and settings, and is left out of group listings (v1 `groups.list`, SCIM `/Groups`).
 * `removeMembers` (SCIM DELETE) also empties the member list.
 */
export async function archiveGroup(ctx: Context, orgId: string, actor: GroupActor, id: string, opts: { removeMembers?: boolean } = {}): Promise<void> {
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'id', id, 'not_found')
    if (actor.kind === 'app') requireCanManageGroup(await roleOf(db, group, actor), await hasGroupAdmins(db, group.id))
    await archiveGroupRow(db, group.id, nowMicros())
    if (opts.removeMembers) await deleteAllGroupMembers(db, group.id)
  })
}

function encodeMemberCursor(address: string): string {
  return Buffer.from(address).toString('base64url')
}

function decodeMemberCursor(cursor: string): string {
  const address = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!parseTagged(address)) fail('invalid_request', 'cursor: is not a cursor returned by group.members')
  return address
}

/**
 * `group.members`: every address in the group, members and admins alike, ordered by address and
 * keyset-paged. Deactivated users are left out. Readable when the group is public or the app is
 * in it. A missing group is a 400 (as documented for this method).
 */
export async function listMembersOfGroup(
  ctx: Context,
  orgId: string,
  actor: GroupActor,
  input: { group: string; limit: number; cursor?: string },
): Promise<{ members: string[]; nextCursor?: string }> {
  const group = await requireGroup(ctx.db, orgId, 'group', input.group, 'invalid_request')
  if (actor.kind === 'app') requireCanListGroupMembers(group, await roleOf(ctx.db, group, actor))
  const after = input.cursor !== undefined ? decodeMemberCursor(input.cursor) : undefined
  const rows = await listGroupMembers(ctx.db, group.id, { limit: input.limit + 1, ...(after !== undefined ? { after } : {}) })
  const page = rows.slice(0, input.limit)
  return {
    members: page.map((r) => r.address),
    ...(rows.length > input.limit ? { nextCursor: encodeMemberCursor(page[page.length - 1]!.address) } : {}),
  }
}

/**
 * `group.add`: adds members (the group is public or the app is in it) and admins (the app is an
 * admin of the group). Entries are `U-…` ids only. Adding an existing member again is a no-op;
 * listing an existing member in `admins` promotes them; listing an admin in `members` leaves
 * them an admin (demoting is not supported).
 */
export async function addGroupMembers(
  ctx: Context,
  orgId: string,
  actor: GroupActor,
  input: { group: string; members?: string[]; admins?: string[] },
): Promise<void> {
  const memberEntries = input.members ?? []
  const adminEntries = input.admins ?? []
  checkListSize('members', memberEntries)
  checkListSize('admins', adminEntries)
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'group', input.group, 'invalid_request')
    if (memberEntries.length + adminEntries.length === 0) fail('invalid_request', 'members: name at least one member or admin to add')
    if (actor.kind === 'app') {
      const role = await roleOf(db, group, actor)
      requireCanAddGroupMembers(group, role)
      if (adminEntries.length > 0) requireCanAddGroupAdmins(role)
    }
    requireGroupWritable(group)
    const members = await resolveEntries(db, orgId, 'members', memberEntries, { allowEmails: false })
    const admins = await resolveEntries(db, orgId, 'admins', adminEntries, { allowEmails: false })
    requireDisjoint(members, admins)
    const now = nowMicros()
    await insertGroupMembersIfAbsent(db, group.id, members.map((address) => ({ address, role: 'member' as const })), now)
    await upsertGroupMembers(db, group.id, admins.map((address) => ({ address, role: 'admin' as const })), now)
  })
}

/**
 * `group.remove`: removes members (the group is public or the app is in it). Entries are `U-…`
 * ids of users of the organization; users not in the group are ignored. Removing an admin is not
 * supported (400), so nothing is removed when any entry is an admin.
 */
export async function removeGroupMembers(ctx: Context, orgId: string, actor: GroupActor, input: { group: string; members: string[] }): Promise<void> {
  checkListSize('members', input.members)
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'group', input.group, 'invalid_request')
    if (input.members.length === 0) fail('invalid_request', 'members: name at least one member to remove')
    if (actor.kind === 'app') requireCanRemoveGroupMembers(group, await roleOf(db, group, actor))
    requireGroupWritable(group)
    const addresses = await resolveUserIdsAnyState(db, orgId, 'members', input.members)
    const roles = await findGroupRoles(db, group.id, addresses)
    if (actor.kind === 'app') for (const address of addresses) requireNotGroupAdmin(address, roles.get(address))
    await deleteGroupMembers(db, group.id, addresses)
  })
}

/** `U-…` ids of users of the organization, deactivated or not (removal must work for both). */
async function resolveUserIdsAnyState(db: Executor, orgId: string, field: string, entries: readonly string[]): Promise<string[]> {
  const ids: string[] = []
  for (const raw of entries) {
    const parsed = parseTagged(raw.trim())
    if (!parsed || parsed.tag !== 'U') fail('invalid_request', `${field}: "${raw}" is not a user id (U-…)`)
    ids.push(parsed.uuid)
  }
  const known = new Set((await findUsers(db, orgId, ids)).map((u) => u.id))
  const missing = entries.find((raw) => !known.has(raw.trim().slice(2)))
  if (missing !== undefined) fail('invalid_request', `${field}: no user "${missing}" in this organization`)
  return [...new Set(ids.map((id) => tag('U', id)))]
}
