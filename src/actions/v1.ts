import type { Context } from '../context.js'
import { keysetCursor, parseKeysetCursor } from './keyset.js'
import type { MessagePersona, Principal } from '../domain.js'
import { fail } from '../errors.js'
import { isUuid } from '../ids.js'
import { listRecordings } from '../store/repos/meetings.js'
import { listPublicGroups } from '../store/repos/rooms.js'
import { listGroupsVisibleTo } from '../store/repos/groups.js'
import { microsToIso, nowMicros } from '../time.js'
import { pageOf, resolveDateRange, type DateRangeQuery } from './daterange.js'
import { postMessage } from './messages.js'

/**
 * Roam HQ API v1: the documented organization-level methods. Ids on this surface are bare UUIDs
 * (no `G-`/`C-` tag), as in Roam's examples.
 */

/**
 * Roam numbers its Roams and accounts with integers. Atrium has one organization per install; its
 * number is the first 31 bits of the organization's UUID, stable for its lifetime.
 */
export function numericRoamId(orgId: string): number {
  return Number.parseInt(orgId.replace(/-/g, '').slice(0, 8), 16) & 0x7fffffff
}

export interface V1Group {
  addressId: string
  roamId: number
  accountId: number
  groupType: string
  name: string
  accessMode: 'public'
  groupManagement: 'groupAdminsOnly' | 'allMembers'
  enforceThreadedMode: boolean
  dateCreated: string
  imageUrl?: string
}

/**
 * `groups.list`: every public, non-archived group of the organization, oldest first, unpaged.
 * Membership changes are for group admins in Atrium, hence `groupManagement: groupAdminsOnly`.
 * `accountId` is the Roam's number too: an Atrium install is one account with one Roam.
 */
export async function listGroupsV1(ctx: Context, principal: Principal): Promise<V1Group[]> {
  const roamId = numericRoamId(principal.orgId)
  const groups = await listPublicGroups(ctx.db, principal.orgId)
  return groups.map((g) => ({
    addressId: g.id,
    roamId,
    accountId: roamId,
    groupType: g.groupType,
    name: g.name,
    accessMode: 'public',
    groupManagement: 'groupAdminsOnly',
    enforceThreadedMode: g.enforceThreads,
    dateCreated: microsToIso(g.createdAt),
    ...(g.imageUrl ? { imageUrl: g.imageUrl } : {}),
  }))
}

/** A group as `/v1/group.list` shows it. */
export interface V1GroupEntry {
  /** Group id (bare UUID). */
  id: string
  /** Its channel chat, what `chat.post`/`chat.history` take as `chatId` (bare UUID). */
  chatId: string
  name: string
  /** `group`, or `roam` for the all-hands group. */
  groupType: string
  accessMode: 'public' | 'private'
  /** Whether the caller (the app's bot, or the person) is a member. */
  isMember: boolean
  dateCreated: string
}

/**
 * `group.list` (the method Roam's current clients call; `groups.list` is the older org-only one):
 * the live groups the caller may see, public ones and the private ones it belongs to, oldest
 * first and keyset-paged, with each group's channel `chatId`.
 */
export async function listGroupsForCaller(
  ctx: Context,
  principal: Principal,
  input: { limit: number; cursor?: string },
): Promise<{ groups: V1GroupEntry[]; nextCursor?: string }> {
  const cursor = input.cursor === undefined ? undefined : parseKeysetCursor(input.cursor, 'group.list')
  const after = cursor && { createdAt: cursor.at, id: cursor.id }
  const rows = await listGroupsVisibleTo(ctx.db, principal.orgId, principal.address, { limit: input.limit + 1, ...(after ? { after } : {}) })
  const page = rows.slice(0, input.limit)
  const groups = page.map(({ group, groupType, member }) => ({
    id: group.id,
    chatId: group.chatId,
    name: group.name,
    groupType,
    accessMode: group.private ? ('private' as const) : ('public' as const),
    isMember: member,
    dateCreated: microsToIso(group.createdAt),
  }))
  const last = page[page.length - 1]?.group
  return rows.length > input.limit && last ? { groups, nextCursor: keysetCursor(last.createdAt, last.id) } : { groups }
}

