import { createHash } from 'node:crypto'
import { requireChatRead, requireChatWrite, requireGroupSend, requireInteractivityUrl, requireMessageSender } from '../access.js'
import { BLOCK_LIMITS, colorError, validateBlocks } from '../blockkit/index.js'
import type { Context } from '../context.js'
import { authorOf, type Item, type Message, type MessageContentType, type MessagePersona, type Poll, type Principal } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findAddressProfiles, listChatParticipants, listGroupMemberAddresses, tagBareIds } from '../store/repos/chats.js'
import { findItems } from '../store/repos/items.js'
import {
  allocateMessageTs,
  claimThreadKey,
  countThreadReplies,
  findIdempotentResponse,
  findMessage,
  findThreadKey,
  insertMessage,
  insertReaction,
  listMentions,
  listMessageItemIds,
  listMessages,
  listReactions,
  markMessageDeleted,
  replaceMentions,
  replaceMessageItems,
  saveIdempotentResponse,
  updateMessageContent,
  type StoredResponse,
} from '../store/repos/messages.js'
import { insertEvent, insertEvents, type EventRouting, type NewEvent } from '../store/repos/outbox.js'
import { streamStates, type StreamKind } from '../store/repos/streams.js'
import { microsToIso, nowMicros, parseDateParam } from '../time.js'
import { resolveExistingChat, resolvePostTarget, type ResolvedChat } from './chats.js'
import { presentItem, type ChatItemView } from './items.js'

