import type { Selectable } from 'kysely'
import type { AddressProfile, Chat, ChatKind, Group } from '../../domain.js'
import { prepared, type Executor } from '../db.js'
import type { ChatsTable, GroupsTable } from '../schema.js'
import { toGroup } from './groups.js'

function toChat(row: Selectable<ChatsTable>): Chat {
  return { id: row.id, orgId: row.org_id, kind: row.kind as ChatKind, groupId: row.group_id, startedAt: row.started_at }
}

/** The key that makes a DM or multi-DM unique: its participants' addresses, sorted. */
export function participantsKey(addresses: readonly string[]): string {
  return [...new Set(addresses)].sort().join(',')
}

export interface NewChat {
  id: string
  orgId: string
  kind: ChatKind
  groupId: string | null
  /** DM and multi-DM participants (tagged addresses); they become chat_members. */
  participants: readonly string[]
  startedAt: number
}

export async function insertChat(db: Executor, chat: NewChat): Promise<Chat> {
  const row = await db
    .insertInto('chats')
    .values({
      id: chat.id,
      org_id: chat.orgId,
      kind: chat.kind,
      group_id: chat.groupId,
      participants_key: chat.kind === 'channel' ? null : participantsKey(chat.participants),
      started_at: chat.startedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  if (chat.participants.length > 0) {
    await db
      .insertInto('chat_members')
      .values([...new Set(chat.participants)].map((address) => ({ chat_id: chat.id, address, joined_at: chat.startedAt })))
      .execute()
  }
  return toChat(row)
}

const chatQuery = prepared((db: Executor, orgId: string, id: string) => db.selectFrom('chats').selectAll().where('org_id', '=', orgId).where('id', '=', id))

export async function findChat(db: Executor, orgId: string, id: string): Promise<Chat | undefined> {
  const [row] = await chatQuery(db, orgId, id)
  return row && toChat(row)
}

const chatForCallerQuery = prepared((db: Executor, orgId: string, id: string, address: string) =>
  db
    .selectFrom('chats as c')
    .leftJoin('groups as g', (join) => join.onRef('g.chat_id', '=', 'c.id').on('c.kind', '=', 'channel'))
    .selectAll('g')
    .select((eb) => [
      'c.id as c_id',
      'c.org_id as c_org_id',
      'c.kind as c_kind',
      'c.group_id as c_group_id',
      'c.started_at as c_started_at',
      eb.exists(eb.selectFrom('group_members as gm').select('gm.address').whereRef('gm.group_id', '=', 'g.id').where('gm.address', '=', address)).as('group_member'),
      eb.exists(eb.selectFrom('chat_members as cm').select('cm.address').whereRef('cm.chat_id', '=', 'c.id').where('cm.address', '=', address)).as('chat_member'),
    ])
    .where('c.org_id', '=', orgId)
    .where('c.id', '=', id),
)

/**
 * A chat of the organization with, for a channel, its group, and whether `address` takes part
 * (member of the channel's group, participant of a DM or multi-DM): one query.
 */
export async function findChatForCaller(
  db: Executor,
  orgId: string,
  id: string,
  address: string,
): Promise<{ chat: Chat; group: Group | undefined; member: boolean } | undefined> {
  const [row] = await chatForCallerQuery(db, orgId, id, address)
  if (!row) return undefined
  const chat: Chat = { id: row.c_id, orgId: row.c_org_id, kind: row.c_kind as ChatKind, groupId: row.c_group_id, startedAt: row.c_started_at }
  const group = row.id === null ? undefined : toGroup(row as Selectable<GroupsTable>)
  return { chat, group, member: Boolean(group ? row.group_member : row.chat_member) }
}

export async function findChatByParticipants(db: Executor, orgId: string, addresses: readonly string[]): Promise<Chat | undefined> {
  const row = await db
    .selectFrom('chats')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('participants_key', '=', participantsKey(addresses))
    .executeTakeFirst()
  return row && toChat(row)
}

/** Participants of a DM or multi-DM (channel membership lives in group_members). */
export async function listChatParticipants(db: Executor, chatId: string): Promise<string[]> {
  const rows = await db.selectFrom('chat_members').select('address').where('chat_id', '=', chatId).orderBy('address').execute()
  return rows.map((r) => r.address)
}

export async function isChatParticipant(db: Executor, chatId: string, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('chat_members')
    .select('address')
    .where('chat_id', '=', chatId)
    .where('address', '=', address)
    .executeTakeFirst()
  return row !== undefined
}

/**
 * The DM or multi-DM among `participants`, created (with its members) if it does not exist yet.
 * Safe under concurrent first posts: the unique (org, participants) key decides the winner and the
 * loser reads the winner's chat.
 */
export async function findOrCreateDirectChat(
  db: Executor,
  input: { id: string; orgId: string; kind: 'dm' | 'multi'; participants: readonly string[]; startedAt: number },
): Promise<Chat> {
  const key = participantsKey(input.participants)
  const inserted = await db
    .insertInto('chats')
    .values({ id: input.id, org_id: input.orgId, kind: input.kind, group_id: null, participants_key: key, started_at: input.startedAt })
    .onConflict((oc) => oc.columns(['org_id', 'participants_key']).doNothing())
    .returningAll()
    .execute()
  if (inserted[0]) {
    await db
      .insertInto('chat_members')
      .values([...new Set(input.participants)].map((address) => ({ chat_id: input.id, address, joined_at: input.startedAt })))
      .execute()
    return toChat(inserted[0])
  }
  const existing = await findChatByParticipants(db, input.orgId, input.participants)
  if (!existing) throw new Error(`chat for ${key} vanished`)
  return existing
}

/** Addresses of a group's members and admins. */
const groupMemberAddressesQuery = prepared((db: Executor, groupId: string) =>
  db.selectFrom('group_members').select('address').where('group_id', '=', groupId).orderBy('address'),
)

export async function listGroupMemberAddresses(db: Executor, groupId: string): Promise<string[]> {
  const rows = await groupMemberAddressesQuery(db, groupId)
  return rows.map((r) => r.address)
}

export interface ChatListEntry {
  chat: Chat
  /** Channels: the group's id and name. */
  groupId: string | null
  groupName: string | null
}

/**
 * Chats `address` may see in a listing, newest-started first: the DMs and multi-DMs it takes part
 * in, the channels of groups it belongs to, and every public group's channel. Archived groups are
 * left out. Keyset paging on (started_at, id) through the chats_org_started index.
 */
export async function listVisibleChats(
  db: Executor,
  orgId: string,
  address: string,
  page: { after?: { startedAt: number; id: string }; limit: number },
): Promise<ChatListEntry[]> {
  let q = db
    .selectFrom('chats as c')
    .leftJoin('groups as g', 'g.chat_id', 'c.id')
    .selectAll('c')
    .select(['g.id as gid', 'g.name as group_name'])
    .where('c.org_id', '=', orgId)
    .where('g.archived_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('chat_members as m').select('m.address').whereRef('m.chat_id', '=', 'c.id').where('m.address', '=', address)),
        eb.and([eb('g.id', 'is not', null), eb('g.private', '=', 0)]),
        eb.exists(eb.selectFrom('group_members as gm').select('gm.address').whereRef('gm.group_id', '=', 'g.id').where('gm.address', '=', address)),
      ]),
    )
  const after = page.after
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('c.started_at', '<', after.startedAt), eb.and([eb('c.started_at', '=', after.startedAt), eb('c.id', '<', after.id)])]),
    )
  }
  const rows = await q.orderBy('c.started_at', 'desc').orderBy('c.id', 'desc').limit(page.limit + 1).execute()
  return rows.map((row) => {
    const { gid, group_name, ...chat } = row
    return { chat: toChat(chat), groupId: gid ?? null, groupName: group_name ?? null }
  })
}

