import { sql, type RawBuilder, type Selectable, type SelectQueryBuilder } from 'kysely'
import type { Message, MessageContentType, MessagePersona, MessageReaction, Poll } from '../../domain.js'
import { searchableText, indexedWords } from '../../search-text.js'
import { prepared, type Executor } from '../db.js'
import { dialectOf } from '../dialect.js'
import type { Database, MessagesTable } from '../schema.js'

function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    chatId: row.chat_id,
    ts: Number(row.ts),
    sender: row.sender,
    threadTs: row.thread_ts === null ? null : Number(row.thread_ts),
    replyTs: row.reply_ts === null ? null : Number(row.reply_ts),
    contentType: row.content_type as MessageContentType,
    text: row.text,
    markdown: row.markdown === 1,
    blocks: row.blocks === null ? null : (JSON.parse(row.blocks) as unknown[]),
    color: row.color,
    poll: row.poll === null ? null : (JSON.parse(row.poll) as Poll),
    persona: row.persona === null ? null : (JSON.parse(row.persona) as MessagePersona),
    createdAt: Number(row.created_at),
    editedAt: row.edited_at === null ? null : Number(row.edited_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    version: Number(row.version),
  }
}

/**
 * Hands out the next message key of a chat: the current time in µs, or one more than the last key
 * when the clock has not moved past it. One atomic UPDATE … RETURNING on the chat row, so
 * concurrent posts to the same chat queue on the row lock (PostgreSQL) or the single writer
 * (SQLite) and always get distinct, increasing keys in commit order.
 */
const allocateQuery = prepared((db: Executor, chatId: string, now: number) =>
  db
    .updateTable('chats')
    .set({ last_ts: sql<number>`case when last_ts + 1 > cast(${now} as bigint) then last_ts + 1 else cast(${now} as bigint) end` })
    .where('id', '=', chatId)
    .returning('last_ts'),
)

export async function allocateMessageTs(db: Executor, chatId: string, now: number): Promise<number> {
  const [row] = await allocateQuery(db, chatId, now)
  if (!row) throw new Error(`chat ${chatId} vanished while posting`)
  return Number(row.last_ts)
}

export type NewMessage = Omit<Message, 'editedAt' | 'deletedAt' | 'persona' | 'version'> & { persona?: MessagePersona | null }

function messageValues(m: NewMessage) {
  return {
    chat_id: m.chatId,
    ts: m.ts,
    sender: m.sender,
    thread_ts: m.threadTs,
    reply_ts: m.replyTs,
    content_type: m.contentType,
    text: m.text,
    markdown: m.markdown ? 1 : 0,
    blocks: m.blocks === null ? null : JSON.stringify(m.blocks),
    color: m.color,
    poll: m.poll === null ? null : JSON.stringify(m.poll),
    persona: m.persona ? JSON.stringify(m.persona) : null,
    created_at: m.createdAt,
  }
}

const insertMessageQuery = prepared(
  (
    db: Executor,
    chat_id: string,
    ts: number,
    sender: string,
    thread_ts: number | null,
    reply_ts: number | null,
    content_type: string,
    text: string | null,
    markdown: number,
    blocks: string | null,
    color: string | null,
    poll: string | null,
    persona: string | null,
    created_at: number,
  ) => db.insertInto('messages').values({ chat_id, ts, sender, thread_ts, reply_ts, content_type, text, markdown, blocks, color, poll, persona, created_at }),
)

/**
 * Inserts a new message with its mentions and attached items (in order). The key was just
 * allocated, so nothing refers to it yet: plain inserts, one statement per table that gets rows,
 * and the message is returned as written rather than read back.
 */
export async function insertMessage(
  db: Executor,
  message: NewMessage,
  extras: { mentions: readonly string[]; itemIds: readonly string[] },
): Promise<Message> {
  const v = messageValues(message)
  await insertMessageQuery(db, v.chat_id, v.ts, v.sender, v.thread_ts, v.reply_ts, v.content_type, v.text, v.markdown, v.blocks, v.color, v.poll, v.persona, v.created_at)
  const mentions = [...new Set(extras.mentions)]
  if (mentions.length > 0) {
    await db
      .insertInto('message_mentions')
      .values(mentions.map((address) => ({ chat_id: message.chatId, ts: message.ts, address })))
      .execute()
  }
  const itemIds = [...new Set(extras.itemIds)]
  if (itemIds.length > 0) {
    await db
      .insertInto('message_items')
      .values(itemIds.map((item_id, position) => ({ chat_id: message.chatId, ts: message.ts, item_id, position })))
      .execute()
  }
  await addToSearchIndex(db, [message])
  return { ...message, persona: message.persona ?? null, editedAt: null, deletedAt: null, version: 1 }
}