/** Longest `sender.id` (Roam's `MessageSender` schema) and the limits Atrium sets on the rest. */
export const SENDER_ID_MAX = 16
export const SENDER_NAME_MAX = 80
export const SENDER_IMAGE_URL_MAX = 2000

export interface SendMessageInput {
  recipients: string[]
  text: string
  markdown?: boolean
  sender?: { id: string; name?: string; imageUrl?: string }
}

function checkPersona(sender: NonNullable<SendMessageInput['sender']>): MessagePersona {
  const id = sender.id.trim()
  if (id === '') fail('invalid_request', 'sender/id: must not be empty')
  if (id.length > SENDER_ID_MAX) fail('invalid_request', `sender/id: must be at most ${SENDER_ID_MAX} characters`)
  const name = sender.name?.trim() || null
  if (name !== null && name.length > SENDER_NAME_MAX) fail('invalid_request', `sender/name: must be at most ${SENDER_NAME_MAX} characters`)
  const imageUrl = sender.imageUrl?.trim() || null
  if (imageUrl !== null) {
    if (imageUrl.length > SENDER_IMAGE_URL_MAX) fail('invalid_request', `sender/imageUrl: must be at most ${SENDER_IMAGE_URL_MAX} characters`)
    let url: URL | undefined
    try {
      url = new URL(imageUrl)
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) fail('invalid_request', 'sender/imageUrl: must be an http(s) URL')
  }
  return { id, name, imageUrl }
}

/**
 * `chat.sendMessage`: posts `text` to one group, named by its bare UUID (`addressId` in
 * `groups.list`), through the same action as v0 `chat.post` (limits, outbox events, realtime).
 * The app may post to any public group; private groups need its bot to be a member. `sender`
 * names the persona the bot posts as, kept with the message; without it the app's own name is
 * shown. `chatId` is the bare UUID of the group's channel chat, the `chatId` of the compliance
 * export and the `C-…` id of the Chat API.
 */
export async function sendMessageV1(ctx: Context, principal: Principal, input: SendMessageInput): Promise<{ chatId: string; status: 'ok' }> {
  if (input.recipients.length !== 1) fail('invalid_request', `recipients: must list exactly one group id (${input.recipients.length} given)`)
  const recipient = input.recipients[0]!.trim().toLowerCase()
  if (!isUuid(recipient)) fail('invalid_request', `recipients/0: "${input.recipients[0]}" is not a group id (a bare UUID, the addressId of groups.list)`)
  const persona = input.sender === undefined ? undefined : checkPersona(input.sender)
  const result = await postMessage(
    ctx,
    principal,
    { chat: `G-${recipient}`, text: input.text, ...(input.markdown !== undefined ? { markdown: input.markdown } : {}) },
    { chatField: 'recipients/0', groupSend: true, ...(persona ? { persona } : {}) },
  )
  return { chatId: result.chat.slice(2), status: 'ok' }
}

export interface V1Recording {
  recordingId: string
  location: string
  startTime: string
  endTime: string
  videoUrl: string
}

/**
 * `recording.list`: the organization's recordings by start time, date-range paged like
 * `meeting.list` (newest first and `before` = now without `after`; oldest first from `after`;
 * `after` inclusive, `before` exclusive; keyset cursors). Recordings enter with
 * `/admin/meetings.attachRecording`.
 */
export async function listRecordingsV1(ctx: Context, principal: Principal, query: DateRangeQuery): Promise<{ recordings: V1Recording[]; nextCursor?: string }> {
  const page = resolveDateRange(query, nowMicros())
  const rows = await listRecordings(ctx.db, principal.orgId, page)
  const { items, nextCursor } = pageOf(rows, page, (r) => ({ at: r.startedAt, id: r.id }))
  return {
    recordings: items.map((r) => ({
      recordingId: r.id,
      location: r.location,
      startTime: microsToIso(r.startedAt),
      endTime: microsToIso(r.endedAt),
      videoUrl: r.videoUrl,
    })),
    ...(nextCursor ? { nextCursor } : {}),
  }
}
