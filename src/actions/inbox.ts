import { requireChatRead, requireChatWrite, requirePollChatReadable, requirePollExists } from '../access.js'
import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { fail } from '../errors.js'
import { CHAT_READ } from '../events/realtime.js'
import { chatAudience, findPollMessage, listInbox, markRead, namesOf, pollTally, setVotes, unreadCount, type PollTally } from '../store/repos/inbox.js'
import { insertEvent } from '../store/repos/outbox.js'
import { nowMicros } from '../time.js'
import { findExistingChat, resolveExistingChat } from './chats.js'

/**
 * A person's conversations for the web client: groups, DMs and multi-DMs with unread counts and
 * read markers, and poll votes.
 */

export interface InboxEntryView {
  id: string
  group: string | null
  kind: 'channel' | 'dm' | 'multi'
  name: string
  participants: string[]
  unread: number
  lastTs: number
}

export async function inbox(ctx: Context, principal: Principal): Promise<InboxEntryView[]> {
  const chats = await listInbox(ctx.db, principal.orgId, principal.address)
  const names = await namesOf(ctx.db, principal.orgId, [...new Set(chats.flatMap((c) => c.participants))])
  const nameOf = (a: string) => names.get(a) ?? (a.startsWith('B-') ? 'App' : 'Someone')
  const views = chats.map((c): InboxEntryView => {
    const others = c.participants.filter((a) => a !== principal.address)
    const tag = c.kind === 'channel' ? 'C' : c.kind === 'dm' ? 'D' : 'M'
    return {
      id: `${tag}-${c.chatId}`,
      group: c.groupId ? `G-${c.groupId}` : null,
      kind: c.kind,
      name: c.kind === 'channel' ? (c.groupName ?? 'Group') : others.length ? others.map(nameOf).join(', ') : nameOf(principal.address),
      participants: c.participants,
      unread: c.unread,
      lastTs: c.lastTs,
    }
  })
  return views.sort((a, b) => (a.kind === 'channel') === (b.kind === 'channel') ? b.lastTs - a.lastTs || a.name.localeCompare(b.name) : a.kind === 'channel' ? -1 : 1)
}

/**
 * Moves the caller's read marker in a chat to `timestamp` (never backwards). When it moved, the
 * caller's own sockets — every tab and device, on every process — hear `chat.read` with the chat's
 * unread count from the new marker, so other tabs clear their badge at once.
 */
export async function readChat(ctx: Context, principal: Principal, input: { chat: string; timestamp: number }): Promise<void> {
  const target = await resolveExistingChat(ctx.db, principal, input.chat)
  requireChatRead(principal, target.facts)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await markRead(tx, principal.address, target.chat.id, input.timestamp))) return
    const unread = await unreadCount(tx, principal.address, target.chat.id)
    await insertEvent(tx, {
      orgId: principal.orgId,
      type: CHAT_READ,
      payload: { chat: target.address, timestamp: input.timestamp, unread },
      routing: { chat: target.address, addresses: [principal.address] },
      createdAt: nowMicros(),
    })
  })
}

/** The poll at (chat, timestamp), if the caller can read it; otherwise the one 404 of access.ts. */
async function pollTarget(ctx: Context, principal: Principal, input: { chat: string; timestamp: number }) {
  const target = await findExistingChat(ctx.db, principal, input.chat)
  requirePollChatReadable(principal, target)
  const message = await findPollMessage(ctx.db, target.chat.id, input.timestamp)
  const poll = message && !message.deleted ? message.poll : null
  requirePollExists(poll)
  return { target, poll }
}

export async function pollResults(ctx: Context, principal: Principal, input: { chat: string; timestamp: number }): Promise<PollTally> {
  const { target } = await pollTarget(ctx, principal, input)
  return pollTally(ctx.db, target.chat.id, input.timestamp, principal.address)
}

/**
 * Replaces the caller's votes on a poll (an empty list withdraws them). Emits the Atrium-internal
 * `chat.poll.vote` (counts, no voter identities) to the chat's participants.
 */
export async function votePoll(ctx: Context, principal: Principal, input: { chat: string; timestamp: number; options: string[] }): Promise<PollTally> {
  const { target, poll } = await pollTarget(ctx, principal, input)
  requireChatWrite(principal, target.facts)
  const ids = new Set(poll.options.map((o) => o.id))
  const options = [...new Set(input.options)]
  options.forEach((o, i) => {
    if (!ids.has(o)) fail('invalid_request', `options/${i}: not an option of this poll`)
  })
  if (!poll.allowMultipleAnswers && options.length > 1) fail('invalid_request', 'options: this poll takes one answer')
  if (poll.closesAt && Date.parse(poll.closesAt) <= Date.now()) fail('invalid_request', 'timestamp: the poll is closed')
  const now = nowMicros()
  return ctx.db.transaction().execute(async (tx) => {
    await setVotes(tx, target.chat.id, input.timestamp, principal.address, options, now)
    const tally = await pollTally(tx, target.chat.id, input.timestamp, principal.address)
    await insertEvent(tx, {
      orgId: principal.orgId,
      type: 'chat.poll.vote',
      payload: { chat: target.address, timestamp: input.timestamp, counts: tally.counts },
      routing: { chat: target.address, addresses: await chatAudience(tx, target.chat.id) },
      createdAt: now,
    })
    return tally
  })
}

/** Who should see a typing indicator in a chat. */
export async function typingAudience(ctx: Context, chatAddress: string): Promise<string[]> {
  return chatAudience(ctx.db, chatAddress.slice(2))
}