/** Longest `text`, in characters; longer is 413 (Roam: "message content exceeds the maximum allowed size"). */
/** Largest message text, in UTF-8 bytes (Roam's message cap; v0 and v1 alike). */
export const MAX_TEXT_BYTES = 8000
/** Most items one message may attach. */
export const MAX_MESSAGE_ITEMS = 10
export const POLL_LIMITS = { question: 256, option: 128, minOptions: 2, maxOptions: 20 } as const
/** Longest `threadKey` (Roam's limit). */
export const MAX_THREAD_KEY = 64
/** Longest Idempotency-Key header value. */
export const MAX_IDEMPOTENCY_KEY = 255
export const REACTION_NAME = /^[A-Za-z0-9_+\-']+$/
export const MAX_REACTION_NAME = 64

// ---------------------------------------------------------------------------------------------
// Views (the wire shapes of chat.json / webhooks.json)

export interface UserView {
  id: string
  name: string
  imageUrl?: string
}

export interface ReactionView {
  chat: string
  timestamp: number
  name: string
  user: UserView
}

export interface PollView {
  question: string
  options: Array<{ id: string; text: string }>
  allowMultipleAnswers: boolean
  closesAt?: string
}

export interface ChatMessageView {
  type: 'message'
  contentType: 'text' | 'block' | 'voice' | 'poll'
  sender: string
  chat: string
  timestamp: number
  threadTimestamp?: number
  replyTimestamp?: number
  text?: string
  items?: ChatItemView[]
  blocks?: unknown[]
  color?: string
  poll?: PollView
  reactions?: ReactionView[]
  /** Present on streamed messages (`/v1/chat.startStream`): true while the stream is open. */
  streaming?: boolean
  /** A streamed message of kind `thinking`: the sender's reasoning, not its answer. */
  thinking?: boolean
}

/** What a message's stream, if it has one, adds to its view. */
export interface StreamState {
  kind: StreamKind
  open: boolean
}

function presentPoll(poll: Poll): PollView {
  return {
    question: poll.question,
    options: poll.options.map((o) => ({ id: o.id, text: o.text })),
    allowMultipleAnswers: poll.allowMultipleAnswers,
    ...(poll.closesAt !== null ? { closesAt: microsToIso(poll.closesAt) } : {}),
  }
}

async function userViews(db: Executor, orgId: string, addresses: readonly string[]): Promise<Map<string, UserView>> {
  const profiles = await findAddressProfiles(db, orgId, addresses)
  const out = new Map<string, UserView>()
  for (const address of addresses) {
    const p = profiles.get(address)
    out.set(address, { id: address, name: p?.name ?? address, ...(p?.imageUrl ? { imageUrl: p.imageUrl } : {}) })
  }
  return out
}

/** Messages of one chat as ChatMessage objects, with their items and reactions (two queries each). */
export async function presentMessages(ctx: Context, db: Executor, orgId: string, chat: string, messages: readonly Message[]): Promise<ChatMessageView[]> {
  if (messages.length === 0) return []
  const chatId = messages[0]!.chatId
  const tss = messages.map((m) => m.ts)
  const itemIds = await listMessageItemIds(db, chatId, tss)
  const items = await findItems(db, orgId, [...new Set([...itemIds.values()].flat())])
  const reactions = await listReactions(db, chatId, tss)
  const users = await userViews(db, orgId, [...new Set(reactions.map((r) => r.address))])
  const streams = await streamStates(db, chatId, tss)
  return messages.map((m): ChatMessageView => {
    const attached = (itemIds.get(m.ts) ?? []).flatMap((id) => {
      const item = items.get(id)
      return item ? [presentItem(ctx, item)] : []
    })
    const reacted = reactions
      .filter((r) => r.ts === m.ts)
      .map((r): ReactionView => ({ chat, timestamp: r.ts, name: r.name, user: users.get(r.address)! }))
    return presentMessage(chat, m, attached, reacted, streams.get(m.ts))
  })
}

function presentMessage(chat: string, m: Message, attached: ChatItemView[], reacted: ReactionView[], stream?: StreamState): ChatMessageView {
  return {
    type: 'message',
    contentType: m.contentType === 'system' ? 'text' : m.contentType,
    sender: m.sender,
    chat,
    timestamp: m.ts,
    ...(m.threadTs !== null ? { threadTimestamp: m.threadTs } : {}),
    ...(m.replyTs !== null ? { replyTimestamp: m.replyTs } : {}),
    ...(m.text !== null ? { text: m.text } : {}),
    ...(attached.length > 0 ? { items: attached } : {}),
    ...(m.blocks !== null ? { blocks: m.blocks } : {}),
    ...(m.color !== null ? { color: m.color } : {}),
    ...(m.poll !== null ? { poll: presentPoll(m.poll) } : {}),
    ...(reacted.length > 0 ? { reactions: reacted } : {}),
    ...(stream ? { streaming: stream.open, ...(stream.kind === 'thinking' ? { thinking: true } : {}) } : {}),
  }
}

// ---------------------------------------------------------------------------------------------
// Content validation shared by chat.post and chat.update

export interface ContentInput {
  text?: string
  markdown?: boolean
  items?: string[]
  blocks?: unknown[]
  color?: string
  poll?: { question: string; options: string[]; allowMultipleAnswers?: boolean; closesAt?: string }
}

export interface Content {
  contentType: MessageContentType
  text: string | null
  markdown: boolean
  blocks: unknown[] | null
  color: string | null
  poll: Poll | null
  itemIds: string[]
}

function validateContent(principal: Principal, input: ContentInput, allowPoll: boolean): Content {
  const kinds = [
    input.text !== undefined || input.items !== undefined ? 'text/items' : undefined,
    input.blocks !== undefined ? 'blocks' : undefined,
    allowPoll && input.poll !== undefined ? 'poll' : undefined,
  ].filter((k) => k !== undefined)
  if (kinds.length === 0) fail('invalid_request', allowPoll ? 'text: is required unless blocks or poll is given' : 'text: is required unless blocks is given')
  if (kinds.length > 1) fail('invalid_request', `${kinds.join(', ')}: only one content kind is allowed per message`)
  if (input.color !== undefined && input.blocks === undefined) fail('invalid_request', 'color: is only used with blocks')

  if (input.blocks !== undefined) {
    // Oversized content is 413 like oversized text; every other Block Kit problem is 400.
    const bytes = Buffer.byteLength(JSON.stringify(input.blocks), 'utf8')
    if (bytes > BLOCK_LIMITS.bytes) fail('payload_too_large', `blocks: must be at most ${BLOCK_LIMITS.bytes} bytes as JSON (got ${bytes})`)
    const result = validateBlocks(input.blocks)
    if (input.color !== undefined) {
      const error = colorError(input.color)
      if (error) result.errors.push(error)
    }
    if (result.errors.length > 0) fail('invalid_request', result.errors.join('; '))
    if (result.interactive) requireInteractivityUrl(principal)
    return { contentType: 'block', text: null, markdown: true, blocks: input.blocks, color: input.color ?? null, poll: null, itemIds: [] }
  }

  if (input.poll !== undefined) {
    const { question, options } = input.poll
    if (question.trim() === '') fail('invalid_request', 'poll/question: must not be empty')
    if (question.length > POLL_LIMITS.question) fail('invalid_request', `poll/question: must be at most ${POLL_LIMITS.question} characters`)
    if (options.length < POLL_LIMITS.minOptions) fail('invalid_request', `poll/options: must have at least ${POLL_LIMITS.minOptions} options`)
    if (options.length > POLL_LIMITS.maxOptions) fail('invalid_request', `poll/options: must have at most ${POLL_LIMITS.maxOptions} options`)
    options.forEach((option, i) => {
      if (option.trim() === '') fail('invalid_request', `poll/options/${i}: must not be empty`)
      if (option.length > POLL_LIMITS.option) fail('invalid_request', `poll/options/${i}: must be at most ${POLL_LIMITS.option} characters`)
    })
    let closesAt: number | null = null
    if (input.poll.closesAt !== undefined) {
      const at = parseDateParam(input.poll.closesAt)
      if (at === undefined || /^\d{4}-\d{2}-\d{2}$/.test(input.poll.closesAt)) fail('invalid_request', 'poll/closesAt: must be an RFC 3339 date-time')
      closesAt = at
    }
    const poll: Poll = {
      question,
      options: options.map((text) => ({ id: newId(), text })),
      allowMultipleAnswers: input.poll.allowMultipleAnswers ?? false,
      closesAt,
    }
    return { contentType: 'poll', text: null, markdown: true, blocks: null, color: null, poll, itemIds: [] }
  }

  const text = input.text ?? null
  const itemIds = [...new Set(input.items ?? [])]
  if (text !== null) {
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > MAX_TEXT_BYTES) fail('payload_too_large', `text: must be at most ${MAX_TEXT_BYTES} bytes as UTF-8 (got ${bytes})`)
  }
  if (itemIds.length > MAX_MESSAGE_ITEMS) fail('invalid_request', `items: a message may attach at most ${MAX_MESSAGE_ITEMS} items`)
  if ((text === null || text.trim() === '') && itemIds.length === 0) fail('invalid_request', 'text: must not be empty (or attach items)')
  return { contentType: 'text', text, markdown: input.markdown ?? true, blocks: null, color: null, poll: null, itemIds }
}