/** Participants of several DMs and multi-DMs at once. */
export async function listParticipantsOf(db: Executor, chatIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (chatIds.length === 0) return out
  const rows = await db
    .selectFrom('chat_members')
    .select(['chat_id', 'address'])
    .where('chat_id', 'in', [...chatIds])
    .orderBy('chat_id')
    .orderBy('address')
    .execute()
  for (const row of rows) {
    const list = out.get(row.chat_id) ?? []
    list.push(row.address)
    out.set(row.chat_id, list)
  }
  return out
}

/**
 * Bare UUIDs (as Roam's v1 clients write ids) as the addresses they name in the organization: a
 * person's `U-…`, else a live app bot's `B-…`; ids naming neither are absent from the map.
 */
export async function tagBareIds(db: Executor, orgId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (ids.length === 0) return out
  const users = await db.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()
  for (const u of users) out.set(u.id, `U-${u.id}`)
  const rest = ids.filter((id) => !out.has(id))
  if (rest.length > 0) {
    const bots = await db.selectFrom('apps').select('bot_id').where('org_id', '=', orgId).where('bot_id', 'in', rest).where('deleted_at', 'is', null).execute()
    for (const b of bots) out.set(b.bot_id, `B-${b.bot_id}`)
  }
  return out
}

/** Display information for user (`U-`) and bot (`B-`) addresses of the organization. */
export async function findAddressProfiles(db: Executor, orgId: string, addresses: readonly string[]): Promise<Map<string, AddressProfile>> {
  const out = new Map<string, AddressProfile>()
  const userIds = [...new Set(addresses.filter((a) => a.startsWith('U-')).map((a) => a.slice(2)))]
  const botIds = [...new Set(addresses.filter((a) => a.startsWith('B-')).map((a) => a.slice(2)))]
  if (userIds.length > 0) {
    const users = await db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'image_url'])
      .where('org_id', '=', orgId)
      .where('id', 'in', userIds)
      .execute()
    for (const u of users) {
      out.set(`U-${u.id}`, { address: `U-${u.id}`, kind: 'user', name: u.name, email: u.email, imageUrl: u.image_url, integrationId: null, detail: null })
    }
  }
  if (botIds.length > 0) {
    const apps = await db
      .selectFrom('apps')
      .select(['bot_id', 'client_id', 'name', 'description', 'image_url'])
      .where('org_id', '=', orgId)
      .where('bot_id', 'in', botIds)
      .where('deleted_at', 'is', null)
      .execute()
    for (const a of apps) {
      out.set(`B-${a.bot_id}`, {
        address: `B-${a.bot_id}`,
        kind: 'bot',
        name: a.name,
        email: null,
        imageUrl: a.image_url,
        integrationId: a.client_id,
        detail: a.description,
      })
    }
  }
  return out
}

