import type { Selectable } from 'kysely'
import type { Chat, ChatKind } from '../../domain.js'
import type { Executor } from '../db.js'
import type { ChatsTable } from '../schema.js'

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

export async function findChat(db: Executor, orgId: string, id: string): Promise<Chat | undefined> {
  const row = await db.selectFrom('chats').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toChat(row)
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