/** The items to attach, in order; each must be one the caller uploaded. */
async function requireOwnItems(db: Executor, principal: Principal, itemIds: readonly string[]): Promise<Item[]> {
  if (itemIds.length === 0) return []
  const items = await findItems(db, principal.orgId, itemIds)
  return itemIds.map((id, i) => {
    const item = items.get(id)
    if (!item || item.uploader !== authorOf(principal)) fail('invalid_request', `items/${i}: no item ${id} uploaded by ${authorOf(principal)}`)
    return item
  })
}

const mentionRe = /<!?@(all|(?:[UB]-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/g

/**
 * `<@U-…>`, `<@B-…>` and `<@all>` tokens in markdown text (also Roam's documented `<!@U-…>`), and
 * `<@…>` with a bare UUID, as Roam's v1 clients write them (ids on /v1 are bare): a bare id is the
 * person or bot of the organization it names, and is dropped when it names neither.
 */
export async function mentionsIn(db: Executor, orgId: string, text: string | null): Promise<string[]> {
  if (!text) return []
  const found = [...new Set([...text.matchAll(mentionRe)].map((m) => m[1]!))]
  const bare = found.filter((m) => m !== 'all' && !/^[UB]-/.test(m))
  if (bare.length === 0) return found
  const tagged = await tagBareIds(db, orgId, bare)
  const out = found.flatMap((m) => (m === 'all' || /^[UB]-/.test(m) ? [m] : (tagged.get(m) ?? [])))
  return [...new Set(out)]
}

// ---------------------------------------------------------------------------------------------
// Events

async function audienceOf(db: Executor, target: EventTarget): Promise<string[]> {
  return target.group ? listGroupMemberAddresses(db, target.group.id) : listChatParticipants(db, target.chat.id)
}

/** What routing an event needs of its chat. */
export type EventTarget = Pick<ResolvedChat, 'chat' | 'address' | 'group'>

async function baseRouting(db: Executor, target: EventTarget, sender: string): Promise<EventRouting & { addresses: string[] }> {
  return {
    chat: target.address,
    ...(target.group ? { group: `G-${target.group.id}` } : {}),
    sender,
    addresses: await audienceOf(db, target),
  }
}

/** Mentioned addresses, with `all` standing for everyone in the chat except the sender. */
function expandMentions(mentions: readonly string[], audience: readonly string[], sender: string): string[] {
  const out = new Set(mentions.filter((m) => m !== 'all'))
  if (mentions.includes('all')) for (const a of audience) if (a !== sender) out.add(a)
  return [...out]
}

// ---------------------------------------------------------------------------------------------
// chat.post

export interface PostInput extends ContentInput {
  chat: string | string[]
  threadTimestamp?: number
  threadKey?: string
  sync?: boolean
}

export interface PostResult {
  chat: string
  timestamp?: number
  threadTimestamp?: number
}

/** How a caller other than v0 `chat.post` reaches the same action. */
export interface PostOptions {
  /** Idempotency-Key header (v0): repeating the request replays the first response. */
  idempotencyKey?: string
  /** Request field that named the chat, for error messages (default `chat`). */
  chatField?: string
  /** HQ v1 `chat.sendMessage`: public groups take the app's message without it joining. */
  groupSend?: boolean
  /** The bot persona the message is sent as (HQ v1 `sender`), already validated. */
  persona?: MessagePersona
  /** The message opens a stream of this kind (its events say `streaming: true`). */
  stream?: StreamKind
}

class IdempotencyRace extends Error {}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function replay(stored: StoredResponse, hash: string): PostResult {
  if (stored.requestHash !== hash) fail('conflict', 'Idempotency-Key: this key was already used with a different request body')
  return JSON.parse(stored.body) as PostResult
}

/**
 * `chat.post`. With an Idempotency-Key, the first successful response is recorded in the same
 * transaction as the message; repeating the request returns that response without posting again,
 * and reusing the key with a different body is 409. Failed requests are not recorded.
 */
export async function postMessage(ctx: Context, principal: Principal, input: PostInput, opts: PostOptions = {}): Promise<PostResult> {
  const content = validateContent(principal, input, true)
  if (input.threadKey !== undefined && input.threadTimestamp !== undefined) {
    fail('invalid_request', 'threadKey: cannot be combined with threadTimestamp')
  }
  if (input.threadKey !== undefined && input.threadKey.length === 0) fail('invalid_request', 'threadKey: must not be empty')
  const key = opts.idempotencyKey
  if (key === undefined) return ctx.db.transaction().execute((tx) => postInTransaction(ctx, tx, principal, input, content, opts))

  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key)) {
    fail('invalid_request', `Idempotency-Key: must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters`)
  }
  const hash = createHash('sha256').update(stableJson(input)).digest('hex')
  const stored = await findIdempotentResponse(ctx.db, principal.credential.id, key)
  if (stored) return replay(stored, hash)
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const result = await postInTransaction(ctx, tx, principal, input, content, opts)
      const saved = await saveIdempotentResponse(tx, principal.credential.id, key, { requestHash: hash, status: 200, body: JSON.stringify(result) }, nowMicros())
      if (!saved) throw new IdempotencyRace()
      return result
    })
  } catch (err) {
    if (!(err instanceof IdempotencyRace)) throw err
    const winner = await findIdempotentResponse(ctx.db, principal.credential.id, key)
    if (!winner) throw new Error('idempotency record vanished')
    return replay(winner, hash)
  }
}