/** A chat with what the read rule (access.canReadChat) needs to know about it and one caller. */
export interface ChatReadCandidate {
  chat: Chat
  groupPrivate: boolean | null
  groupArchived: boolean
  /** The caller is a member of the channel's group, or a participant of the DM / multi-DM. */
  member: boolean
}

/**
 * Every chat the read rule could admit `address` to, with the facts it decides on: all channels
 * of the organization and the DMs and multi-DMs `address` takes part in (other people's DMs are
 * left out: nobody reads a DM they are not in). One query; the caller applies the rule.
 */
export async function listChatReadCandidates(db: Executor, orgId: string, address: string): Promise<ChatReadCandidate[]> {
  const rows = await db
    .selectFrom('chats as c')
    .leftJoin('groups as g', (join) => join.onRef('g.chat_id', '=', 'c.id').on('c.kind', '=', 'channel'))
    .selectAll('c')
    .select((eb) => [
      'g.id as gid',
      'g.private as g_private',
      'g.archived_at as g_archived_at',
      eb.exists(eb.selectFrom('group_members as gm').select('gm.address').whereRef('gm.group_id', '=', 'g.id').where('gm.address', '=', address)).as('group_member'),
      eb.exists(eb.selectFrom('chat_members as cm').select('cm.address').whereRef('cm.chat_id', '=', 'c.id').where('cm.address', '=', address)).as('chat_member'),
    ])
    .where('c.org_id', '=', orgId)
    .where((eb) => eb.or([eb('c.kind', '=', 'channel'), eb.exists(eb.selectFrom('chat_members as m').select('m.address').whereRef('m.chat_id', '=', 'c.id').where('m.address', '=', address))]))
    .execute()
  return rows.map((row) => {
    const { gid, g_private, g_archived_at, group_member, chat_member, ...chat } = row
    const channel = gid !== null
    return {
      chat: toChat(chat),
      groupPrivate: channel ? Boolean(g_private) : null,
      groupArchived: channel && g_archived_at !== null,
      member: Boolean(channel ? group_member : chat_member),
    }
  })
}
