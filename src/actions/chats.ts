import type { ChatAccessFacts } from '../access.js'
import { keysetCursor, parseKeysetCursor } from './keyset.js'
import type { Context } from '../context.js'
import { authorOf, type Chat, type Group, type Principal } from '../domain.js'
import { fail } from '../errors.js'
import { newId, parseTagged } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findAppByBot } from '../store/repos/apps.js'
import {
  findAddressProfiles,
  findChat,
  findChatForCaller,
  findOrCreateDirectChat,
  isChatParticipant,
  listParticipantsOf,
  listVisibleChats,
} from '../store/repos/chats.js'
import { findGroup, findGroupByChat, findGroupRole } from '../store/repos/groups.js'
import { findUser } from '../store/repos/users.js'
import { microsToIso } from '../time.js'

/** The tagged id of a chat: `C-` channel, `D-` DM, `M-` multi-DM. */
export function chatAddress(chat: Chat): string {
  return `${chat.kind === 'channel' ? 'C' : chat.kind === 'dm' ? 'D' : 'M'}-${chat.id}`
}

/** A chat with its group (channels) and what the access rules need about the caller. */
export interface ResolvedChat {
  chat: Chat
  address: string
  group: Group | undefined
  facts: ChatAccessFacts
}

/**
 * A personal access token's bot persona (the principal's `author` on /v1) takes part in the DMs
 * people start with it: there the token may read and write as a participant. Personas are never
 * group members, so channels are the person's alone.
 */
async function authorParticipates(db: Executor, principal: Principal, chat: Chat): Promise<boolean> {
  const author = authorOf(principal)
  return author !== principal.address && chat.kind !== 'channel' && (await isChatParticipant(db, chat.id, author))
}

async function describeChat(db: Executor, principal: Principal, chat: Chat, group?: Group): Promise<ResolvedChat> {
  const g = chat.kind === 'channel' ? (group ?? (await findGroupByChat(db, chat.id))) : undefined
  const member =
    (g ? (await findGroupRole(db, g.id, principal.address)) !== undefined : await isChatParticipant(db, chat.id, principal.address)) ||
    (await authorParticipates(db, principal, chat))
  return {
    chat,
    address: chatAddress(chat),
    group: g,
    facts: {
      kind: chat.kind,
      groupPrivate: g ? g.private : null,
      groupArchived: g ? g.archivedAt !== null : false,
      member,
    },
  }
}

const kindOfTag = { C: 'channel', D: 'dm', M: 'multi' } as const

/**
 * An existing chat named by a chat id (`C-`, `D-`, `M-`) or a group id (`G-`, meaning its channel),
 * or undefined when it does not exist in this organization. A malformed id is 400.
 */
export async function findExistingChat(db: Executor, principal: Principal, value: string, field = 'chat'): Promise<ResolvedChat | undefined> {
  const parsed = parseTagged(value)
  if (!parsed || !['C', 'D', 'M', 'G'].includes(parsed.tag)) {
    fail('invalid_request', `${field}: must be a chat id (C-, D-, M-) or a group id (G-)`)
  }
  if (parsed.tag === 'G') {
    const group = await findGroup(db, principal.orgId, parsed.uuid)
    if (!group) return undefined
    const chat = await findChat(db, principal.orgId, group.chatId)
    if (!chat) throw new Error(`group ${group.id} has no chat`)
    return describeChat(db, principal, chat, group)
  }
  const found = await findChatForCaller(db, principal.orgId, parsed.uuid, principal.address)
  if (!found || found.chat.kind !== kindOfTag[parsed.tag as 'C' | 'D' | 'M']) return undefined
  const { chat, group: g } = found
  const member = found.member || (await authorParticipates(db, principal, chat))
  return {
    chat,
    address: chatAddress(chat),
    group: g,
    facts: { kind: chat.kind, groupPrivate: g ? g.private : null, groupArchived: g ? g.archivedAt !== null : false, member },
  }
}

/**
 * As findExistingChat, but ids that are well formed and unknown in this organization are 403 with
 * the very answer a chat the caller may not see gets, so existence is not disclosed.
 */
export async function resolveExistingChat(db: Executor, principal: Principal, value: string, field = 'chat'): Promise<ResolvedChat> {
  const resolved = await findExistingChat(db, principal, value, field)
  if (!resolved) fail('forbidden', `${principal.address} is not a member of this chat.`)
  return resolved
}

/** Largest number of addresses in a multi-DM `chat` array (the sender is added to them). */
export const MAX_MULTI_DM_ADDRESSES = 50

