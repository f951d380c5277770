import {
  requireCanAddGroupAdmins,
  requireCanAddGroupMembers,
  requireCanListGroupMembers,
  requireCanManageGroup,
  requireCanRemoveGroupMembers,
  requireGroupWritable,
  requireNotGroupAdmin,
  canPersonManageGroupMembers,
  canWriteToGroup,
  requirePersonCanManageGroupMembers,
  requirePersonCanSeeGroupMembers,
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
  listAllGroupMembers,
  listGroupMembers,
  listGroups,
  renameGroupRow,
  upsertGroupMembers,
} from '../store/repos/groups.js'
import { findGroupByRoomKey } from '../store/repos/rooms.js'
import { findAppsByBots, listApps } from '../store/repos/apps.js'
import { findUsers, findUsersByEmail, listUsers } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { normalizeEmail } from '../email.js'

/**
 * Who acts on a group. An `app` is an API caller speaking as its bot address and goes through
 * every rule in access.ts. `provisioning` is the organization's own administration (SCIM, the
 * command line, the admin API): it manages any group without being in it; `by` is the acting
 * administrator's address, when there is one, recorded as the group's creator.
 */
export type GroupActor = { kind: 'app'; address: string } | { kind: 'provisioning'; by?: string } | PersonActor

/**
 * A signed-in person managing members in the web client: the person rules of access.ts
 * (organization administrators, or an admin of the group), not the app rules.
 */
export type PersonActor = { kind: 'person'; address: string; orgAdmin: boolean }

/** Who creates, renames, archives and lists groups: API callers and provisioning (people do that through them). */
export type ApiOrProvisioningActor = Exclude<GroupActor, PersonActor>

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
 * Resolves the entries of a members/admins list to member addresses. Entries are `U-…` user ids
 * or `B-…` bot ids (an app's bot is a group member like a person: Roam lets an organization app
 * into the private groups it is added to), or also emails when `allowEmails`; the acting app may
 * name its own bot address. Every user must be an active user of the organization and every bot
 * the bot of a live app of it, else a 400 naming the entry.
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
  const bots: string[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    if (opts.self !== undefined && entry === opts.self) continue
    if (opts.allowEmails && entry.includes('@')) {
      emails.push(normalizeEmail(entry))
      continue
    }
    const parsed = parseTagged(entry)
    if (!parsed || (parsed.tag !== 'U' && parsed.tag !== 'B')) {
      fail(
        'invalid_request',
        opts.allowEmails
          ? `${field}: "${raw}" is neither an email address nor a user id (U-…) or bot id (B-…)`
          : `${field}: "${raw}" is not a user id (U-…) or bot id (B-…)`,
      )
    }
    ;(parsed.tag === 'U' ? ids : bots).push(parsed.uuid)
  }
  const byEmail = new Map((await findUsersByEmail(db, orgId, emails)).map((u) => [u.email, u]))
  const byId = new Map((await findUsers(db, orgId, ids)).map((u) => [u.id, u]))
  const found = await findAppsByBots(db, orgId, bots)
  const liveBots = new Set(found.filter((a) => a.authType !== 'personal').map((a) => a.botId))
  const personas = new Set(found.filter((a) => a.authType === 'personal').map((a) => a.botId))
  const out: string[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    if (opts.self !== undefined && entry === opts.self) {
      out.push(entry)
      continue
    }
    if (entry.startsWith('B-') && !(opts.allowEmails && entry.includes('@'))) {
      if (personas.has(entry.slice(2))) fail('invalid_request', `${field}: "${raw}" is a personal access token's bot, which acts for its person and cannot join groups`)
      if (!liveBots.has(entry.slice(2))) fail('invalid_request', `${field}: no bot "${raw}" in this organization`)
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
export async function createGroup(ctx: Context, orgId: string, actor: ApiOrProvisioningActor, input: CreateGroupInput): Promise<Group> {
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
  return actor.kind === 'provisioning' ? undefined : findGroupRole(db, group.id, actor.address)
}

/** `group.rename`: an admin (or, without admins, any member). Archived groups refuse. */
export async function renameGroup(ctx: Context, orgId: string, actor: ApiOrProvisioningActor, id: string, newName: string): Promise<void> {
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
export async function archiveGroup(ctx: Context, orgId: string, actor: ApiOrProvisioningActor, id: string, opts: { removeMembers?: boolean } = {}): Promise<void> {
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
  actor: ApiOrProvisioningActor,
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
 * admin of the group). Entries are `U-…` user ids or `B-…` bot ids. Adding an existing member again is a no-op;
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
    } else if (actor.kind === 'person') requirePersonCanManageGroupMembers(actor.orgAdmin, await roleOf(db, group, actor))
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
 * ids of users or `B-…` ids of bots of the organization; those not in the group are ignored. Removing an admin is not
 * supported (400), so nothing is removed when any entry is an admin.
 */
export async function removeGroupMembers(ctx: Context, orgId: string, actor: GroupActor, input: { group: string; members: string[] }): Promise<void> {
  checkListSize('members', input.members)
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'group', input.group, 'invalid_request')
    if (input.members.length === 0) fail('invalid_request', 'members: name at least one member to remove')
    if (actor.kind === 'app') requireCanRemoveGroupMembers(group, await roleOf(db, group, actor))
    else if (actor.kind === 'person') requirePersonCanManageGroupMembers(actor.orgAdmin, await roleOf(db, group, actor))
    requireGroupWritable(group)
    const addresses = await resolveMembersAnyState(db, orgId, 'members', input.members)
    const roles = await findGroupRoles(db, group.id, addresses)
    if (actor.kind !== 'provisioning') for (const address of addresses) requireNotGroupAdmin(address, roles.get(address))
    await deleteGroupMembers(db, group.id, addresses)
  })
}