/**
 * A streamed message's start: posted like chat.post (same target, access and thread rules, same
 * events) but with no text yet, inside the caller's transaction, so the stream row is written with it.
 */
export async function postStreamedMessage(
  ctx: Context,
  tx: Executor,
  principal: Principal,
  input: { chat: string; threadTimestamp?: number },
  kind: StreamKind,
  chatField: string,
): Promise<PostResult & { timestamp: number }> {
  const empty: Content = { contentType: 'text', text: '', markdown: true, blocks: null, color: null, poll: null, itemIds: [] }
  const result = await postInTransaction(ctx, tx, principal, { ...input, sync: true }, empty, { chatField, stream: kind })
  return { ...result, timestamp: result.timestamp! }
}

async function postInTransaction(ctx: Context, tx: Executor, principal: Principal, input: PostInput, content: Content, opts: PostOptions): Promise<PostResult> {
  const now = nowMicros()
  const target = await resolvePostTarget(tx, principal, input.chat, now, opts.chatField)
  if (opts.groupSend) requireGroupSend(principal, target.facts)
  else requireChatWrite(principal, target.facts)
  const items = await requireOwnItems(tx, principal, content.itemIds)
  const chatId = target.chat.id
  const direct = target.chat.kind !== 'channel'

  // The parent this message replies to: a channel thread's root, or in DMs the message itself.
  let parent: number | null = null
  if (input.threadTimestamp !== undefined) {
    const message = await findMessage(tx, chatId, input.threadTimestamp)
    if (!message || message.deletedAt !== null) fail('invalid_request', 'threadTimestamp: no message with this timestamp in the chat')
    parent = direct ? message.ts : (message.threadTs ?? message.ts)
  } else if (input.threadKey !== undefined) {
    parent = (await findThreadKey(tx, chatId, authorOf(principal), input.threadKey)) ?? null
  }
  const ts = await allocateMessageTs(tx, chatId, now)
  if (input.threadKey !== undefined && parent === null) {
    const thread = await claimThreadKey(tx, chatId, authorOf(principal), input.threadKey, ts)
    if (thread !== ts) parent = thread
  }

  const mentions = await mentionsIn(tx, principal.orgId, content.text)
  const message = await insertMessage(
    tx,
    {
      chatId,
      ts,
      sender: authorOf(principal),
      threadTs: direct ? null : parent,
      replyTs: direct ? parent : null,
      contentType: content.contentType,
      text: content.text,
      markdown: content.markdown,
      blocks: content.blocks,
      color: content.color,
      poll: content.poll,
      persona: opts.persona ?? null,
      createdAt: now,
    },
    { mentions, itemIds: content.itemIds },
  )

  // A message just written has no reactions yet and carries exactly the items checked above.
  const view = presentMessage(
    target.address,
    message,
    items.map((item) => presentItem(ctx, item)),
    [],
    opts.stream ? { kind: opts.stream, open: true } : undefined,
  )
  const routing = { ...(await baseRouting(tx, target, authorOf(principal))), version: message.version }
  const expanded = expandMentions(mentions, routing.addresses, authorOf(principal))
  const events: NewEvent[] = [
    {
      orgId: principal.orgId,
      type: direct ? 'chat.message.dm' : 'chat.message.channel',
      payload: view,
      routing: { ...routing, mentions: expanded },
      createdAt: now,
    },
  ]
  if (expanded.length > 0) {
    events.push({
      orgId: principal.orgId,
      type: 'chat.message.mention',
      payload: view,
      routing: { ...routing, mentions: expanded, mentionsAll: mentions.includes('all') },
      createdAt: now,
    })
  }
  await insertEvents(tx, events)
  return {
    chat: target.address,
    ...(input.sync || input.threadKey !== undefined ? { timestamp: ts } : {}),
    ...(parent !== null ? { threadTimestamp: parent } : {}),
  }
}