/**
 * Bulk insert for imports and large fixtures: rows are written in chunks and the chat's key
 * allocator is moved past the highest key, so later posts keep increasing.
 */
export async function insertMessages(db: Executor, messages: readonly NewMessage[]): Promise<void> {
  const chunk = 500
  const highest = new Map<string, number>()
  for (let i = 0; i < messages.length; i += chunk) {
    const part = messages.slice(i, i + chunk)
    await db.insertInto('messages').values(part.map(messageValues)).execute()
    await addToSearchIndex(db, part)
    for (const m of part) highest.set(m.chatId, Math.max(highest.get(m.chatId) ?? 0, m.ts))
  }
  for (const [chatId, ts] of highest) {
    await db
      .updateTable('chats')
      .set({ last_ts: sql<number>`case when last_ts > cast(${ts} as bigint) then last_ts else cast(${ts} as bigint) end` })
      .where('id', '=', chatId)
      .execute()
  }
}

export async function findMessage(db: Executor, chatId: string, ts: number): Promise<Message | undefined> {
  const row = await db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).where('ts', '=', ts).executeTakeFirst()
  return row && toMessage(row)
}

export interface MessagePage {
  chatId: string
  /** null: top-level messages; a key: the replies of that thread. */
  threadTs: number | null
  /** Inclusive lower bound (µs). */
  after?: number
  /** Exclusive upper bound (µs). */
  before?: number
  /** Keyset position: the key of the last message of the previous page. */
  cursor?: number
  /** Oldest first when true, newest first otherwise. */
  ascending: boolean
  limit: number
}

/**
 * One page of a chat's (or a thread's) live messages, by key, on the (chat_id, thread_ts, ts)
 * index. Deleted messages are skipped. Returns up to `limit + 1` rows so the caller can tell
 * whether another page follows.
 */
export async function listMessages(db: Executor, page: MessagePage): Promise<Message[]> {
  let q = db.selectFrom('messages').selectAll().where('chat_id', '=', page.chatId)
  q = page.threadTs === null ? q.where('thread_ts', 'is', null) : q.where('thread_ts', '=', page.threadTs)
  if (page.after !== undefined) q = q.where('ts', '>=', page.after)
  if (page.before !== undefined) q = q.where('ts', '<', page.before)
  if (page.cursor !== undefined) q = q.where('ts', page.ascending ? '>' : '<', page.cursor)
  const rows = await q
    .where('deleted_at', 'is', null)
    .orderBy('ts', page.ascending ? 'asc' : 'desc')
    .limit(page.limit + 1)
    .execute()
  return rows.map(toMessage)
}

/** Live replies of each of the given threads of a chat: how many, and the newest one's key. */
export async function countThreadReplies(db: Executor, chatId: string, threadTss: readonly number[]): Promise<Map<number, { replies: number; latest: number }>> {
  const out = new Map<number, { replies: number; latest: number }>()
  if (threadTss.length === 0) return out
  const rows = await db
    .selectFrom('messages')
    .select(['thread_ts', (eb) => eb.fn.countAll().as('replies'), (eb) => eb.fn.max('ts').as('latest')])
    .where('chat_id', '=', chatId)
    .where('thread_ts', 'in', [...threadTss])
    .where('deleted_at', 'is', null)
    .groupBy('thread_ts')
    .execute()
  for (const r of rows) if (r.thread_ts !== null) out.set(Number(r.thread_ts), { replies: Number(r.replies), latest: Number(r.latest) })
  return out
}

export interface MessageContent {
  contentType: MessageContentType
  text: string | null
  markdown: boolean
  blocks: unknown[] | null
  color: string | null
}

export async function updateMessageContent(
  db: Executor,
  chatId: string,
  ts: number,
  content: MessageContent,
  editedAt: number,
): Promise<Message> {
  const row = await db
    .updateTable('messages')
    .set({
      content_type: content.contentType,
      text: content.text,
      markdown: content.markdown ? 1 : 0,
      blocks: content.blocks === null ? null : JSON.stringify(content.blocks),
      color: content.color,
      edited_at: editedAt,
      version: sql<number>`version + 1`,
    })
    .where('chat_id', '=', chatId)
    .where('ts', '=', ts)
    .returningAll()
    .executeTakeFirstOrThrow()
  const message = toMessage(row)
  // The old words stop matching and the new ones match from this transaction's commit on.
  await removeFromSearchIndex(db, chatId, ts)
  if (message.deletedAt === null) await addToSearchIndex(db, [message])
  return message
}