/**
 * Promotes a member of a group to group admin, or demotes an admin to member. The address must
 * already be in the group (people join through `group.add` first). Apps need to be an admin of the
 * group; people the person rule (organization administrators, or an admin of the group). A group
 * whose last admin is demoted leaves "admin only" mode.
 */
export async function setGroupMemberRole(ctx: Context, orgId: string, actor: GroupActor, input: { group: string; member: string; role: GroupRole }): Promise<void> {
  await inTransaction(ctx, async (db) => {
    const group = await requireGroup(db, orgId, 'group', input.group, 'not_found')
    if (actor.kind === 'app') requireCanAddGroupAdmins(await roleOf(db, group, actor))
    else if (actor.kind === 'person') requirePersonCanManageGroupMembers(actor.orgAdmin, await roleOf(db, group, actor))
    requireGroupWritable(group)
    const [address] = await resolveMembersAnyState(db, orgId, 'member', [input.member])
    const current = await findGroupRole(db, group.id, address!)
    if (current === undefined) fail('invalid_request', `member: ${address} is not in the group; add them first`)
    if (current !== input.role) await upsertGroupMembers(db, group.id, [{ address: address!, role: input.role }], nowMicros())
  })
}

/**
 * Member addresses for removal: `U-…` ids of users of the organization, deactivated or not, and
 * `B-…` ids of its apps' bots, deleted apps included (removal must work for all of them).
 */
async function resolveMembersAnyState(db: Executor, orgId: string, field: string, entries: readonly string[]): Promise<string[]> {
  const users: string[] = []
  const bots: string[] = []
  for (const raw of entries) {
    const parsed = parseTagged(raw.trim())
    if (!parsed || (parsed.tag !== 'U' && parsed.tag !== 'B')) fail('invalid_request', `${field}: "${raw}" is not a user id (U-…) or bot id (B-…)`)
    ;(parsed.tag === 'U' ? users : bots).push(parsed.uuid)
  }
  const known = new Set([
    ...(await findUsers(db, orgId, users)).map((u) => tag('U', u.id)),
    ...(await findAppsByBots(db, orgId, bots, { includeDeleted: true })).map((a) => tag('B', a.botId)),
  ])
  const addresses = entries.map((raw) => raw.trim())
  const missing = addresses.findIndex((a) => !known.has(a))
  if (missing !== -1) fail('invalid_request', `${field}: no ${addresses[missing]!.startsWith('B-') ? 'bot' : 'user'} "${entries[missing]}" in this organization`)
  return [...new Set(addresses)]
}