// ---------------------------------------------------------------------------------------------
// chat.history

/** The request field that named the chat, for error messages (default `chat`; v1 says `chatId`). */
export interface ChatFieldOption {
  chatField?: string
}

export interface HistoryInput {
  chat: string
  threadTimestamp?: number
  after?: string
  before?: string
  cursor?: string
  limit: number
}

export interface HistoryPage {
  chat: string
  messages: ChatMessageView[]
  nextCursor?: string
}

/**
 * `chat.history`: newest first, or oldest first when `after` is given. `after` is inclusive and
 * `before` exclusive. Without `threadTimestamp` the chat's top-level messages are returned (DM
 * replies included, as they have no threads); with it, the replies of that thread (the parent
 * itself is not repeated). Deleted messages are left out. The cursor is the key of the last
 * message returned, so paging never skips or repeats a message while others are posted.
 */
export async function chatHistory(ctx: Context, principal: Principal, input: HistoryInput, opts: ChatFieldOption = {}): Promise<HistoryPage> {
  const after = input.after === undefined ? undefined : parseDateParam(input.after)
  if (input.after !== undefined && after === undefined) fail('invalid_request', 'after: must be YYYY-MM-DD or an RFC 3339 date-time')
  const before = input.before === undefined ? undefined : parseDateParam(input.before)
  if (input.before !== undefined && before === undefined) fail('invalid_request', 'before: must be YYYY-MM-DD or an RFC 3339 date-time')
  let cursor: number | undefined
  if (input.cursor !== undefined) {
    if (!/^\d{1,16}$/.test(input.cursor)) fail('invalid_request', 'cursor: is not a cursor returned by chat.history')
    cursor = Number(input.cursor)
  }
  const target = await resolveExistingChat(ctx.db, principal, input.chat, opts.chatField)
  requireChatRead(principal, target.facts)
  if (input.threadTimestamp !== undefined) {
    const parent = await findMessage(ctx.db, target.chat.id, input.threadTimestamp)
    if (!parent) fail('invalid_request', 'threadTimestamp: no message with this timestamp in the chat')
  }
  const rows = await listMessages(ctx.db, {
    chatId: target.chat.id,
    threadTs: input.threadTimestamp ?? null,
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    ascending: after !== undefined,
    limit: input.limit,
  })
  const page = rows.slice(0, input.limit)
  const messages = await presentMessages(ctx, ctx.db, principal.orgId, target.address, page)
  const last = page[page.length - 1]
  return { chat: target.address, messages, ...(rows.length > input.limit && last ? { nextCursor: String(last.ts) } : {}) }
}

