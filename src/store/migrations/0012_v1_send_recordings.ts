import type { Kysely } from 'kysely'

/**
 * HQ v1: `chat.sendMessage` may name the bot persona a message is sent as (`sender`: id, name,
 * image URL), kept with the message as JSON; `recording.list` pages an organization's
 * recordings by start time, keyset on (start, id).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('persona', 'text').execute()
  await db.schema.createIndex('recordings_org_started').on('recordings').columns(['org_id', 'started_at', 'id']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('recordings_org_started').ifExists().execute()
  await db.schema.alterTable('messages').dropColumn('persona').execute()
}
