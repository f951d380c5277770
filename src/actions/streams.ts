import { requireChatWrite } from '../access.js'
import type { Context } from '../context.js'
import { authorOf, type Message, type Principal } from '../domain.js'
import { fail } from '../errors.js'
import { isUuid, newId, parseTagged } from '../ids.js'
import type { Executor } from '../store/db.js'
import { findChat } from '../store/repos/chats.js'
import { findGroupByChat } from '../store/repos/groups.js'
import { bumpMessageVersion, findMessage, markMessageDeleted } from '../store/repos/messages.js'
import { claimOpenStream, findStream, finishStream, insertStream, listIdleStreams, type MessageStream, type StreamKind } from '../store/repos/streams.js'
import { nowMicros } from '../time.js'
import { chatAddress, resolveExistingChat } from './chats.js'
import { editMessage, MAX_TEXT_BYTES, postStreamedMessage, recordMessageEvent, type EventTarget } from './messages.js'
import { chatTarget } from './v1-chat.js'

/**
 * Streamed messages (Roam's `/v1/chat.startStream`, `appendStream`, `stopStream`): an agent posts a
 * message at once and grows it while it writes. The message is an ordinary message from the start
 * (key, place in its chat and thread, `chat.message.*` events), created with empty text; each append
 * is an edit of it through the edit path chat.update uses (`chat.message.updated`), so browsers see
 * it grow and webhook subscribers get edits. The stream itself is a row (`message_streams`) in the
 * database, not process memory: any process serves any call, appends to one stream queue on its
 * row, and a stream nobody appends to for `ATRIUM_STREAM_TIMEOUT_MS` is finished by the sweep.
 */

export interface StartStreamInput {
  chatId: string
  kind: StreamKind
  threadTimestamp?: number
}

export interface StreamRef {
  streamId: string
  chatId: string
  timestamp: number
  threadTimestamp?: number
}

const untag = (address: string): string => address.slice(2)

/** `chat.startStream`: posts the (empty) message as chat.post would, and opens its stream. */
export async function startStream(ctx: Context, principal: Principal, input: StartStreamInput): Promise<StreamRef> {
  const chat = await chatTarget(ctx, principal, input.chatId, 'chatId')
  return ctx.db.transaction().execute(async (tx) => {
    const posted = await postStreamedMessage(
      ctx,
      tx,
      principal,
      { chat, ...(input.threadTimestamp !== undefined ? { threadTimestamp: input.threadTimestamp } : {}) },
      input.kind,
      'chatId',
    )
    const chatId = untag(posted.chat)
    const stream = await insertStream(tx, { id: newId(), orgId: principal.orgId, chatId, ts: posted.timestamp, owner: authorOf(principal), kind: input.kind, createdAt: nowMicros() })
    return { streamId: stream.id, chatId, timestamp: posted.timestamp, ...(posted.threadTimestamp !== undefined ? { threadTimestamp: posted.threadTimestamp } : {}) }
  })
}

function requireStreamId(value: string): string {
  // The stream id is a UUID; a tagged spelling is not a thing streams have, but is tolerated like chat ids.
  const id = parseTagged(value)?.uuid ?? value
  if (!isUuid(id)) fail('invalid_request', 'streamId: must be a stream id returned by chat.startStream (a UUID)')
  return id
}

/** The caller's own stream, or 404 (someone else's stream is reported as no stream at all). */
async function ownStream(tx: Executor, principal: Principal, streamId: string): Promise<MessageStream> {
  const stream = await findStream(tx, principal.orgId, requireStreamId(streamId))
  if (!stream || stream.owner !== authorOf(principal)) fail('not_found', 'streamId: no such stream')
  return stream
}

const finishedProblem = 'streamId: the stream has been stopped; start a new stream to post more'

function streamRef(stream: MessageStream, message: Message | undefined): StreamRef {
  const thread = message ? (message.threadTs ?? message.replyTs) : null
  return { streamId: stream.id, chatId: stream.chatId, timestamp: stream.ts, ...(thread !== null ? { threadTimestamp: thread } : {}) }
}

/**
 * One append inside the caller's transaction, on a stream it has claimed: `text` is added to the
 * message (or replaces it, with `snapshot`). Over the 8,000-byte text limit is 413 and the caller's
 * transaction rolls back, leaving the stream as it was.
 */
async function appendInTransaction(ctx: Context, tx: Executor, principal: Principal, stream: MessageStream, text: string, snapshot: boolean, now: number): Promise<Message> {
  const chat = await findChat(tx, principal.orgId, stream.chatId)
  if (!chat) throw new Error(`chat ${stream.chatId} of stream ${stream.id} vanished`)
  const target = await resolveExistingChat(tx, principal, chatAddress(chat), 'chatId')
  // The owner may have lost the chat since the start (removed from the group, group archived).
  requireChatWrite(principal, target.facts)
  const existing = await findMessage(tx, stream.chatId, stream.ts)
  if (!existing || existing.deletedAt !== null) fail('conflict', 'streamId: the streamed message has been deleted')
  const next = snapshot ? text : (existing.text ?? '') + text
  const bytes = Buffer.byteLength(next, 'utf8')
  if (bytes > MAX_TEXT_BYTES) {
    fail('payload_too_large', `text: the streamed message would be ${bytes} bytes as UTF-8; a message is at most ${MAX_TEXT_BYTES}`)
  }
  const content = { contentType: 'text' as const, text: next, markdown: existing.markdown, blocks: null, color: null, poll: null, itemIds: [] }
  return editMessage(ctx, tx, principal, target, existing, content, now)
}