// ---------------------------------------------------------------------------------------------
// chat.update / chat.delete

export interface MessageRef {
  chat: string
  timestamp: number
  threadTimestamp?: number
}

export interface MessageRefResult {
  chat: string
  timestamp: number
  threadTimestamp?: number
}

async function ownMessage(tx: Executor, principal: Principal, ref: MessageRef, target: ResolvedChat, includeDeleted: boolean): Promise<Message> {
  const message = await findMessage(tx, target.chat.id, ref.timestamp)
  if (!message || (!includeDeleted && message.deletedAt !== null)) fail('invalid_request', 'timestamp: no message with this timestamp in the chat')
  requireMessageSender(principal, message.sender)
  const thread = message.threadTs ?? message.replyTs
  if (ref.threadTimestamp !== undefined && ref.threadTimestamp !== thread) {
    fail('invalid_request', 'threadTimestamp: the message is not in this thread')
  }
  return message
}

function refResult(target: ResolvedChat, message: Message): MessageRefResult {
  const thread = message.threadTs ?? message.replyTs
  return { chat: target.address, timestamp: message.ts, ...(thread !== null ? { threadTimestamp: thread } : {}) }
}

/** `chat.update`: the sender replaces a message's text/items or blocks; records `chat.message.updated`. */
export async function updateMessage(ctx: Context, principal: Principal, input: MessageRef & ContentInput, opts: ChatFieldOption = {}): Promise<MessageRefResult> {
  if (input.poll !== undefined) fail('invalid_request', 'poll: polls cannot be edited')
  const content = validateContent(principal, input, false)
  return ctx.db.transaction().execute(async (tx) => {
    const target = await resolveExistingChat(tx, principal, input.chat, opts.chatField)
    requireChatWrite(principal, target.facts)
    const existing = await ownMessage(tx, principal, input, target, false)
    if (existing.contentType === 'poll') fail('invalid_request', 'timestamp: polls cannot be edited')
    await requireOwnItems(tx, principal, content.itemIds)
    const message = await editMessage(ctx, tx, principal, target, existing, content, nowMicros())
    return refResult(target, message)
  })
}

