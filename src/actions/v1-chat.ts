import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { fail } from '../errors.js'
import { isUuid, parseTagged } from '../ids.js'
import { findChat, tagBareIds } from '../store/repos/chats.js'
import { findGroup } from '../store/repos/groups.js'
import { chatAddress } from './chats.js'
import {
  chatHistory,
  deleteMessage,
  postMessage,
  sendTyping,
  updateMessage,
  type ChatMessageView,
  type ContentInput,
  type MessageRefResult,
  type PostOptions,
} from './messages.js'

/**
 * Roam's `/v1` chat methods (the ones its 2026 clients call). They are v0's actions under another
 * wire format: ids are bare UUIDs (`chatId`, `userId`, `groupId`) on the way out, and either bare
 * or tagged (`C-/D-/M-/G-/U-/B-`) on the way in. Nothing here decides who may do what: every call
 * ends in the v0 action, with its rules.
 */

const untag = (address: string): string => address.slice(2)

const CHAT_ID = { chatField: 'chatId' }

/**
 * The tagged chat (or group) address v0's actions take, for a v1 `chatId`. A bare UUID is looked up
 * among the organization's chats, then its groups (a group id means its channel); an unknown one
 * stays unknown (`C-…`), so the action answers it as it answers any chat the caller cannot see.
 */
export async function chatTarget(ctx: Context, principal: Principal, value: string, field: string): Promise<string> {
  const tagged = parseTagged(value)
  if (tagged && ['C', 'D', 'M', 'G'].includes(tagged.tag)) return value
  if (!isUuid(value)) fail('invalid_request', `${field}: must be a chat id (a UUID, or C-/D-/M-/G- tagged)`)
  const chat = await findChat(ctx.db, principal.orgId, value)
  if (chat) return chatAddress(chat)
  if (await findGroup(ctx.db, principal.orgId, value)) return `G-${value}`
  return `C-${value}`
}

async function groupTarget(value: string, field: string): Promise<string> {
  const tagged = parseTagged(value)
  if (tagged?.tag === 'G') return value
  if (!isUuid(value)) fail('invalid_request', `${field}: must be a group id (a UUID, or G- tagged)`)
  return `G-${value}`
}

/** A v1 `userIds` entry as an address: a person's `U-`, or an app bot's `B-` when the UUID is a bot. */
async function partnerAddress(ctx: Context, principal: Principal, value: string, field: string): Promise<string> {
  const tagged = parseTagged(value)
  if (tagged && (tagged.tag === 'U' || tagged.tag === 'B')) return value
  if (!isUuid(value)) fail('invalid_request', `${field}: must be a user id (a UUID, or U-/B- tagged)`)
  // An id naming nobody stays a person's, for chat.post to answer as any unknown person.
  return (await tagBareIds(ctx.db, principal.orgId, [value])).get(value) ?? `U-${value}`
}

export interface V1PostInput extends ContentInput {
  chatId?: string
  groupId?: string
  userIds?: string[]
  threadTimestamp?: number
  threadKey?: string
  sync?: boolean
}

export interface V1MessageRef {
  chatId: string
  timestamp?: number
  threadTimestamp?: number
}

function v1Ref(result: { chat: string; timestamp?: number; threadTimestamp?: number }): V1MessageRef {
  return {
    chatId: untag(result.chat),
    ...(result.timestamp !== undefined ? { timestamp: result.timestamp } : {}),
    ...(result.threadTimestamp !== undefined ? { threadTimestamp: result.threadTimestamp } : {}),
  }
}

/**
 * `chat.post`: exactly one target — `chatId`, `groupId` (its channel) or `userIds` (the DM or
 * multi-DM among them and the sender, started on first use).
 */
export async function postMessageV1(ctx: Context, principal: Principal, input: V1PostInput, opts: PostOptions = {}): Promise<V1MessageRef> {
  const given = (['chatId', 'groupId', 'userIds'] as const).filter((k) => input[k] !== undefined)
  if (given.length !== 1) {
    fail('invalid_request', given.length === 0 ? 'chatId: is required (or groupId, or userIds)' : `${given.join(', ')}: give exactly one target`)
  }
  const { chatId, groupId, userIds, ...rest } = input
  let chat: string | string[]
  let chatField: string
  if (chatId !== undefined) {
    chat = await chatTarget(ctx, principal, chatId, 'chatId')
    chatField = 'chatId'
  } else if (groupId !== undefined) {
    chat = await groupTarget(groupId, 'groupId')
    chatField = 'groupId'
  } else {
    const ids = userIds ?? []
    if (ids.length === 0) fail('invalid_request', 'userIds: must list at least 1 user id')
    const addresses = await Promise.all(ids.map((id, i) => partnerAddress(ctx, principal, id, `userIds/${i}`)))
    // One other person (or bot) is their DM; several are a multi-DM among them and the sender.
    chat = addresses.length === 1 ? addresses[0]! : addresses
    chatField = 'userIds'
  }
  return v1Ref(await postMessage(ctx, principal, { ...rest, chat }, { ...opts, chatField }))
}

export interface V1UpdateInput extends ContentInput {
  chatId: string
  timestamp: number
  threadTimestamp?: number
}

export async function updateMessageV1(ctx: Context, principal: Principal, input: V1UpdateInput): Promise<V1MessageRef> {
  const { chatId, ...rest } = input
  const result: MessageRefResult = await updateMessage(ctx, principal, { ...rest, chat: await chatTarget(ctx, principal, chatId, 'chatId') }, CHAT_ID)
  return v1Ref(result)
}

export async function deleteMessageV1(ctx: Context, principal: Principal, input: { chatId: string; timestamp: number; threadTimestamp?: number }): Promise<V1MessageRef> {
  const { chatId, ...rest } = input
  return v1Ref(await deleteMessage(ctx, principal, { ...rest, chat: await chatTarget(ctx, principal, chatId, 'chatId') }, CHAT_ID))
}

export async function sendTypingV1(ctx: Context, principal: Principal, input: { chatId: string; threadTimestamp?: number }): Promise<void> {
  const { chatId, ...rest } = input
  await sendTyping(ctx, principal, { ...rest, chat: await chatTarget(ctx, principal, chatId, 'chatId') }, CHAT_ID)
}

/** A message as `/v1/chat.history` returns it: v0's ChatMessage with bare `userId` and `chatId`. */
export interface V1Message extends Omit<ChatMessageView, 'sender' | 'chat' | 'reactions'> {
  userId: string
  chatId: string
  reactions?: Array<{ name: string; userId: string }>
}

function v1Message(m: ChatMessageView): V1Message {
  const { sender, chat, reactions, ...rest } = m
  return {
    ...rest,
    userId: untag(sender),
    chatId: untag(chat),
    ...(reactions && reactions.length > 0 ? { reactions: reactions.map((r) => ({ name: r.name, userId: untag(r.user.id) })) } : {}),
  }
}

export interface V1HistoryInput {
  chatId: string
  threadTimestamp?: number
  after?: string
  before?: string
  cursor?: string
  limit: number
}

/** `chat.history`: as v0 (newest first; `threadTimestamp` gives only that thread's replies). */
export async function chatHistoryV1(ctx: Context, principal: Principal, input: V1HistoryInput): Promise<{ chatId: string; messages: V1Message[]; nextCursor?: string }> {
  const { chatId, ...rest } = input
  const page = await chatHistory(ctx, principal, { ...rest, chat: await chatTarget(ctx, principal, chatId, 'chatId') }, CHAT_ID)
  return { chatId: untag(page.chat), messages: page.messages.map(v1Message), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) }
}
