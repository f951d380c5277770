import { sql, type Transaction } from 'kysely'
import type { Db, Executor } from '../db.js'
import { dialectOf } from '../dialect.js'
import type { Database } from '../schema.js'
import { indexStoredMessageRows } from './messages.js'

/**
 * The stored rows of one organization, table by table, for moving it to another database
 * (`atrium export` / `atrium import`). Rows travel with their column names and values as stored;
 * both dialects store the same values (text ids, integer µs instants, 0/1 flags, JSON text), so a
 * row read from SQLite inserts unchanged into PostgreSQL and back.
 */

type Scope =
  /** The organizations row itself. */
  | { kind: 'self' }
  /** Rows with the organization's `org_id`. */
  | { kind: 'org' }
  /** Rows whose `column` names a row of `parent` (which has `org_id`). */
  | { kind: 'parent'; column: string; parent: keyof Database }

export interface TransferTable {
  name: keyof Database
  /** The primary key: the order rows are read in (keyset pages). */
  key: string[]
  scope: Scope
}

const org: Scope = { kind: 'org' }
const ofChat: Scope = { kind: 'parent', column: 'chat_id', parent: 'chats' }

/**
 * What moves with an organization, parents before children (the order rows are written in).
 * Left out, because they belong to the running installation rather than the organization:
 * sign-in sessions, sign-in links and OAuth codes (short-lived; people sign in again), idempotency
 * keys, the event outbox, webhook deliveries and their attempts, event cursors, and the log of
 * button clicks. Uploaded file bytes travel separately (`file` lines), not as `file_blobs` rows.
 */
export const TRANSFER_TABLES: readonly TransferTable[] = [
  { name: 'organizations', key: ['id'], scope: { kind: 'self' } },
  { name: 'users', key: ['id'], scope: org },
  { name: 'apps', key: ['id'], scope: org },
  { name: 'credentials', key: ['id'], scope: org },
  { name: 'oauth_grants', key: ['id'], scope: org },
  { name: 'chats', key: ['id'], scope: org },
  { name: 'chat_members', key: ['chat_id', 'address'], scope: ofChat },
  { name: 'groups', key: ['id'], scope: org },
  { name: 'group_members', key: ['group_id', 'address'], scope: { kind: 'parent', column: 'group_id', parent: 'groups' } },
  { name: 'items', key: ['id'], scope: org },
  { name: 'messages', key: ['chat_id', 'ts'], scope: ofChat },
  { name: 'message_mentions', key: ['chat_id', 'ts', 'address'], scope: ofChat },
  { name: 'message_items', key: ['chat_id', 'ts', 'item_id'], scope: ofChat },
  { name: 'reactions', key: ['chat_id', 'ts', 'name', 'address'], scope: ofChat },
  { name: 'message_streams', key: ['id'], scope: org },
  { name: 'thread_keys', key: ['chat_id', 'owner', 'key'], scope: ofChat },
  { name: 'poll_votes', key: ['chat_id', 'ts', 'address', 'option_id'], scope: ofChat },
  { name: 'chat_reads', key: ['address', 'chat_id'], scope: ofChat },
  { name: 'chat_mutes', key: ['address', 'chat_id'], scope: ofChat },
  { name: 'notification_settings', key: ['address'], scope: org },
  { name: 'audit_log', key: ['id'], scope: org },
  { name: 'office_rooms', key: ['id'], scope: org },
  { name: 'office_presence', key: ['user_id'], scope: org },
  { name: 'webhook_subscriptions', key: ['id'], scope: org },
  { name: 'relays', key: ['id'], scope: org },
  { name: 'meeting_links', key: ['id'], scope: org },
  { name: 'meetings', key: ['id'], scope: org },
  { name: 'meeting_participants', key: ['meeting_id', 'position'], scope: { kind: 'parent', column: 'meeting_id', parent: 'meetings' } },
  { name: 'transcripts', key: ['id'], scope: org },
  { name: 'transcript_cues', key: ['transcript_id', 'seq'], scope: { kind: 'parent', column: 'transcript_id', parent: 'transcripts' } },
  { name: 'transcript_action_items', key: ['transcript_id', 'position'], scope: { kind: 'parent', column: 'transcript_id', parent: 'transcripts' } },
  { name: 'recordings', key: ['id'], scope: org },
  { name: 'lobbies', key: ['id'], scope: org },
  { name: 'lobby_availability', key: ['lobby_id', 'weekday', 'start_minute'], scope: { kind: 'parent', column: 'lobby_id', parent: 'lobbies' } },
  { name: 'lobby_bookings', key: ['id'], scope: org },
]