export interface AppendStreamInput {
  streamId: string
  text: string
  /** Replace the message's text with `text` instead of adding to it. */
  snapshot?: boolean
}

/** `chat.appendStream`: the owner adds `text` to the streamed message (an edit, seen live). */
export async function appendStream(ctx: Context, principal: Principal, input: AppendStreamInput): Promise<StreamRef> {
  if (input.text.length === 0) fail('invalid_request', 'text: must not be empty')
  return ctx.db.transaction().execute(async (tx) => {
    const found = await ownStream(tx, principal, input.streamId)
    if (found.finishedAt !== null) fail('conflict', finishedProblem)
    const now = nowMicros()
    const stream = await claimOpenStream(tx, found.id, now)
    if (!stream) fail('conflict', finishedProblem)
    const message = await appendInTransaction(ctx, tx, principal, stream, input.text, input.snapshot ?? false, now)
    return streamRef(stream, message)
  })
}

export interface StopStreamInput {
  streamId: string
  /** Last text to add before the stream finishes. */
  text?: string
}

/**
 * `chat.stopStream`: the owner finishes the stream (optionally adding a last `text`). Stopping a
 * finished stream answers the same again. A stream that never got any text leaves no empty
 * message behind: the message is withdrawn (deleted).
 */
export async function stopStream(ctx: Context, principal: Principal, input: StopStreamInput): Promise<StreamRef> {
  return ctx.db.transaction().execute(async (tx) => {
    const found = await ownStream(tx, principal, input.streamId)
    const now = nowMicros()
    const stream = found.finishedAt === null ? await claimOpenStream(tx, found.id, now) : undefined
    if (!stream) return streamRef(found, await findMessage(tx, found.chatId, found.ts))
    if (input.text !== undefined && input.text.length > 0) await appendInTransaction(ctx, tx, principal, stream, input.text, false, now)
    await finishStream(tx, stream.id, now)
    const message = await announceFinish(ctx, tx, stream, authorOf(principal), now)
    return streamRef(stream, message)
  })
}

/**
 * After a stream finished (in this transaction): tells the chat it is final, with one
 * `chat.message.updated` carrying `streaming: false`; a message that never got text is deleted instead.
 */
async function announceFinish(ctx: Context, tx: Executor, stream: MessageStream, actor: string, now: number): Promise<Message | undefined> {
  const message = await findMessage(tx, stream.chatId, stream.ts)
  const chat = await findChat(tx, stream.orgId, stream.chatId)
  if (!message || !chat || message.deletedAt !== null) return message
  const target: EventTarget = { chat, address: chatAddress(chat), group: chat.kind === 'channel' ? await findGroupByChat(tx, chat.id) : undefined }
  if ((message.text ?? '') === '') {
    const version = await markMessageDeleted(tx, chat.id, message.ts, now)
    if (version !== undefined) await recordMessageEvent(ctx, tx, stream.orgId, target, { ...message, version }, 'chat.message.deleted', actor, now)
    return message
  }
  // Finishing is a change of its own (a new version): webhook subscribers learn the message is final.
  const final = (await bumpMessageVersion(tx, chat.id, message.ts)) ?? message
  await recordMessageEvent(ctx, tx, stream.orgId, target, final, 'chat.message.updated', actor, now)
  return final
}

const SWEEP_BATCH = 200

/**
 * Finishes streams with no append for `ATRIUM_STREAM_TIMEOUT_MS` before `now` (µs), as stopStream
 * would. Each is finished by a conditional UPDATE in its own transaction, so processes sweeping
 * together finish each once, and an append that arrived meanwhile keeps its stream open.
 */
export async function sweepAbandonedStreams(ctx: Context, now: number): Promise<number> {
  const idleBefore = now - ctx.config.limits.streamTimeoutMs * 1000
  let finished = 0
  for (;;) {
    const idle = await listIdleStreams(ctx.db, idleBefore, SWEEP_BATCH)
    let progressed = 0
    for (const stream of idle) {
      const won = await ctx.db.transaction().execute(async (tx) => {
        if (!(await finishStream(tx, stream.id, now, idleBefore))) return false
        await announceFinish(ctx, tx, stream, stream.owner, now)
        return true
      })
      if (won) progressed++
    }
    finished += progressed
    if (idle.length < SWEEP_BATCH || progressed === 0) return finished
  }
}
