import type { Kysely } from 'kysely'

/**
 * Desktop-notification settings of people using the web client: how much they want to hear
 * (`notification_settings`, one row once they choose; no row means the default) and which chats
 * they muted (`chat_mutes`, one row per muted chat).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_settings')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    /** 'all' | 'mentions_and_dms' | 'nothing' */
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('notification_settings_org').on('notification_settings').columns(['org_id']).execute()

  await db.schema
    .createTable('chat_mutes')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('muted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_mutes_pk', ['address', 'chat_id'])
    .execute()
  await db.schema.createIndex('chat_mutes_chat').on('chat_mutes').columns(['chat_id']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_mutes').execute()
  await db.schema.dropTable('notification_settings').execute()
}
