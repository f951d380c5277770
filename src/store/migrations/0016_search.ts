import { sql, type Kysely } from 'kysely'
import { dialectOf } from '../dialect.js'
import { backfillSearchIndex, SEARCH_ID_SLOTS } from '../repos/messages.js'
import type { Db } from '../db.js'

/**
 * Full-text message search. One row per live (not deleted) message in `message_search`, keyed
 * like the message, holding the words search sees (src/search-text.ts folds them the same way
 * for both databases):
 * - SQLite: `message_search (id integer primary key, chat_id, ts)` and a contentless FTS5 table
 *   `message_search_fts(words)` whose rowid is that id (contentless_delete, so a message's words
 *   can be removed by rowid when it is edited or deleted). The id is derived from the message key
 *   (ts * SEARCH_ID_SLOTS + a slot for messages of other chats with the same key), so FTS5's rowid
 *   order is key order and a search reads matches newest first, stopping after a page. Words are stored space-separated and
 *   unicode61 (diacritics kept: they were folded already) splits them back.
 * - PostgreSQL: `message_search (chat_id, ts, words tsvector)` with a GIN index; the tsvector is
 *   built with array_to_tsvector from the folded words, so PostgreSQL's own parser and locale
 *   never decide what a word is.
 * Existing messages are indexed here (backfill, in key order).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await db.schema
      .createTable('message_search')
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('words', sql`tsvector`, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_search_pk', ['chat_id', 'ts'])
      .execute()
    await sql`create index message_search_words on message_search using gin (words)`.execute(db)
  } else {
    await db.schema
      .createTable('message_search')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addCheckConstraint('message_search_id_slot', sql`id >= ts * ${sql.lit(SEARCH_ID_SLOTS)} and id < (ts + 1) * ${sql.lit(SEARCH_ID_SLOTS)}`)
      .execute()
    await db.schema.createIndex('message_search_key').on('message_search').columns(['chat_id', 'ts']).unique().execute()
    await sql`create virtual table message_search_fts using fts5(words, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db)
    // Its distinct words, for expanding a prefix (one row per occurrence, so a seek finds the next word).
    await sql`create virtual table message_search_terms using fts5vocab(message_search_fts, instance)`.execute(db)
  }
  await db.schema.createIndex('message_search_ts').on('message_search').columns(['ts', 'chat_id']).execute()
  await backfillSearchIndex(db as unknown as Db)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql`drop table message_search_terms`.execute(db)
    await sql`drop table message_search_fts`.execute(db)
  }
  await db.schema.dropTable('message_search').execute()
}