/** One member of a group as the web client shows it: a person, or an app's bot named after its app. */
export interface GroupMemberView {
  id: string
  kind: 'user' | 'bot'
  name: string
  role: GroupRole
  email: string | null
}

export interface GroupMembersPanel {
  group: { id: string; name: string; private: boolean; archived: boolean }
  /** Whether the caller may add and remove members (and the group takes changes). */
  canManage: boolean
  members: GroupMemberView[]
  /** People and apps' bots the caller may add (empty unless `canManage`). */
  candidates: Array<Omit<GroupMemberView, 'role'>>
}

const byMemberName = (a: { kind: string; name: string; id: string }, b: { kind: string; name: string; id: string }) =>
  b.kind.localeCompare(a.kind) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id)

/** Member rows with names (people first, then bots by their app's name), leaving out deactivated people and deleted apps' bots. */
async function namedMembers(db: Executor, orgId: string, rows: ReadonlyArray<{ address: string; role: GroupRole }>): Promise<GroupMemberView[]> {
  const userIds = rows.filter((r) => r.address.startsWith('U-')).map((r) => r.address.slice(2))
  const botIds = rows.filter((r) => r.address.startsWith('B-')).map((r) => r.address.slice(2))
  const users = new Map((await findUsers(db, orgId, userIds)).filter((u) => u.active).map((u) => [tag('U', u.id), u]))
  const apps = new Map((await findAppsByBots(db, orgId, botIds)).map((a) => [tag('B', a.botId), a]))
  const members: GroupMemberView[] = []
  for (const r of rows) {
    const user = users.get(r.address)
    const app = apps.get(r.address)
    if (user) members.push({ id: r.address, kind: 'user', name: user.name, role: r.role, email: user.email })
    else if (app) members.push({ id: r.address, kind: 'bot', name: app.name, role: r.role, email: null })
  }
  return members.sort(byMemberName)
}

/** Every member of a group with names, for the organization's own tools (the command line). */
export async function listNamedGroupMembers(ctx: Context, orgId: string, groupRef: string): Promise<GroupMemberView[]> {
  const group = await requireGroup(ctx.db, orgId, 'group', groupRef, 'not_found')
  return namedMembers(ctx.db, orgId, await listAllGroupMembers(ctx.db, group.id))
}

/** Most people offered as candidates in one panel (the organization's first, in join order). */
const CANDIDATE_PEOPLE_MAX = 5000

/**
 * The web client's member panel of a group: its people and bots with names (bots by their app's
 * name), and, for those who may manage members, who could be added: active people and the bots of
 * the organization's API clients (a relay's bot belongs to its relay). Deactivated people and
 * deleted apps' bots are left out, as in `group.members`.
 */
export async function groupMembersPanel(ctx: Context, orgId: string, actor: PersonActor, groupRef: string): Promise<GroupMembersPanel> {
  const group = await requireGroup(ctx.db, orgId, 'group', groupRef, 'not_found')
  const role = await roleOf(ctx.db, group, actor)
  requirePersonCanSeeGroupMembers(actor.orgAdmin, group, role)
  const rows = await listAllGroupMembers(ctx.db, group.id)
  const members = await namedMembers(ctx.db, orgId, rows)
  const canManage = canPersonManageGroupMembers(actor.orgAdmin, role) && canWriteToGroup(group)
  const candidates: GroupMembersPanel['candidates'] = []
  if (canManage) {
    const inGroup = new Set(rows.map((r) => r.address))
    for (const u of await listUsers(ctx.db, orgId, { limit: CANDIDATE_PEOPLE_MAX })) {
      if (!inGroup.has(tag('U', u.id))) candidates.push({ id: tag('U', u.id), kind: 'user', name: u.name, email: u.email })
    }
    for (const a of await listApps(ctx.db, orgId)) {
      if (!inGroup.has(tag('B', a.botId))) candidates.push({ id: tag('B', a.botId), kind: 'bot', name: a.name, email: null })
    }
    candidates.sort(byMemberName)
  }
  return {
    group: { id: tag('G', group.id), name: group.name, private: group.private, archived: group.archivedAt !== null },
    canManage,
    members,
    candidates,
  }
}
