import type { Kysely } from 'kysely'

/**
 * Indexes for the HQ v1 compliance export: one time-ordered index per kind of message event
 * (sent, edited, deleted), each ending in the message key so keyset pages over
 * (instant, chat_id, ts) are a single index range read. Roomlio ids need no storage: they are
 * reversible encodings of stored keys (src/roomlio-ids.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('messages_created_key').on('messages').columns(['created_at', 'chat_id', 'ts']).execute()
  await db.schema.createIndex('messages_edited_key').on('messages').columns(['edited_at', 'chat_id', 'ts']).execute()
  await db.schema.createIndex('messages_deleted_key').on('messages').columns(['deleted_at', 'chat_id', 'ts']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['messages_created_key', 'messages_edited_key', 'messages_deleted_key']) {
    await db.schema.dropIndex(name).ifExists().execute()
  }
}
