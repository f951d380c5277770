import type { Selectable } from 'kysely'
import type { ClickOutcome, InteractivityClick } from '../../domain.js'
import type { Executor } from '../db.js'
import type { InteractivityClicksTable } from '../schema.js'

function toClick(row: Selectable<InteractivityClicksTable>): InteractivityClick {
  return {
    id: row.id,
    orgId: row.org_id,
    chatId: row.chat_id,
    ts: row.ts,
    userId: row.user_id,
    appId: row.app_id,
    blockId: row.block_id,
    actionId: row.action_id,
    value: row.value,
    outcome: row.outcome as ClickOutcome,
    statusCode: row.status_code,
    latencyMs: row.latency_ms,
    createdAt: row.created_at,
  }
}

/** What a click needs to know about the message that holds the button. */
export interface ClickableMessage {
  chatId: string
  chatKind: string
  groupId: string | null
  groupPrivate: boolean
  ts: number
  sender: string
  threadTs: number | null
  blocks: unknown[] | null
}

export async function findClickableMessage(db: Executor, orgId: string, chatId: string, ts: number): Promise<ClickableMessage | undefined> {
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('chats as c', 'c.id', 'm.chat_id')
    .leftJoin('groups as g', 'g.id', 'c.group_id')
    .select(['m.chat_id', 'm.ts', 'm.sender', 'm.thread_ts', 'm.blocks', 'm.deleted_at', 'c.kind', 'c.group_id', 'g.private'])
    .where('c.org_id', '=', orgId)
    .where('m.chat_id', '=', chatId)
    .where('m.ts', '=', ts)
    .executeTakeFirst()
  if (!row || row.deleted_at !== null) return undefined
  return {
    chatId: row.chat_id,
    chatKind: row.kind,
    groupId: row.group_id,
    groupPrivate: row.private === 1,
    ts: row.ts,
    sender: row.sender,
    threadTs: row.thread_ts,
    blocks: row.blocks === null ? null : (JSON.parse(row.blocks) as unknown[]),
  }
}

/** Whether `address` is a participant of the chat or a member of its group. */
export async function isChatMember(db: Executor, chatId: string, groupId: string | null, address: string): Promise<boolean> {
  const direct = await db.selectFrom('chat_members').select('address').where('chat_id', '=', chatId).where('address', '=', address).executeTakeFirst()
  if (direct) return true
  if (!groupId) return false
  const member = await db.selectFrom('group_members').select('address').where('group_id', '=', groupId).where('address', '=', address).executeTakeFirst()
  return member !== undefined
}

export async function insertClick(db: Executor, click: InteractivityClick): Promise<void> {
  await db
    .insertInto('interactivity_clicks')
    .values({
      id: click.id,
      org_id: click.orgId,
      chat_id: click.chatId,
      ts: click.ts,
      user_id: click.userId,
      app_id: click.appId,
      block_id: click.blockId,
      action_id: click.actionId,
      value: click.value,
      outcome: click.outcome,
      status_code: click.statusCode,
      latency_ms: click.latencyMs,
      created_at: click.createdAt,
    })
    .execute()
}

/** The user's clicks on one message, newest first. */
export async function clicksOnMessage(db: Executor, chatId: string, ts: number, userId: string): Promise<InteractivityClick[]> {
  const rows = await db
    .selectFrom('interactivity_clicks')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('ts', '=', ts)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map(toClick)
}
