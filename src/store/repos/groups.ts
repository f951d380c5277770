import { sql, type Selectable } from 'kysely'
import type { Group, GroupRole } from '../../domain.js'
import { prepared, type Executor } from '../db.js'
import type { GroupsTable } from '../schema.js'

/** Maps a groups row to the domain Group; shared by every repository that reads groups. */
export function toGroup(row: Selectable<GroupsTable>): Group {
  return {
    id: row.id,
    orgId: row.org_id,
    chatId: row.chat_id,
    name: row.name,
    description: row.description,
    private: row.private === 1,
    enforceThreads: row.enforce_threads === 1,
    roomKey: row.room_key,
    createdAt: row.created_at,
    archivedAt: row.archived_at,
  }
}

export interface NewGroup {
  id: string
  orgId: string
  chatId: string
  name: string
  description: string | null
  private: boolean
  enforceThreads: boolean
  roomKey?: string | null
  createdBy: string | null
  createdAt: number
}

/** Inserts the group row; its channel chat (kind 'channel', id `chatId`) must exist already. */
export async function insertGroup(db: Executor, group: NewGroup): Promise<Group> {
  const row = await db
    .insertInto('groups')
    .values({
      id: group.id,
      org_id: group.orgId,
      chat_id: group.chatId,
      name: group.name,
      description: group.description,
      private: group.private ? 1 : 0,
      enforce_threads: group.enforceThreads ? 1 : 0,
      room_key: group.roomKey ?? null,
      created_by: group.createdBy,
      created_at: group.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toGroup(row)
}

export async function findGroup(db: Executor, orgId: string, id: string): Promise<Group | undefined> {
  const row = await db.selectFrom('groups').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toGroup(row)
}

const groupByChatQuery = prepared((db: Executor, chatId: string) => db.selectFrom('groups').selectAll().where('chat_id', '=', chatId))

export async function findGroupByChat(db: Executor, chatId: string): Promise<Group | undefined> {
  const [row] = await groupByChatQuery(db, chatId)
  return row && toGroup(row)
}

/** Adds or re-roles members: an address is in exactly one list (member or admin). */
export async function upsertGroupMembers(
  db: Executor,
  groupId: string,
  members: ReadonlyArray<{ address: string; role: GroupRole }>,
  at: number,
): Promise<void> {
  if (members.length === 0) return
  await db
    .insertInto('group_members')
    .values(members.map((m) => ({ group_id: groupId, address: m.address, role: m.role, added_at: at })))
    .onConflict((oc) => oc.columns(['group_id', 'address']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
    .execute()
}

const groupRoleQuery = prepared((db: Executor, groupId: string, address: string) =>
  db.selectFrom('group_members').select('role').where('group_id', '=', groupId).where('address', '=', address),
)

export async function findGroupRole(db: Executor, groupId: string, address: string): Promise<GroupRole | undefined> {
  const [row] = await groupRoleQuery(db, groupId, address)
  return row?.role as GroupRole | undefined
}

export async function hasGroupAdmins(db: Executor, groupId: string): Promise<boolean> {
  const row = await db
    .selectFrom('group_members')
    .select('address')
    .where('group_id', '=', groupId)
    .where('role', '=', 'admin')
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Roles of the given addresses in the group (absent = not in the group). */
export async function findGroupRoles(db: Executor, groupId: string, addresses: readonly string[]): Promise<Map<string, GroupRole>> {
  if (addresses.length === 0) return new Map()
  const rows = await db
    .selectFrom('group_members')
    .select(['address', 'role'])
    .where('group_id', '=', groupId)
    .where('address', 'in', [...addresses])
    .execute()
  return new Map(rows.map((r) => [r.address, r.role as GroupRole]))
}

/** Inserts members that are not in the group yet; existing members keep their role. */
export async function insertGroupMembersIfAbsent(
  db: Executor,
  groupId: string,
  members: ReadonlyArray<{ address: string; role: GroupRole }>,
  at: number,
): Promise<void> {
  if (members.length === 0) return
  await db
    .insertInto('group_members')
    .values(members.map((m) => ({ group_id: groupId, address: m.address, role: m.role, added_at: at })))
    .onConflict((oc) => oc.columns(['group_id', 'address']).doNothing())
    .execute()
}

export async function deleteGroupMembers(db: Executor, groupId: string, addresses: readonly string[]): Promise<void> {
  if (addresses.length === 0) return
  await db.deleteFrom('group_members').where('group_id', '=', groupId).where('address', 'in', [...addresses]).execute()
}

export async function deleteAllGroupMembers(db: Executor, groupId: string): Promise<void> {
  await db.deleteFrom('group_members').where('group_id', '=', groupId).execute()
}

/**
 * One page of a group's members and admins, ordered by address (the primary key), keyset-paged
 * after `after`. Deactivated users and deleted apps' bots are left out: they are no longer part
 * of the directory.
 */
export async function listGroupMembers(
  db: Executor,
  groupId: string,
  opts: { limit: number; after?: string },
): Promise<Array<{ address: string; role: GroupRole }>> {
  let q = db
    .selectFrom('group_members')
    .select(['address', 'role'])
    .where('group_id', '=', groupId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('users')
            .select('users.id')
            .where('users.id', '=', sql<string>`substr(group_members.address, 3)`)
            .where('users.active', '=', 0),
        ),
      ),
    )
    // Likewise the bots of deleted apps.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('apps')
            .select('apps.id')
            .where('apps.bot_id', '=', sql<string>`substr(group_members.address, 3)`)
            .where('apps.deleted_at', 'is not', null),
        ),
      ),
    )
  if (opts.after !== undefined) q = q.where('address', '>', opts.after)
  const rows = await q.orderBy('address').limit(opts.limit).execute()
  return rows.map((r) => ({ address: r.address, role: r.role as GroupRole }))
}