/** Counts a change that is not an edit of the content (a stream finishing) as a new version. */
export async function bumpMessageVersion(db: Executor, chatId: string, ts: number): Promise<Message | undefined> {
  const row = await db
    .updateTable('messages')
    .set({ version: sql<number>`version + 1` })
    .where('chat_id', '=', chatId)
    .where('ts', '=', ts)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  return row && toMessage(row)
}

/**
 * Marks the message deleted, counting the deletion as a new version; returns that version, or
 * undefined when the message already was deleted.
 */
export async function markMessageDeleted(db: Executor, chatId: string, ts: number, at: number): Promise<number | undefined> {
  const row = await db
    .updateTable('messages')
    .set({ deleted_at: at, version: sql<number>`version + 1` })
    .where('chat_id', '=', chatId)
    .where('ts', '=', ts)
    .where('deleted_at', 'is', null)
    .returning('version')
    .executeTakeFirst()
  if (row) await removeFromSearchIndex(db, chatId, ts)
  return row ? Number(row.version) : undefined
}

export async function replaceMentions(db: Executor, chatId: string, ts: number, mentions: readonly string[]): Promise<void> {
  await db.deleteFrom('message_mentions').where('chat_id', '=', chatId).where('ts', '=', ts).execute()
  const unique = [...new Set(mentions)]
  if (unique.length === 0) return
  await db
    .insertInto('message_mentions')
    .values(unique.map((address) => ({ chat_id: chatId, ts, address })))
    .execute()
}

export async function listMentions(db: Executor, chatId: string, ts: number): Promise<string[]> {
  const rows = await db
    .selectFrom('message_mentions')
    .select('address')
    .where('chat_id', '=', chatId)
    .where('ts', '=', ts)
    .orderBy('address')
    .execute()
  return rows.map((r) => r.address)
}

export async function replaceMessageItems(db: Executor, chatId: string, ts: number, itemIds: readonly string[]): Promise<void> {
  await db.deleteFrom('message_items').where('chat_id', '=', chatId).where('ts', '=', ts).execute()
  const unique = [...new Set(itemIds)]
  if (unique.length === 0) return
  await db
    .insertInto('message_items')
    .values(unique.map((item_id, position) => ({ chat_id: chatId, ts, item_id, position })))
    .execute()
}

/** Item ids attached to each of the given messages, in attachment order. */
export async function listMessageItemIds(db: Executor, chatId: string, tss: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  if (tss.length === 0) return out
  const rows = await db
    .selectFrom('message_items')
    .select(['ts', 'item_id'])
    .where('chat_id', '=', chatId)
    .where('ts', 'in', [...tss])
    .orderBy('ts')
    .orderBy('position')
    .execute()
  for (const row of rows) {
    const ts = Number(row.ts)
    const list = out.get(ts) ?? []
    list.push(row.item_id)
    out.set(ts, list)
  }
  return out
}


/** An item attached to a message, with what readers show of it. */
export interface AttachedItem {
  chatId: string
  ts: number
  itemId: string
  type: string
  mime: string
  name: string
}

/** Items attached to the given messages (any chats), in attachment order. */
export async function listAttachedItems(db: Executor, keys: ReadonlyArray<{ chatId: string; ts: number }>): Promise<AttachedItem[]> {
  if (keys.length === 0) return []
  const rows = await db
    .selectFrom('message_items')
    .innerJoin('items', 'items.id', 'message_items.item_id')
    .select(['message_items.chat_id', 'message_items.ts', 'message_items.position', 'items.id', 'items.type', 'items.mime', 'items.name'])
    .where('message_items.chat_id', 'in', [...new Set(keys.map((k) => k.chatId))])
    .where('message_items.ts', 'in', [...new Set(keys.map((k) => k.ts))])
    .orderBy('message_items.chat_id')
    .orderBy('message_items.ts')
    .orderBy('message_items.position')
    .execute()
  // The two IN lists select a superset of the pairs; keep the exact ones.
  const wanted = new Set(keys.map((k) => `${k.chatId}/${k.ts}`))
  return rows
    .filter((r) => wanted.has(`${r.chat_id}/${r.ts}`))
    .map((r) => ({ chatId: r.chat_id, ts: r.ts, itemId: r.id, type: r.type, mime: r.mime, name: r.name }))
}

