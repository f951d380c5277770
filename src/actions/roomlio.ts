import { requireRoomReadable } from '../access.js'
import type { Context } from '../context.js'
import type { Group, Principal } from '../domain.js'
import { fail } from '../errors.js'
import { linkId, messageId, parseMessageId, parseRoomId, roomId, userId } from '../roomlio-ids.js'
import type { Executor } from '../store/db.js'
import { findGroup, findGroupRole } from '../store/repos/groups.js'
import { listAttachedItems } from '../store/repos/messages.js'
import {
  findGroupByRoomKey,
  findSenders,
  listChatMessagesFrom,
  listReadableGroups,
  type RoomMessageRecord,
  type SenderInfo,
} from '../store/repos/rooms.js'
import { microsToIso, parseDateParam } from '../time.js'
import { createGroup, type ApiOrProvisioningActor } from './groups.js'
import { blocksToText } from '../blockkit/text.js'
import { itemUrl } from './message-text.js'

/**
 * The Roomlio facade over Atrium's store. A Roomlio room is an Atrium group (its channel chat holds
 * the messages) with an optional external `roomKey`, unique per organization. Ids are reversible
 * encodings of stored keys (src/roomlio-ids.ts), so messages posted through the Roam API appear
 * here and the other way round.
 */

/** Go's zero time: what Roomlio returns as `editedAt` for a message never edited. */
export const NEVER = '0001-01-01T00:00:00Z'

export const HISTORY_DEFAULT_LIMIT = 100
export const HISTORY_MAX_LIMIT = 1000

export type RoomlioUserType = 'admin' | 'member' | 'embed' | 'embed_insecure'
export type RoomlioMessageType = 'user' | 'offline' | 'system'

export interface RoomlioLink {
  id: string
  type: 'image'
  url: string
}

export interface RoomlioMessage {
  id: string
  userID: string
  visibility: string
  username: string
  first: string
  last: string
  userType: RoomlioUserType
  body: string
  messageType: RoomlioMessageType
  links: RoomlioLink[]
  roomID: string
  roomName: string
  createdAt: string
  editedAt: string
}

export interface RoomHistoryResult {
  messages: RoomlioMessage[]
  hasMore: boolean
  /** Id of the first message of the next page; empty when `hasMore` is false. */
  nextCursor: string
}

/** Optional Roomlio parameters: absent, null and "" all mean "not given" (protobuf JSON semantics). */
type Opt<T> = T | null | undefined

function given(value: Opt<string>): value is string {
  return value !== undefined && value !== null && value !== ''
}

export interface RoomRef {
  roomID?: Opt<string>
  roomKey?: Opt<string>
}

/** Resolves `roomID` or `roomKey` (exactly one) to a group the caller may read. */
async function resolveRoom(db: Executor, principal: Principal, ref: RoomRef): Promise<Group> {
  const hasId = given(ref.roomID)
  const hasKey = given(ref.roomKey)
  if (hasId === hasKey) fail('invalid_request', 'roomID, roomKey: give exactly one of them')
  let group: Group | undefined
  if (hasId) {
    const id = parseRoomId(ref.roomID as string)
    if (!id) fail('invalid_request', `roomID: "${ref.roomID}" is not a room id (rm_…)`)
    group = await findGroup(db, principal.orgId, id)
    if (!group) fail('not_found', `roomID: no room ${ref.roomID}`)
  } else {
    group = await findGroupByRoomKey(db, principal.orgId, ref.roomKey as string)
    if (!group) fail('not_found', `roomKey: no room with key "${ref.roomKey}"`)
  }
  requireRoomReadable(principal, group, await findGroupRole(db, group.id, principal.address))
  return group
}

function userTypeOf(address: string, sender: SenderInfo | undefined): RoomlioUserType {
  if (address.startsWith('V-')) return 'embed'
  if (sender?.kind === 'user') return sender.isAdmin ? 'admin' : 'member'
  return 'member'
}

export interface RoomHistoryInput extends RoomRef {
  limit?: Opt<number>
  startCursor?: Opt<string>
  since?: Opt<string>
}

/**
 * `RoomHistory`: a room's messages oldest first, starting at `startCursor` (a message id, that
 * message included) or at `since` (an instant, inclusive), or at the room's first message.
 * `nextCursor` is the id of the first message not returned, so feeding it back as `startCursor`
 * walks the room exactly once even while new messages arrive. Deleted messages are left out.
 */