/** Every member address of the group with its role (all of them; for provisioning views). */
export async function listAllGroupMembers(db: Executor, groupId: string): Promise<Array<{ address: string; role: GroupRole }>> {
  const rows = await db.selectFrom('group_members').select(['address', 'role']).where('group_id', '=', groupId).orderBy('address').execute()
  return rows.map((r) => ({ address: r.address, role: r.role as GroupRole }))
}

export async function renameGroupRow(db: Executor, groupId: string, name: string): Promise<void> {
  await db.updateTable('groups').set({ name }).where('id', '=', groupId).execute()
}

/** Stamps the group archived (once; an archived group keeps its first archive time). */
export async function archiveGroupRow(db: Executor, groupId: string, at: number): Promise<void> {
  await db.updateTable('groups').set({ archived_at: at }).where('id', '=', groupId).where('archived_at', 'is', null).execute()
}

export interface GroupPageKey {
  createdAt: number
  id: string
}

/**
 * The organization's groups in creation order (created_at, id), keyset-paged on the
 * `groups_org_created` index. Archived groups are left out unless `includeArchived`; private
 * groups are left out when `publicOnly`.
 */
export async function listGroups(
  db: Executor,
  orgId: string,
  opts: { limit?: number; after?: GroupPageKey; includeArchived?: boolean; publicOnly?: boolean } = {},
): Promise<Group[]> {
  let q = db.selectFrom('groups').selectAll().where('org_id', '=', orgId)
  if (!opts.includeArchived) q = q.where('archived_at', 'is', null)
  if (opts.publicOnly) q = q.where('private', '=', 0)
  if (opts.after) {
    const { createdAt, id } = opts.after
    q = q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]))
  }
  q = q.orderBy('created_at').orderBy('id')
  if (opts.limit !== undefined) q = q.limit(opts.limit)
  const rows = await q.execute()
  return rows.map(toGroup)
}

/**
 * The live groups `address` may see, in creation order and keyset-paged like `listGroups`: every
 * public group and the private ones it belongs to, each with whether it is a member.
 */
export async function listGroupsVisibleTo(
  db: Executor,
  orgId: string,
  address: string,
  opts: { limit: number; after?: GroupPageKey },
): Promise<Array<{ group: Group; groupType: string; member: boolean }>> {
  let q = db
    .selectFrom('groups as g')
    .leftJoin('group_members as m', (join) => join.onRef('m.group_id', '=', 'g.id').on('m.address', '=', address))
    .selectAll('g')
    .select('m.address as member_address')
    .where('g.org_id', '=', orgId)
    .where('g.archived_at', 'is', null)
    .where((eb) => eb.or([eb('g.private', '=', 0), eb('m.address', 'is not', null)]))
  if (opts.after) {
    const { createdAt, id } = opts.after
    q = q.where((eb) => eb.or([eb('g.created_at', '>', createdAt), eb.and([eb('g.created_at', '=', createdAt), eb('g.id', '>', id)])]))
  }
  const rows = await q.orderBy('g.created_at').orderBy('g.id').limit(opts.limit).execute()
  return rows.map(({ member_address, ...row }) => ({ group: toGroup(row), groupType: row.group_type, member: member_address !== null }))
}

/** Live (not archived) groups of the organization with exactly this name. */
export async function findGroupsByName(db: Executor, orgId: string, name: string): Promise<Group[]> {
  const rows = await db.selectFrom('groups').selectAll().where('org_id', '=', orgId).where('name', '=', name).where('archived_at', 'is', null).limit(2).execute()
  return rows.map(toGroup)
}