/** Adds a reaction; returns false when the address had already reacted with that name. */
export async function insertReaction(db: Executor, reaction: MessageReaction): Promise<boolean> {
  const rows = await db
    .insertInto('reactions')
    .values({ chat_id: reaction.chatId, ts: reaction.ts, name: reaction.name, address: reaction.address, created_at: reaction.createdAt })
    .onConflict((oc) => oc.columns(['chat_id', 'ts', 'name', 'address']).doNothing())
    .returning('name')
    .execute()
  return rows.length > 0
}

/** Reactions on the given messages, oldest first. */
export async function listReactions(db: Executor, chatId: string, tss: readonly number[]): Promise<MessageReaction[]> {
  if (tss.length === 0) return []
  const rows = await db
    .selectFrom('reactions')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('ts', 'in', [...tss])
    .orderBy('created_at')
    .orderBy('name')
    .orderBy('address')
    .execute()
  return rows.map((r) => ({ chatId: r.chat_id, ts: Number(r.ts), name: r.name, address: r.address, createdAt: Number(r.created_at) }))
}

/**
 * Binds `key` to `threadTs` for (chat, owner) unless it is bound already; returns the thread the
 * key stands for (the existing one when another post claimed it first).
 */
export async function claimThreadKey(db: Executor, chatId: string, owner: string, key: string, threadTs: number): Promise<number> {
  const inserted = await db
    .insertInto('thread_keys')
    .values({ chat_id: chatId, owner, key, thread_ts: threadTs })
    .onConflict((oc) => oc.columns(['chat_id', 'owner', 'key']).doNothing())
    .returning('thread_ts')
    .execute()
  if (inserted.length > 0) return threadTs
  const existing = await findThreadKey(db, chatId, owner, key)
  if (existing === undefined) throw new Error(`thread key ${key} of ${owner} in ${chatId} vanished`)
  return existing
}

export async function findThreadKey(db: Executor, chatId: string, owner: string, key: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('thread_keys')
    .select('thread_ts')
    .where('chat_id', '=', chatId)
    .where('owner', '=', owner)
    .where('key', '=', key)
    .executeTakeFirst()
  return row && Number(row.thread_ts)
}

export interface StoredResponse {
  requestHash: string
  status: number
  body: string
}

export async function findIdempotentResponse(db: Executor, credentialId: string, key: string): Promise<StoredResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'body'])
    .where('credential_id', '=', credentialId)
    .where('key', '=', key)
    .executeTakeFirst()
  return row && { requestHash: row.request_hash, status: row.status, body: row.body }
}

/** Records a response under its key; returns false when the key was recorded meanwhile. */
export async function saveIdempotentResponse(
  db: Executor,
  credentialId: string,
  key: string,
  response: StoredResponse,
  at: number,
): Promise<boolean> {
  const rows = await db
    .insertInto('idempotency_keys')
    .values({ credential_id: credentialId, key, request_hash: response.requestHash, status: response.status, body: response.body, created_at: at })
    .onConflict((oc) => oc.columns(['credential_id', 'key']).doNothing())
    .returning('key')
    .execute()
  return rows.length > 0
}

// ---------------------------------------------------------------------------------------------
// Full-text search (migration 0016). Every write of a message's content goes through the
// functions above, which keep `message_search` in the same transaction: a message is indexed
// when posted, re-indexed when edited, and removed when deleted.

type Indexable = Pick<Message, 'chatId' | 'ts' | 'contentType' | 'text' | 'blocks' | 'poll'>

const INDEX_CHUNK = 500

/**
 * SQLite: an index row's id (the FTS5 rowid) is `ts * SEARCH_ID_SLOTS + n`, n counting the messages
 * of other chats with the same key (a CHECK in migration 0016 keeps n below this). So ids, and FTS5's
 * rowid order, follow the message key: FTS5 yields matches newest first without sorting them.
 * Keys are at most 2^53 - 1, so ids stay below 2^63.
 */
export const SEARCH_ID_SLOTS = 1024

