import type { Selectable } from 'kysely'
import type { Group, GroupRole } from '../../domain.js'
import type { Executor } from '../db.js'
import type { GroupsTable } from '../schema.js'

function toGroup(row: Selectable<GroupsTable>): Group {
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

export async function findGroupByChat(db: Executor, chatId: string): Promise<Group | undefined> {
  const row = await db.selectFrom('groups').selectAll().where('chat_id', '=', chatId).executeTakeFirst()
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

export async function findGroupRole(db: Executor, groupId: string, address: string): Promise<GroupRole | undefined> {
  const row = await db
    .selectFrom('group_members')
    .select('role')
    .where('group_id', '=', groupId)
    .where('address', '=', address)
    .executeTakeFirst()
  return row?.role as GroupRole | undefined
}