/**
 * The edit every path shares (chat.update, a stream's append): the new content with its items and
 * mentions, and `chat.message.updated`, in the caller's transaction. The caller has checked access.
 */
export async function editMessage(ctx: Context, tx: Executor, principal: Principal, target: EventTarget, existing: Message, content: Content, now: number): Promise<Message> {
  // Whoever the message mentioned before hears of the edit too, even one that drops the mention.
  const before = await listMentions(tx, target.chat.id, existing.ts)
  const message = await updateMessageContent(tx, target.chat.id, existing.ts, content, now)
  await replaceMessageItems(tx, target.chat.id, existing.ts, content.itemIds)
  await replaceMentions(tx, target.chat.id, existing.ts, await mentionsIn(tx, principal.orgId, content.text))
  await recordMessageEvent(ctx, tx, principal.orgId, target, message, 'chat.message.updated', authorOf(principal), now, before)
  return message
}

/**
 * Records `chat.message.updated` or `chat.message.deleted` with the message as it now is (for a
 * deletion: its content, with the version the deletion gave it).
 */
export async function recordMessageEvent(
  ctx: Context,
  tx: Executor,
  orgId: string,
  target: EventTarget,
  message: Message,
  type: 'chat.message.updated' | 'chat.message.deleted',
  actor: string,
  now: number,
  mentionedBefore: readonly string[] = [],
): Promise<void> {
  const [view] = await presentMessages(ctx, tx, orgId, target.address, [message])
  const routing = await baseRouting(tx, target, actor)
  // The message's version (after this change) and its mentions, with those an edit removed,
  // decide /v1 `chat.message` deliveries.
  const current = await listMentions(tx, target.chat.id, message.ts)
  const mentions = expandMentions([...new Set([...current, ...mentionedBefore])], routing.addresses, actor)
  await insertEvent(tx, { orgId, type, payload: view, routing: { ...routing, version: message.version, mentions }, createdAt: now })
}

/** `chat.delete`: the sender deletes a message; deleting it again succeeds without a new event. */
export async function deleteMessage(ctx: Context, principal: Principal, input: MessageRef, opts: ChatFieldOption = {}): Promise<MessageRefResult> {
  return ctx.db.transaction().execute(async (tx) => {
    const target = await resolveExistingChat(tx, principal, input.chat, opts.chatField)
    requireChatWrite(principal, target.facts)
    const message = await ownMessage(tx, principal, input, target, true)
    const now = nowMicros()
    const version = await markMessageDeleted(tx, target.chat.id, message.ts, now)
    if (version !== undefined) {
      await recordMessageEvent(ctx, tx, principal.orgId, target, { ...message, version }, 'chat.message.deleted', authorOf(principal), now)
    }
    return refResult(target, message)
  })
}