async function requireChatPartner(db: Executor, principal: Principal, address: string, field: string): Promise<void> {
  const parsed = parseTagged(address)
  if (parsed?.tag === 'U') {
    const user = await findUser(db, principal.orgId, parsed.uuid)
    if (!user || !user.active) fail('invalid_request', `${field}: no active user ${address} in this Roam`)
    return
  }
  if (parsed?.tag === 'B') {
    if (!(await findAppByBot(db, principal.orgId, parsed.uuid))) fail('invalid_request', `${field}: no bot ${address} in this Roam`)
    return
  }
  fail('invalid_request', `${field}: must be a user (U-) or bot (B-) address`)
}

/**
 * `chat.post`'s `chat`: a chat or group id; a user or bot address (the DM with it, started on first
 * use); or an array of user addresses (the chat among them and the sender: a DM for one other
 * person, a multi-DM `M-` for more, started on first use).
 */
export async function resolvePostTarget(db: Executor, principal: Principal, target: string | string[], now: number, field = 'chat'): Promise<ResolvedChat> {
  if (typeof target === 'string') {
    const parsed = parseTagged(target)
    if (!parsed) fail('invalid_request', `${field}: must be a chat, group, user or bot id, or an array of user ids`)
    if (parsed.tag !== 'U' && parsed.tag !== 'B') return resolveExistingChat(db, principal, target, field)
    // A personal access token's bot writing to its own person: their DM.
    const partner = target === principal.address ? authorOf(principal) : target
    if (partner === principal.address) fail('invalid_request', `${field}: cannot start a DM with yourself`)
    if (partner === target) await requireChatPartner(db, principal, target, field)
    const chat = await findOrCreateDirectChat(db, {
      id: newId(),
      orgId: principal.orgId,
      kind: 'dm',
      participants: [principal.address, partner],
      startedAt: now,
    })
    return describeChat(db, principal, chat)
  }
  if (target.length === 0) fail('invalid_request', `${field}: must list at least 1 user address`)
  if (target.length > MAX_MULTI_DM_ADDRESSES) fail('invalid_request', `${field}: must list at most ${MAX_MULTI_DM_ADDRESSES} user addresses`)
  const others = new Set<string>()
  for (const [i, address] of target.entries()) {
    if (parseTagged(address)?.tag !== 'U') fail('invalid_request', `${field}/${i}: must be a user address (U-…)`)
    if (address === principal.address) continue
    if (!others.has(address)) await requireChatPartner(db, principal, address, `${field}/${i}`)
    others.add(address)
  }
  if (others.size === 0) fail('invalid_request', `${field}: must name at least 1 user other than the sender`)
  const chat = await findOrCreateDirectChat(db, {
    id: newId(),
    orgId: principal.orgId,
    kind: others.size === 1 ? 'dm' : 'multi',
    participants: [principal.address, ...others],
    startedAt: now,
  })
  return describeChat(db, principal, chat)
}

export interface ChatSummary {
  id: string
  started: string
  name: string
  group?: string
}

export interface ChatListPage {
  chats: ChatSummary[]
  nextCursor?: string
}

/** `chat.list`: chats the caller takes part in plus every public group's channel, newest first. */
export async function listChats(ctx: Context, principal: Principal, input: { limit: number; cursor?: string }): Promise<ChatListPage> {
  const cursor = input.cursor === undefined ? undefined : parseKeysetCursor(input.cursor, 'chat.list')
  const after = cursor && { startedAt: cursor.at, id: cursor.id }
  const rows = await listVisibleChats(ctx.db, principal.orgId, principal.address, { after, limit: input.limit })
  const page = rows.slice(0, input.limit)
  const direct = page.filter((r) => r.chat.kind !== 'channel').map((r) => r.chat.id)
  const participants = await listParticipantsOf(ctx.db, direct)
  const profiles = await findAddressProfiles(ctx.db, principal.orgId, [...participants.values()].flat())
  const nameOf = (address: string) => profiles.get(address)?.name ?? address
  const chats = page.map(({ chat, groupId, groupName }): ChatSummary => {
    const base = { id: chatAddress(chat), started: microsToIso(chat.startedAt) }
    if (chat.kind === 'channel') return { ...base, name: groupName ?? '', ...(groupId ? { group: `G-${groupId}` } : {}) }
    const members = participants.get(chat.id) ?? []
    const named = chat.kind === 'dm' ? members.filter((a) => a !== principal.address) : members
    return { ...base, name: (named.length > 0 ? named : members).map(nameOf).join(', ') }
  })
  const last = page[page.length - 1]
  return rows.length > input.limit && last ? { chats, nextCursor: keysetCursor(last.chat.startedAt, last.chat.id) } : { chats }
}
