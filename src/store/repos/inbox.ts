import type { Executor } from '../db.js'

export interface InboxChat {
  chatId: string
  kind: 'channel' | 'dm' | 'multi'
  groupId: string | null
  groupName: string | null
  /** Participants of DMs and multi-DMs (tagged addresses). */
  participants: string[]
  lastTs: number
  unread: number
}

/**
 * The chats a person takes part in — groups they belong to (not archived), their DMs and
 * multi-DMs — with the count of top-level messages from others newer than their read marker.
 */
export async function listInbox(db: Executor, orgId: string, address: string): Promise<InboxChat[]> {
  const channels = await db
    .selectFrom('group_members as gm')
    .innerJoin('groups as g', 'g.id', 'gm.group_id')
    .innerJoin('chats as c', 'c.id', 'g.chat_id')
    .select(['c.id as chat_id', 'c.last_ts', 'g.id as group_id', 'g.name'])
    .where('gm.address', '=', address)
    .where('g.org_id', '=', orgId)
    .where('g.archived_at', 'is', null)
    .execute()
  const direct = await db
    .selectFrom('chat_members as cm')
    .innerJoin('chats as c', 'c.id', 'cm.chat_id')
    .select(['c.id as chat_id', 'c.kind', 'c.last_ts'])
    .where('cm.address', '=', address)
    .where('c.org_id', '=', orgId)
    .where('c.kind', 'in', ['dm', 'multi'])
    .execute()
  const directIds = direct.map((d) => d.chat_id)
  const members = directIds.length
    ? await db.selectFrom('chat_members').select(['chat_id', 'address']).where('chat_id', 'in', directIds).execute()
    : []
  const allIds = [...channels.map((c) => c.chat_id), ...directIds]
  const reads = allIds.length
    ? await db.selectFrom('chat_reads').select(['chat_id', 'read_ts']).where('address', '=', address).where('chat_id', 'in', allIds).execute()
    : []
  const readTs = new Map(reads.map((r) => [r.chat_id, Number(r.read_ts)]))
  const unread = new Map<string, number>()
  for (const id of allIds) {
    const row = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('chat_id', '=', id)
      .where('ts', '>', readTs.get(id) ?? 0)
      .where('sender', '!=', address)
      .where('thread_ts', 'is', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    unread.set(id, Number(row?.n ?? 0))
  }
  return [
    ...channels.map((c) => ({
      chatId: c.chat_id,
      kind: 'channel' as const,
      groupId: c.group_id,
      groupName: c.name,
      participants: [],
      lastTs: Number(c.last_ts),
      unread: unread.get(c.chat_id) ?? 0,
    })),
    ...direct.map((d) => ({
      chatId: d.chat_id,
      kind: d.kind === 'dm' ? ('dm' as const) : ('multi' as const),
      groupId: null,
      groupName: null,
      participants: members.filter((m) => m.chat_id === d.chat_id).map((m) => m.address),
      lastTs: Number(d.last_ts),
      unread: unread.get(d.chat_id) ?? 0,
    })),
  ]
}

/** Moves a person's read marker forward (never back); true when it moved. */
export async function markRead(db: Executor, address: string, chatId: string, ts: number): Promise<boolean> {
  const row = await db.selectFrom('chat_reads').select('read_ts').where('address', '=', address).where('chat_id', '=', chatId).executeTakeFirst()
  if (!row) {
    await db.insertInto('chat_reads').values({ address, chat_id: chatId, read_ts: ts }).execute()
    return true
  }
  if (Number(row.read_ts) >= ts) return false
  await db.updateTable('chat_reads').set({ read_ts: ts }).where('address', '=', address).where('chat_id', '=', chatId).execute()
  return true
}

/** Top-level messages from others in one chat newer than the person's read marker (as listInbox counts them). */
export async function unreadCount(db: Executor, address: string, chatId: string): Promise<number> {
  const read = await db.selectFrom('chat_reads').select('read_ts').where('address', '=', address).where('chat_id', '=', chatId).executeTakeFirst()
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('chat_id', '=', chatId)
    .where('ts', '>', read ? Number(read.read_ts) : 0)
    .where('sender', '!=', address)
    .where('thread_ts', 'is', null)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export interface PollTally {
  counts: Record<string, number>
  mine: string[]
}

export async function pollTally(db: Executor, chatId: string, ts: number, address: string): Promise<PollTally> {
  const rows = await db.selectFrom('poll_votes').select(['address', 'option_id']).where('chat_id', '=', chatId).where('ts', '=', ts).execute()
  const counts: Record<string, number> = {}
  const mine: string[] = []
  for (const r of rows) {
    counts[r.option_id] = (counts[r.option_id] ?? 0) + 1
    if (r.address === address) mine.push(r.option_id)
  }
  return { counts, mine }
}

/** Replaces a voter's choices on one poll. */
export async function setVotes(db: Executor, chatId: string, ts: number, address: string, options: string[], now: number): Promise<void> {
  await db.deleteFrom('poll_votes').where('chat_id', '=', chatId).where('ts', '=', ts).where('address', '=', address).execute()
  if (options.length === 0) return
  await db
    .insertInto('poll_votes')
    .values(options.map((o) => ({ chat_id: chatId, ts, address, option_id: o, voted_at: now })))
    .execute()
}

export interface PollRow {
  chatId: string
  ts: number
  sender: string
  poll: { question: string; options: Array<{ id: string; text: string }>; allowMultipleAnswers?: boolean; closesAt?: string } | null
  deleted: boolean
}

export async function findPollMessage(db: Executor, chatId: string, ts: number): Promise<PollRow | undefined> {
  const row = await db.selectFrom('messages').select(['chat_id', 'ts', 'sender', 'poll', 'deleted_at']).where('chat_id', '=', chatId).where('ts', '=', ts).executeTakeFirst()
  return (
    row && {
      chatId: row.chat_id,
      ts: Number(row.ts),
      sender: row.sender,
      poll: row.poll ? (JSON.parse(row.poll) as PollRow['poll']) : null,
      deleted: row.deleted_at !== null,
    }
  )
}

/** Everyone taking part in a chat: its group's members (channels) or its participants. */
export async function chatAudience(db: Executor, chatId: string): Promise<string[]> {
  const group = await db.selectFrom('groups').select('id').where('chat_id', '=', chatId).executeTakeFirst()
  if (group) {
    const rows = await db.selectFrom('group_members').select('address').where('group_id', '=', group.id).execute()
    return rows.map((r) => r.address)
  }
  const rows = await db.selectFrom('chat_members').select('address').where('chat_id', '=', chatId).execute()
  return rows.map((r) => r.address)
}

/** Display names of users and bots by tagged address. */
export async function namesOf(db: Executor, orgId: string, addresses: string[]): Promise<Map<string, string>> {
  const users = addresses.filter((a) => a.startsWith('U-')).map((a) => a.slice(2))
  const bots = addresses.filter((a) => a.startsWith('B-')).map((a) => a.slice(2))
  const out = new Map<string, string>()
  if (users.length) for (const r of await db.selectFrom('users').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', users).execute()) out.set(`U-${r.id}`, r.name)
  if (bots.length) for (const r of await db.selectFrom('apps').select(['bot_id', 'name']).where('org_id', '=', orgId).where('bot_id', 'in', bots).execute()) out.set(`B-${r.bot_id}`, r.name)
  return out
}
