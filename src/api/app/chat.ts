import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { inbox, pollResults, readChat, votePoll } from '../../actions/inbox.js'
import { ITEM_CONTENT_TYPES, MAX_ITEM_BYTES, uploadItem } from '../../actions/items.js'
import { addReaction, deleteMessage, sendTyping, THREAD_SUMMARY_MAX, threadSummaries, updateMessage } from '../../actions/messages.js'
import type { Context } from '../../context.js'
import { ACCOUNT, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { ChatItem } from '../v0/chat-schemas.js'

/**
 * Chat for a signed-in person, where v0 has no personal-token method: the sidebar (chats with
 * unread counts), read markers, typing, editing and deleting one's own messages, reactions, file
 * uploads, poll votes. These call the same actions as v0's chat.typing / chat.update / chat.delete /
 * reaction.add / item.upload (organization access only there), as the user.
 */
const Ref = { chat: Type.String({ minLength: 3, maxLength: 64 }), timestamp: Type.Integer({ minimum: 0 }) }
const Tally = Type.Object({ counts: Type.Record(Type.String(), Type.Integer()), mine: Type.Array(Type.String()) })

export async function appChatRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()

  typed.get(
    '/chats.list',
    {
      schema: {
        hide: true,
        response: {
          200: Type.Object({
            chats: Type.Array(
              Type.Object({
                id: Type.String(),
                group: Type.Union([Type.String(), Type.Null()]),
                kind: Type.Union([Type.Literal('channel'), Type.Literal('dm'), Type.Literal('multi')]),
                name: Type.String(),
                participants: Type.Array(Type.String()),
                unread: Type.Integer(),
                lastTs: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => ({ chats: await inbox(ctx, principalOf(request)) }),
  )

  typed.post(
    '/chat.threads',
    {
      schema: {
        hide: true,
        body: Type.Object(
          {
            chat: Ref.chat,
            // Message keys are microseconds: within a safe integer (and PostgreSQL's bigint).
            timestamps: Type.Array(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: THREAD_SUMMARY_MAX }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            chat: Type.String(),
            threads: Type.Array(Type.Object({ timestamp: Type.Integer(), replies: Type.Integer(), latestReply: Type.Optional(Type.Integer()) })),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => threadSummaries(ctx, principalOf(request), request.body),
  )

  typed.post(
    '/chat.read',
    { schema: { hide: true, body: Type.Object(Ref, { additionalProperties: false }), response: { 200: Type.Object({}), ...errorResponses(400, 401, 403) } }, config: { auth: ACCOUNT } },
    async (request) => {
      await readChat(ctx, principalOf(request), request.body)
      return {}
    },
  )

  typed.post(
    '/chat.typing',
    {
      schema: {
        hide: true,
        body: Type.Object({ chat: Ref.chat, threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({}), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      await sendTyping(ctx, principalOf(request), request.body)
      return {}
    },
  )

  typed.post(
    '/chat.update',
    {
      schema: {
        hide: true,
        body: Type.Object({ ...Ref, text: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ chat: Type.String(), timestamp: Type.Optional(Type.Integer()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => updateMessage(ctx, principalOf(request), request.body),
  )

  typed.post(
    '/chat.delete',
    {
      schema: { hide: true, body: Type.Object(Ref, { additionalProperties: false }), response: { 200: Type.Object({ chat: Type.String(), timestamp: Type.Optional(Type.Integer()) }), ...errorResponses(400, 401, 403) } },
      config: { auth: ACCOUNT },
    },
    async (request) => deleteMessage(ctx, principalOf(request), request.body),
  )

  typed.post(
    '/reaction.add',
    {
      schema: {
        hide: true,
        body: Type.Object({ ...Ref, name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({}), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      await addReaction(ctx, principalOf(request), request.body)
      return {}
    },
  )

  // Raw file bytes, as v0's item.upload takes them (its own scope reads every content type as bytes).
  await typed.register(async (scoped) => {
    scoped.removeAllContentTypeParsers()
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_ITEM_BYTES }, (_request, body, done) => done(null, body))
    scoped.post(
      '/item.upload',
      {
        bodyLimit: MAX_ITEM_BYTES,
        schema: { hide: true, description: `Raw bytes (${ITEM_CONTENT_TYPES.join(', ')}) named by Content-Disposition`, response: { 200: ChatItem, ...errorResponses(400, 401, 403, 413, 415) } },
        config: { auth: ACCOUNT },
      },
      async (request) => {
        const type = request.headers['content-type']
        return uploadItem(ctx, principalOf(request), {
          contentType: type ? type.split(';')[0]!.trim().toLowerCase() : undefined,
          contentDisposition: request.headers['content-disposition'],
          bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        })
      },
    )
  })

  typed.post(
    '/poll.results',
    { schema: { hide: true, body: Type.Object(Ref, { additionalProperties: false }), response: { 200: Tally, ...errorResponses(400, 401, 403, 404) } }, config: { auth: ACCOUNT } },
    async (request) => pollResults(ctx, principalOf(request), request.body),
  )

  typed.post(
    '/poll.vote',
    {
      schema: {
        hide: true,
        body: Type.Object({ ...Ref, options: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 }) }, { additionalProperties: false }),
        response: { 200: Tally, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => votePoll(ctx, principalOf(request), request.body),
  )
}