/** Indexes messages that are not in the index yet. */
async function addToSearchIndex(db: Executor, messages: readonly Indexable[]): Promise<void> {
  const pg = dialectOf(db) === 'postgres'
  for (let i = 0; i < messages.length; i += INDEX_CHUNK) {
    const docs = messages.slice(i, i + INDEX_CHUNK).map((m) => ({ chatId: m.chatId, ts: m.ts, words: indexedWords(searchableText(m)) }))
    if (pg) {
      await sql`insert into message_search (chat_id, ts, words) values ${sql.join(
        docs.map((d) => sql`(${d.chatId}, ${d.ts}, array_to_tsvector(cast(${d.words} as text[])))`),
      )}`.execute(db)
      continue
    }
    // Index ids follow the message key (SEARCH_ID_SLOTS per key, see searchMessages): the i-th
    // message of a key gets the key's first free slot. Computed in SQL, as ids exceed 2^53.
    const rows = sql.join(docs.map((d) => sql`(${d.chatId}, cast(${d.ts} as integer), ${d.words.join(' ')})`))
    // Keys are cast: a bound JS number may arrive as a REAL, and id arithmetic must stay exact.
    await sql`with v(chat_id, ts) as (values ${sql.join(docs.map((d) => sql`(${d.chatId}, cast(${d.ts} as integer))`))})
      insert into message_search (id, chat_id, ts)
      select v.ts * ${sql.lit(SEARCH_ID_SLOTS)} + coalesce((select max(e.id) + 1 - v.ts * ${sql.lit(SEARCH_ID_SLOTS)} from message_search e where e.ts = v.ts), 0)
        + row_number() over (partition by v.ts order by v.chat_id) - 1, v.chat_id, v.ts
      from v`.execute(db)
    await sql`with v(chat_id, ts, words) as (values ${rows})
      insert into message_search_fts (rowid, words)
      select s.id, v.words from v join message_search s on s.chat_id = v.chat_id and s.ts = v.ts`.execute(db)
  }
}

async function removeFromSearchIndex(db: Executor, chatId: string, ts: number): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql`delete from message_search_fts where rowid in (select id from message_search where chat_id = ${chatId} and ts = ${ts})`.execute(db)
  }
  await db.deleteFrom('message_search').where('chat_id', '=', chatId).where('ts', '=', ts).execute()
}

/** Indexes stored message rows written without the functions above (imports): the live ones. */
export async function indexStoredMessageRows(db: Executor, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const live = rows.filter((r) => r.deleted_at === null || r.deleted_at === undefined)
  await addToSearchIndex(db, live.map((r) => toMessage(r as unknown as Selectable<MessagesTable>)))
}

/**
 * Indexes every live message (of one chat, with `chatId`) that is not indexed yet, in key order, a
 * page at a time: the migration's backfill, and how benchmark fixtures generated inside the
 * database get indexed.
 * Returns how many were indexed.
 */
export async function backfillSearchIndex(db: Executor, opts: { chatId?: string; pageSize?: number } = {}): Promise<number> {
  const pageSize = opts.pageSize ?? 2000
  let after: { chatId: string; ts: number } | undefined
  let count = 0
  for (;;) {
    let q = db
      .selectFrom('messages as m')
      .selectAll('m')
      .where('m.deleted_at', 'is', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('message_search as s').select('s.ts').whereRef('s.chat_id', '=', 'm.chat_id').whereRef('s.ts', '=', 'm.ts'))))
    if (opts.chatId !== undefined) q = q.where('m.chat_id', '=', opts.chatId)
    if (after) {
      const a = after
      // A row-value comparison, so both databases seek the primary key instead of rescanning the chat.
      q = q.where(sql<boolean>`(m.chat_id, m.ts) > (${a.chatId}, ${a.ts})`)
    }
    const rows = await q.orderBy('m.chat_id').orderBy('m.ts').limit(pageSize).execute()
    const messages = rows.map(toMessage)
    await addToSearchIndex(db, messages)
    count += messages.length
    const last = messages[messages.length - 1]
    if (!last || rows.length < pageSize) return count
    after = { chatId: last.chatId, ts: last.ts }
  }
}

export interface MessageSearch {
  /** Folded words (src/search-text.ts), all required; never empty. */
  words: readonly string[]
  /** The last word also matches as a prefix. */
  prefixLast: boolean
  /** The chats searched (those the caller may read); empty finds nothing. */
  chatIds: readonly string[]
  sender?: string
  /** true: only messages with attached items; false: only those without. */
  hasFile?: boolean
  /** Inclusive lower bound of the message key (µs). */
  after?: number
  /** Exclusive upper bound of the message key (µs). */
  before?: number
  /** Keyset position: the last result of the previous page. */
  cursor?: { ts: number; chatId: string }
  limit: number
}

