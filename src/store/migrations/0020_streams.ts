import type { Kysely } from 'kysely'

/**
 * Streamed messages (`/v1/chat.startStream|appendStream|stopStream`): one row per stream, naming
 * the message it grows (`chat_id`, `ts`), who may append to it (`owner`, an address), its kind
 * (`text` or `thinking`), when it was last appended to and when it finished. The row outlives the
 * stream: a finished row still says the message was streamed, and whether it was reasoning.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_streams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    /** 'text' | 'thinking' */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_active_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute()
  await db.schema.createIndex('message_streams_message').on('message_streams').columns(['chat_id', 'ts']).unique().execute()
  // The sweep's question: open streams idle since before a cutoff.
  await db.schema.createIndex('message_streams_open').on('message_streams').columns(['finished_at', 'last_active_at']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_streams').execute()
}