export type Row = Record<string, unknown>

/* eslint-disable @typescript-eslint/no-explicit-any -- table names are chosen at run time from TRANSFER_TABLES */
function scoped(db: Executor, table: TransferTable, orgId: string): any {
  const q = (db as any).selectFrom(table.name)
  const s = table.scope
  if (s.kind === 'self') return q.where('id', '=', orgId)
  if (s.kind === 'org') return q.where('org_id', '=', orgId)
  return q.where(s.column, 'in', (db as any).selectFrom(s.parent).select('id').where('org_id', '=', orgId))
}

/** How many rows of `table` belong to the organization. */
export async function countOrganizationRows(db: Executor, table: TransferTable, orgId: string): Promise<number> {
  const row = (await scoped(db, table, orgId).select(sql<number>`count(*)`.as('n')).executeTakeFirst()) as { n: number | string } | undefined
  return Number(row?.n ?? 0)
}

/** The organization's rows of `table`, in primary-key order, read in keyset pages of `pageSize`. */
export async function* organizationRows(db: Executor, table: TransferTable, orgId: string, pageSize = 500): AsyncGenerator<Row> {
  let after: unknown[] | undefined
  for (;;) {
    let q = scoped(db, table, orgId).selectAll()
    if (after) {
      const cols = sql.join(table.key.map((c) => sql.ref(c)))
      const vals = sql.join(after)
      q = q.where(sql<boolean>`(${cols}) > (${vals})`)
    }
    for (const col of table.key) q = q.orderBy(col)
    const page = (await q.limit(pageSize).execute()) as Row[]
    yield* page
    if (page.length < pageSize) return
    const last = page[page.length - 1]!
    after = table.key.map((c) => last[c])
  }
}

/** Writes rows into `table` (already checked against its columns), a bounded number per statement. */
export async function insertRows(db: Executor, table: TransferTable, rows: Row[]): Promise<void> {
  const perStatement = 100
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement)
    await (db as any).insertInto(table.name).values(part).execute()
    // The search index is not transferred: it is rebuilt from the messages as they arrive.
    if (table.name === 'messages') await indexStoredMessageRows(db, part)
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Column names of every transferable table in this database (its own schema only, on PostgreSQL). */
export async function transferColumns(db: Executor): Promise<Map<string, Set<string>>> {
  const rows =
    dialectOf(db) === 'postgres'
      ? (await sql<{ t: string; c: string }>`select table_name as t, column_name as c from information_schema.columns where table_schema = current_schema()`.execute(db)).rows
      : (await sql<{ t: string; c: string }>`select m.name as t, p.name as c from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'`.execute(db)).rows
  const wanted = new Set<string>(TRANSFER_TABLES.map((t) => t.name))
  const columns = new Map<string, Set<string>>()
  for (const { t, c } of rows) {
    if (!wanted.has(t)) continue
    if (!columns.has(t)) columns.set(t, new Set())
    columns.get(t)!.add(c)
  }
  return columns
}

/** Whether the database hosts any organization. */
export async function hasAnyOrganization(db: Executor): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst()) !== undefined
}

/**
 * Runs `fn` on one consistent snapshot of the database, for reading several tables while the
 * server keeps writing: a repeatable-read transaction on PostgreSQL; on SQLite (WAL) any read
 * transaction sees one snapshot.
 */
export async function withReadSnapshot<T>(db: Db, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  const tx = db.transaction()
  return (dialectOf(db) === 'postgres' ? tx.setIsolationLevel('repeatable read') : tx).execute(fn)
}