/** The engine's query for the words: quoted terms, ANDed, the last a prefix. Nothing from the caller is read as syntax. */
function engineQuery(pg: boolean, words: readonly string[], prefixLast: boolean): string {
  const last = words.length - 1
  if (pg) return words.map((w, i) => `'${w.replace(/['\\]/g, (c) => `\\${c}`)}'${prefixLast && i === last ? ':*' : ''}`).join(' & ')
  return words.map((w, i) => `"${w.replace(/"/g, '""')}"${prefixLast && i === last ? '*' : ''}`).join(' ')
}

/** SQLite: matches read per round, doubling up to the maximum; more than SEARCH_ID_SLOTS, so a round always passes one key. */
const FTS_BATCH_FIRST = 2 * SEARCH_ID_SLOTS
const FTS_BATCH_MAX = 64 * SEARCH_ID_SLOTS
/** PostgreSQL: a word estimated in at most this many messages drives the search from the GIN index. */
const PG_RARE_MAX = 5_000

/**
 * Live messages of the given chats containing every word, newest first (by key, ties by chat
 * id), up to `limit + 1` so the caller can tell whether another page follows.
 */
export async function searchMessages(db: Executor, search: MessageSearch): Promise<Message[]> {
  if (search.chatIds.length === 0 || search.words.length === 0) return []
  return dialectOf(db) === 'postgres' ? searchPostgres(db, search) : searchSqlite(db, search)
}

/** The filters both databases apply to candidate index rows `s` joined to their messages `m`. */
function searchFilters(search: MessageSearch, chats: RawBuilder<boolean>) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return <Q extends SelectQueryBuilder<any, any, any>>(q: Q): Q => {
    // Never true for an indexed message (deletion unindexes it); `+` keeps SQLite from driving the
    // search from messages_deleted_key, i.e. from every live message.
    let out = q.where(chats).where(sql<boolean>`+m.deleted_at is null`) as Q
    if (search.sender !== undefined) out = out.where('m.sender', '=', search.sender) as Q
    if (search.hasFile !== undefined) {
      const hasFile = search.hasFile
      out = out.where((eb) => {
        const items = eb.exists(eb.selectFrom('message_items as mi').select('mi.ts').whereRef('mi.chat_id', '=', 'm.chat_id').whereRef('mi.ts', '=', 'm.ts'))
        return hasFile ? items : eb.not(items)
      }) as Q
    }
    if (search.after !== undefined) out = out.where('s.ts', '>=', search.after) as Q
    if (search.before !== undefined) out = out.where('s.ts', '<', search.before) as Q
    const cursor = search.cursor
    if (cursor) out = out.where((eb) => eb.or([eb('s.ts', '<', cursor.ts), eb.and([eb('s.ts', '=', cursor.ts), eb('s.chat_id', '<', cursor.chatId)])])) as Q
    return out
  }
}

/** SQLite: a last word that begins at most this many indexed words is searched as those words. */
const PREFIX_EXPANSION_MAX = 32

/**
 * The FTS5 query for the words. A prefix term (`"w"*`) makes FTS5 merge the full lists of every
 * word it begins before yielding the first match (10⁶ entries for a word in every message), so
 * when the last word begins few indexed words they are looked up (fts5vocab, one seek each) and
 * ORed instead, which FTS5 reads lazily in rowid order like any word.
 */
async function sqliteQuery(db: Executor, words: readonly string[], prefixLast: boolean): Promise<string> {
  if (!prefixLast) return engineQuery(false, words, false)
  const prefix = words[words.length - 1]!
  const found: string[] = []
  // Folded words are letters, marks and digits, all above U+0001: this is just past `term`.
  let from = prefix
  while (found.length <= PREFIX_EXPANSION_MAX) {
    const row = await sql<{ term: string }>`select term from message_search_terms where term >= ${from} limit 1`.execute(db)
    const term = row.rows[0]?.term
    if (term === undefined || !term.startsWith(prefix)) break
    found.push(term)
    from = `${term}\u0001`
  }
  if (found.length > PREFIX_EXPANSION_MAX) return engineQuery(false, words, true)
  const quote = (w: string) => `"${w.replace(/"/g, '""')}"`
  const rest = words.slice(0, -1).map(quote)
  // No indexed word begins with it: a term that matches nothing keeps the query valid.
  const last = found.length === 0 ? quote(prefix) : `(${found.map(quote).join(' OR ')})`
  return [...rest, last].join(' AND ')
}

