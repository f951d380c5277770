import type { Group, MessagePersona } from '../../domain.js'
import type { Executor } from '../db.js'
import { toGroup } from './groups.js'

/**
 * Reads behind the Roomlio facade and HQ v1 group listing: rooms (groups) by key, a room's
 * messages in key order, the images attached to them and who sent them.
 */

/** A group as the HQ v1 and Roomlio facades show it: the stored group plus its kind. */
export interface ListedGroup extends Group {
  groupType: string
  imageUrl: string | null
}

export async function findGroupByRoomKey(db: Executor, orgId: string, roomKey: string): Promise<Group | undefined> {
  const row = await db.selectFrom('groups').selectAll().where('org_id', '=', orgId).where('room_key', '=', roomKey).executeTakeFirst()
  return row && toGroup(row)
}

/** Public, non-archived groups of the organization, oldest first (HQ v1 `groups.list`). */
export async function listPublicGroups(db: Executor, orgId: string): Promise<ListedGroup[]> {
  const rows = await db
    .selectFrom('groups')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('private', '=', 0)
    .where('archived_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({ ...toGroup(row), groupType: row.group_type, imageUrl: row.image_url }))
}

/**
 * Groups `address` may read as rooms, in creation order, from the keyset position `from` on:
 * public groups and groups `address` belongs to (the query form of access.canReadRoom).
 */
export async function listReadableGroups(
  db: Executor,
  orgId: string,
  address: string,
  opts: { from?: { createdAt: number; id: string } | undefined; limit: number },
): Promise<Group[]> {
  let query = db
    .selectFrom('groups')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('private', '=', 0),
        eb.exists(
          eb
            .selectFrom('group_members')
            .select('group_members.address')
            .whereRef('group_members.group_id', '=', 'groups.id')
            .where('group_members.address', '=', address),
        ),
      ]),
    )
  if (opts.from) {
    const { createdAt, id } = opts.from
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>=', eb.tuple(createdAt, id)))
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(opts.limit).execute()
  return rows.map(toGroup)
}

/** A message as the Roomlio facade reads it. */
export interface RoomMessageRecord {
  chatId: string
  ts: number
  sender: string
  contentType: string
  text: string | null
  blocks: string | null
  /** The persona of an HQ v1 message sent under one, else null. */
  persona: MessagePersona | null
  createdAt: number
  editedAt: number | null
}

/**
 * Up to `limit` messages of a chat with key ≥ `fromTs`, oldest first, deleted ones left out.
 * Keyset on the primary key (chat_id, ts): the cost does not grow with the chat's depth.
 */
export async function listChatMessagesFrom(
  db: Executor,
  chatId: string,
  opts: { fromTs: number; limit: number },
): Promise<RoomMessageRecord[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['chat_id', 'ts', 'sender', 'content_type', 'text', 'blocks', 'persona', 'created_at', 'edited_at'])
    .where('chat_id', '=', chatId)
    .where('ts', '>=', opts.fromTs)
    .where('deleted_at', 'is', null)
    .orderBy('ts')
    .limit(opts.limit)
    .execute()
  return rows.map((r) => ({
    chatId: r.chat_id,
    ts: r.ts,
    sender: r.sender,
    contentType: r.content_type,
    text: r.text,
    blocks: r.blocks,
    persona: r.persona === null ? null : (JSON.parse(r.persona) as MessagePersona),
    createdAt: r.created_at,
    editedAt: r.edited_at,
  }))
}

/** Who a sender address is, for display: a user, an app's bot, or unknown (visitors, removed apps). */
export type SenderInfo =
  | { kind: 'user'; address: string; name: string; email: string; isAdmin: boolean }
  | { kind: 'bot'; address: string; name: string; clientId: string; appId: string }

/** Looks up the users and bots behind tagged addresses; unknown addresses are absent from the map. */
export async function findSenders(db: Executor, orgId: string, addresses: readonly string[]): Promise<Map<string, SenderInfo>> {
  const out = new Map<string, SenderInfo>()
  const userIds = [...new Set(addresses.filter((a) => a.startsWith('U-')).map((a) => a.slice(2)))]
  const botIds = [...new Set(addresses.filter((a) => a.startsWith('B-')).map((a) => a.slice(2)))]
  if (userIds.length > 0) {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'is_admin'])
      .where('org_id', '=', orgId)
      .where('id', 'in', userIds)
      .execute()
    for (const r of rows) out.set(`U-${r.id}`, { kind: 'user', address: `U-${r.id}`, name: r.name, email: r.email, isAdmin: r.is_admin === 1 })
  }
  if (botIds.length > 0) {
    const rows = await db
      .selectFrom('apps')
      .select(['id', 'bot_id', 'name', 'client_id'])
      .where('org_id', '=', orgId)
      .where('bot_id', 'in', botIds)
      .execute()
    for (const r of rows) out.set(`B-${r.bot_id}`, { kind: 'bot', address: `B-${r.bot_id}`, name: r.name, clientId: r.client_id, appId: r.id })
  }
  return out
}