export async function roomHistory(ctx: Context, principal: Principal, input: RoomHistoryInput): Promise<RoomHistoryResult> {
  const limit = input.limit ?? HISTORY_DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) fail('invalid_request', `limit: must be 1 to ${HISTORY_MAX_LIMIT}`)
  if (given(input.startCursor) && given(input.since)) fail('invalid_request', 'startCursor, since: give one or the other')
  const group = await resolveRoom(ctx.db, principal, input)

  let fromTs = 0
  if (given(input.startCursor)) {
    const key = parseMessageId(input.startCursor)
    if (!key) fail('invalid_request', `startCursor: "${input.startCursor}" is not a message id (msg_…)`)
    if (key.chatId !== group.chatId) fail('invalid_request', 'startCursor: the message is not in this room')
    fromTs = key.ts
  } else if (given(input.since)) {
    const since = parseDateParam(input.since)
    if (since === undefined) fail('invalid_request', `since: "${input.since}" is not an ISO 8601 date or date-time such as 2021-01-06T19:13:05Z`)
    fromTs = Math.max(0, since)
  }

  const rows = await listChatMessagesFrom(ctx.db, group.chatId, { fromTs, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const next = rows[limit]
  return {
    messages: await presentMessages(ctx, principal.orgId, group, page),
    hasMore: next !== undefined,
    nextCursor: next ? messageId(next) : '',
  }
}

async function presentMessages(ctx: Context, orgId: string, group: Group, rows: RoomMessageRecord[]): Promise<RoomlioMessage[]> {
  const senders = await findSenders(ctx.db, orgId, rows.map((r) => r.sender))
  const items = await listAttachedItems(ctx.db, rows.map((r) => ({ chatId: group.chatId, ts: r.ts })))
  const links = new Map<number, RoomlioLink[]>()
  for (const item of items) {
    if (item.type !== 'photo') continue
    const list = links.get(item.ts) ?? []
    list.push({ id: linkId(item.itemId), type: 'image', url: itemUrl(ctx.config, item.itemId) })
    links.set(item.ts, list)
  }
  const rid = roomId(group.id)
  return rows.map((r) => {
    const sender = senders.get(r.sender)
    return {
      id: messageId(r),
      userID: userId(r.sender),
      visibility: '',
      // A v1 chat.sendMessage persona is the name shown for its message.
      username: r.persona ? (r.persona.name ?? r.persona.id) : (sender?.name ?? ''),
      first: '',
      last: '',
      userType: userTypeOf(r.sender, sender),
      body: r.text ?? blocksToText(r.blocks),
      messageType: r.contentType === 'system' ? 'system' : 'user',
      links: links.get(r.ts) ?? [],
      roomID: rid,
      roomName: group.name,
      createdAt: microsToIso(r.createdAt),
      editedAt: r.editedAt === null ? NEVER : microsToIso(r.editedAt),
    }
  })
}

/** A room as RoomCreate / RoomList (Atrium extensions) and the admin API show it. */
export interface RoomlioRoom {
  id: string
  roomKey: string
  name: string
  /** The Atrium group (`G-…`) and its channel chat (`C-…`), for the Roam API. */
  groupId: string
  chatId: string
  archived: boolean
  createdAt: string
}

function presentRoom(group: Group): RoomlioRoom {
  return {
    id: roomId(group.id),
    roomKey: group.roomKey ?? '',
    name: group.name,
    groupId: `G-${group.id}`,
    chatId: `C-${group.chatId}`,
    archived: group.archivedAt !== null,
    createdAt: microsToIso(group.createdAt),
  }
}

export const ROOM_KEY_MAX = 128
export const ROOM_NAME_MAX = 64

export interface CreateRoomInput {
  roomKey?: Opt<string>
  name: string
  private?: Opt<boolean>
  /**
   * Who creates the room: an app (RoomCreate), which becomes the room's first admin, or the
   * organization's administration (admin API, CLI; `by` = the administrator's address).
   */
  actor: ApiOrProvisioningActor
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /unique|duplicate key/i.test(err.message)
}

/**
 * Creates a room: a group with its channel chat through the groups area's `createGroup` (the
 * same rules and records as group.create, SCIM and `atrium group create`), carrying the external
 * `roomKey` when given (unique per organization; a second room with the same key → 409).
 */
export async function createRoom(ctx: Context, orgId: string, input: CreateRoomInput): Promise<RoomlioRoom> {
  const name = input.name.trim()
  if (name === '' || name.length > ROOM_NAME_MAX) fail('invalid_request', `roomName: must be 1 to ${ROOM_NAME_MAX} characters`)
  const roomKey = given(input.roomKey) ? input.roomKey : null
  if (roomKey !== null && roomKey.length > ROOM_KEY_MAX) fail('invalid_request', `roomKey: must be at most ${ROOM_KEY_MAX} characters`)
  try {
    const group = await createGroup(ctx, orgId, input.actor, {
      name,
      private: input.private ?? false,
      roomKey,
      ...(input.actor.kind === 'app' ? { admins: [input.actor.address] } : {}),
    })
    return presentRoom(group)
  } catch (err) {
    // Two creations with one key at once: the unique index turns the later one away.
    if (roomKey !== null && isUniqueViolation(err)) fail('conflict', `roomKey: a room with key "${roomKey}" already exists`)
    throw err
  }
}

export interface RoomListInput {
  limit?: Opt<number>
  startCursor?: Opt<string>
}

export interface RoomListResult {
  rooms: RoomlioRoom[]
  hasMore: boolean
  nextCursor: string
}

/**
 * `RoomList` (Atrium extension): the rooms the caller may read (public groups and groups it is a
 * member of), oldest first, paged like RoomHistory: `startCursor` is a room id, included.
 */
export async function listRooms(ctx: Context, principal: Principal, input: RoomListInput): Promise<RoomListResult> {
  const limit = input.limit ?? HISTORY_DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) fail('invalid_request', `limit: must be 1 to ${HISTORY_MAX_LIMIT}`)
  let from: { createdAt: number; id: string } | undefined
  if (given(input.startCursor)) {
    const id = parseRoomId(input.startCursor)
    const group = id === undefined ? undefined : await findGroup(ctx.db, principal.orgId, id)
    if (!group) fail('invalid_request', `startCursor: "${input.startCursor}" is not a room id from nextCursor`)
    from = { createdAt: group.createdAt, id: group.id }
  }
  const groups = await listReadableGroups(ctx.db, principal.orgId, principal.address, { from, limit: limit + 1 })
  const next = groups[limit]
  return {
    rooms: groups.slice(0, limit).map(presentRoom),
    hasMore: next !== undefined,
    nextCursor: next ? roomId(next.id) : '',
  }
}
