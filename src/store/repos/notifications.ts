import type { Executor } from '../db.js'

/** A person's desktop-notification level and muted chats (see migration 0018). */

/** The stored level, or undefined when the person never chose one. */
export async function findNotificationLevel(db: Executor, address: string): Promise<string | undefined> {
  const row = await db.selectFrom('notification_settings').select('level').where('address', '=', address).executeTakeFirst()
  return row?.level
}

export async function saveNotificationLevel(db: Executor, orgId: string, address: string, level: string, now: number): Promise<void> {
  await db
    .insertInto('notification_settings')
    .values({ address, org_id: orgId, level, updated_at: now })
    .onConflict((oc) => oc.column('address').doUpdateSet({ level, updated_at: now }))
    .execute()
}

/** The chats a person muted, as stored chat rows' id and kind, oldest mute first. */
export async function listMutedChats(db: Executor, address: string): Promise<Array<{ chatId: string; kind: string }>> {
  const rows = await db
    .selectFrom('chat_mutes as m')
    .innerJoin('chats as c', 'c.id', 'm.chat_id')
    .select(['c.id', 'c.kind'])
    .where('m.address', '=', address)
    .orderBy('m.muted_at')
    .orderBy('c.id')
    .execute()
  return rows.map((r) => ({ chatId: r.id, kind: r.kind }))
}

/** Mutes or unmutes one chat for one person (idempotent). */
export async function saveChatMute(db: Executor, address: string, chatId: string, muted: boolean, now: number): Promise<void> {
  if (!muted) {
    await db.deleteFrom('chat_mutes').where('address', '=', address).where('chat_id', '=', chatId).execute()
    return
  }
  await db
    .insertInto('chat_mutes')
    .values({ address, chat_id: chatId, muted_at: now })
    .onConflict((oc) => oc.columns(['address', 'chat_id']).doNothing())
    .execute()
}