/** Most thread roots one `/app/chat.threads` request may ask about (two history pages' worth). */
export const THREAD_SUMMARY_MAX = 200

export interface ThreadSummary {
  timestamp: number
  replies: number
  /** Key of the newest live reply; a reply that arrives later over the socket is newer than this. */
  latestReply?: number
}

/**
 * How many live replies each of the given messages' threads holds, for a reader of the chat (the
 * web client shows them under the thread roots it loaded; replies are not in the main history).
 * Keys that are no thread root simply have none.
 */
export async function threadSummaries(ctx: Context, principal: Principal, input: { chat: string; timestamps: readonly number[] }): Promise<{ chat: string; threads: ThreadSummary[] }> {
  if (input.timestamps.length > THREAD_SUMMARY_MAX) fail('invalid_request', `timestamps: must list at most ${THREAD_SUMMARY_MAX} message keys`)
  const target = await resolveExistingChat(ctx.db, principal, input.chat)
  requireChatRead(principal, target.facts)
  const counts = await countThreadReplies(ctx.db, target.chat.id, [...new Set(input.timestamps)])
  return {
    chat: target.address,
    threads: input.timestamps.map((timestamp) => {
      const c = counts.get(timestamp)
      return c ? { timestamp, replies: c.replies, latestReply: c.latest } : { timestamp, replies: 0 }
    }),
  }
}

// ---------------------------------------------------------------------------------------------
// chat.typing, reaction.add

/** `chat.typing`: published on the realtime bus for clients that have the chat open; not stored. */
export async function sendTyping(ctx: Context, principal: Principal, input: { chat: string; threadTimestamp?: number }, opts: ChatFieldOption = {}): Promise<void> {
  const target = await resolveExistingChat(ctx.db, principal, input.chat, opts.chatField)
  requireChatWrite(principal, target.facts)
  if (!ctx.bus) throw new Error('no realtime event bus in this context')
  await ctx.bus.publish({
    type: 'chat.typing',
    orgId: principal.orgId,
    chat: target.address,
    address: authorOf(principal),
    ...(input.threadTimestamp !== undefined ? { threadTimestamp: input.threadTimestamp } : {}),
    at: nowMicros(),
  })
}

/**
 * `reaction.add`: `name` is an emoji shortcode without colons (`thumbs_up`, `100`, `+1`).
 * Reacting again with the same name is a no-op (no second event).
 */
export async function addReaction(ctx: Context, principal: Principal, input: { chat: string; timestamp: number; name: string }): Promise<void> {
  const name = input.name
  if (name.startsWith(':') || name.endsWith(':')) fail('invalid_request', 'name: use the shortcode without colons, e.g. thumbs_up')
  if (name.length === 0 || name.length > MAX_REACTION_NAME) fail('invalid_request', `name: must be 1 to ${MAX_REACTION_NAME} characters`)
  if (!REACTION_NAME.test(name)) fail('invalid_request', 'name: must be an emoji shortcode (letters, digits, _ + - \')')
  await ctx.db.transaction().execute(async (tx) => {
    const target = await resolveExistingChat(tx, principal, input.chat)
    requireChatWrite(principal, target.facts)
    const message = await findMessage(tx, target.chat.id, input.timestamp)
    if (!message || message.deletedAt !== null) fail('invalid_request', 'timestamp: no message with this timestamp in the chat')
    const now = nowMicros()
    const added = await insertReaction(tx, { chatId: target.chat.id, ts: message.ts, name, address: principal.address, createdAt: now })
    if (!added) return
    const users = await userViews(tx, principal.orgId, [principal.address])
    const payload: ReactionView = { chat: target.address, timestamp: message.ts, name, user: users.get(principal.address)! }
    const routing = await baseRouting(tx, target, principal.address)
    await insertEvent(tx, {
      orgId: principal.orgId,
      type: 'chat.message.reaction',
      payload,
      routing: { ...routing, messageSender: message.sender },
      createdAt: now,
    })
  })
}