/**
 * SQLite: FTS5 reads matches in rowid order, which is key order (SEARCH_ID_SLOTS), from the newest
 * down. Each round finds where the next batch of matches ends, then fetches the messages of the
 * keys above that point that pass the filters; rounds go on, each batch twice the last, until the
 * page is full or the matches run out. A common word costs one round; a rare one too (FTS5 skips
 * through the common words' lists to the rare one's few entries).
 */
async function searchSqlite(db: Executor, search: MessageSearch): Promise<Message[]> {
  const query = await sqliteQuery(db, search.words, search.prefixLast)
  const slots = sql.lit(SEARCH_ID_SLOTS)
  const filter = searchFilters(search, sql<boolean>`+s.chat_id in (${sql.join([...search.chatIds])})`)
  const lowest = search.after
  // Exclusive upper bound of the keys still to read.
  let highest = search.cursor ? search.cursor.ts + 1 : undefined
  if (search.before !== undefined) highest = highest === undefined ? search.before : Math.min(highest, search.before)
  const bounds = (lo: number | undefined, hi: number | undefined) =>
    sql.join(
      [
        sql`message_search_fts match ${query}`,
        ...(lo !== undefined ? [sql`rowid >= cast(${lo} as integer) * ${slots}`] : []),
        ...(hi !== undefined ? [sql`rowid < cast(${hi} as integer) * ${slots}`] : []),
      ],
      sql` and `,
    )
  const out: Message[] = []
  let batch = FTS_BATCH_FIRST
  for (;;) {
    const probe = await sql<{ n: number; low: number | null }>`select count(*) as n, min(id) / ${slots} as low from (
      select rowid as id from message_search_fts where ${bounds(lowest, highest)} order by rowid desc limit ${batch})`.execute(db)
    const n = Number(probe.rows[0]?.n ?? 0)
    if (n === 0) return out
    // A full batch may end inside a key's matches: that key is left to the next round.
    const full = n === batch
    const from = full ? Number(probe.rows[0]!.low) + 1 : lowest
    const rows = await filter(
      db
        .selectFrom(sql<{ id: number }>`(select rowid as id from message_search_fts where ${bounds(from, highest)})`.as('f'))
        .innerJoin('message_search as s', (join) => join.on(sql<boolean>`s.id = f.id`))
        .innerJoin('messages as m', (join) => join.onRef('m.chat_id', '=', 's.chat_id').onRef('m.ts', '=', 's.ts'))
        .selectAll('m'),
    )
      .orderBy('s.ts', 'desc')
      .orderBy('s.chat_id', 'desc')
      .limit(search.limit + 1 - out.length)
      .execute()
    out.push(...rows.map(toMessage))
    if (out.length > search.limit || !full) return out
    highest = from
    batch = Math.min(batch * 2, FTS_BATCH_MAX)
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<any, any, any>

/** PostgreSQL: keys read per round when walking newest first, doubling up to the maximum. */
const PG_WALK_FIRST = 256
const PG_WALK_MAX = 65_536

/**
 * PostgreSQL: with a rare word (estimated from the column's element statistics, which ANALYZE
 * keeps for tsvector), the GIN index finds that word's few messages first (a MATERIALIZED CTE) and
 * the whole query is checked on them. Otherwise the readable chats' keys are walked newest first
 * through the (ts, chat_id) index in rounds, each testing a batch of keys, until the page is full.
 * The planner alone, given a key order and a small limit, walks the key index even for a rare
 * word, or intersects the common words' long GIN lists and sorts every match.
 */
async function searchPostgres(db: Executor, search: MessageSearch): Promise<Message[]> {
  const query = engineQuery(true, search.words, search.prefixLast)
  const chats = sql<boolean>`s.chat_id in (${sql.join([...search.chatIds])})`
  const filter = searchFilters(search, chats)
  const join = (q: AnyQuery): SelectQueryBuilder<Database & { m: MessagesTable }, 'm', Selectable<MessagesTable>> =>
    filter(q.innerJoin('messages as m', (on) => on.onRef('m.chat_id', '=', 's.chat_id').onRef('m.ts', '=', 's.ts')).selectAll('m'))
      .orderBy('s.ts', 'desc')
      .orderBy('s.chat_id', 'desc')
  const rare = await rarestWord(db, search)
  if (rare !== undefined) {
    const rareQuery = engineQuery(true, [search.words[rare]!], search.prefixLast && rare === search.words.length - 1)
    const rows = await join(
      db
        .with(
          (cte) => cte('s').materialized(),
          (qb) => qb.selectFrom('message_search').select(['chat_id', 'ts', sql<string>`words`.as('words')]).where(sql<boolean>`words @@ cast(${rareQuery} as tsquery)`),
        )
        .selectFrom('s')
        .where(sql<boolean>`s.words @@ cast(${query} as tsquery)`),
    )
      .limit(search.limit + 1)
      .execute()
    return rows.map(toMessage)
  }
  // Keys still to read: below `upper` (exclusive, as a (ts, chat_id) pair), within after/before.
  let upper: { ts: number; chatId: string } | undefined = search.cursor
  const keys = (qb: AnyQuery) => {
    let q = qb.where(chats)
    if (search.after !== undefined) q = q.where('s.ts', '>=', search.after)
    if (search.before !== undefined) q = q.where('s.ts', '<', search.before)
    if (upper) q = q.where(sql<boolean>`(s.ts, s.chat_id) < (cast(${upper.ts} as bigint), ${upper.chatId})`)
    return q.orderBy('s.ts', 'desc').orderBy('s.chat_id', 'desc')
  }
  const out: Message[] = []
  let batch = PG_WALK_FIRST
  for (;;) {
    const [edge] = await keys(db.selectFrom('message_search as s').select(['s.ts', 's.chat_id'])).offset(batch - 1).limit(1).execute()
    const rows = await join(
      db
        .with(
          (cte) => cte('s').materialized(),
          (qb) => keys(qb.selectFrom('message_search as s').select(['s.chat_id', 's.ts', sql<string>`s.words`.as('words')])).limit(batch),
        )
        .selectFrom('s')
        .where(sql<boolean>`s.words @@ cast(${query} as tsquery)`),
    )
      .limit(search.limit + 1 - out.length)
      .execute()
    out.push(...rows.map(toMessage))
    if (out.length > search.limit || !edge) return out
    upper = { ts: Number(edge.ts), chatId: edge.chat_id }
    batch = Math.min(batch * 2, PG_WALK_MAX)
  }
}

/**
 * Which word (index into `search.words`) to look up in the GIN index first, or undefined when all
 * are common. From pg_stats' most common elements of `message_search.words`: a word among them
 * is estimated at its frequency, a prefix at the sum of the elements it begins, anything else at
 * the tracking threshold. Without statistics (never analyzed), the first word.
 */
async function rarestWord(db: Executor, search: MessageSearch): Promise<number | undefined> {
  const stats = await sql<{ elems: string[] | null; freqs: number[] | null; rows: number; target: number }>`
    select st.most_common_elems::text::text[] as elems, st.most_common_elem_freqs as freqs, c.reltuples as rows,
      coalesce(nullif(a.attstattarget, -1), current_setting('default_statistics_target')::int) as target
    from pg_stats st join pg_class c on c.relname = st.tablename join pg_namespace n on n.oid = c.relnamespace and n.nspname = st.schemaname
      join pg_attribute a on a.attrelid = c.oid and a.attname = st.attname
    where st.schemaname = current_schema() and st.tablename = 'message_search' and st.attname = 'words'`.execute(db)
  const row = stats.rows[0]
  if (!row) return 0
  const rows = Math.max(0, Number(row.rows))
  const elems = row.elems ?? []
  const freqs = (row.freqs ?? []).map(Number)
  // ANALYZE tracks up to 10 × the statistics target elements, every one seen at least 0.07 / that
  // often in its sample (ts_typanalyze), so an untracked word is rarer than that, or than the least
  // tracked one when the list is full. After one frequency per element come the least and greatest.
  const tracking = 10 * Math.max(1, Number(row.target))
  const least = elems.length > 0 ? (freqs[elems.length] ?? 0) : 0
  const floor = elems.length >= tracking ? least : 0.07 / tracking
  const last = search.words.length - 1
  let best: { index: number; estimate: number } | undefined
  search.words.forEach((word, index) => {
    const prefix = search.prefixLast && index === last
    let freq = 0
    let tracked = false
    elems.forEach((e, i) => {
      if (e === word || (prefix && e.startsWith(word))) {
        freq += freqs[i] ?? 0
        tracked = true
      }
    })
    const estimate = (tracked ? freq : floor) * rows
    if (!best || estimate < best.estimate) best = { index, estimate }
  })
  return best && best.estimate <= PG_RARE_MAX ? best.index : undefined
}
