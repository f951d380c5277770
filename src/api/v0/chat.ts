import { Type } from 'typebox'
import { listChats } from '../../actions/chats.js'
import { chatHistory, deleteMessage, postMessage, sendTyping, updateMessage, MAX_THREAD_KEY } from '../../actions/messages.js'
import { ORG_AND_PERSONAL, ORG_ONLY, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit, TaggedUUID } from '../../http/schemas.js'
import { ChatMessage, ContentFields, Empty, MessageRefResult, SEND_SCOPES } from './chat-schemas.js'
import type { V0App } from './index.js'

const PostBody = Type.Object({
  chat: Type.Union([Type.String(), Type.Array(Type.String())], {
    description: 'A chat, group, user or bot id, or an array of user ids (the multi-DM among them and the sender)',
  }),
  ...ContentFields,
  poll: Type.Optional(
    Type.Object({
      question: Type.String({ description: '1 to 256 characters' }),
      options: Type.Array(Type.String(), { description: '2 to 20 options, each 1 to 128 characters' }),
      allowMultipleAnswers: Type.Optional(Type.Boolean()),
      closesAt: Type.Optional(Type.String({ description: 'RFC 3339 date-time' })),
    }),
  ),
  threadTimestamp: Type.Optional(Type.Integer({ minimum: 0, description: 'Reply in the thread of this message' })),
  threadKey: Type.Optional(Type.String({ maxLength: MAX_THREAD_KEY, description: 'Stable external thread key, per sender and chat' })),
  sync: Type.Optional(Type.Boolean()),
})

const ChatSummary = Type.Object({
  id: TaggedUUID,
  started: Type.String({ format: 'date-time' }),
  name: Type.String(),
  group: Type.Optional(TaggedUUID),
})

const MessageRefBody = {
  chat: Type.String({ description: 'Tagged id of the chat (or its group) containing the message' }),
  timestamp: Type.Integer({ minimum: 0 }),
  threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })),
}

export default async function chatRoutes(app: V0App): Promise<void> {
  app.post(
    '/chat.post',
    {
      schema: {
        summary: 'Post to a chat',
        description:
          'Post text, Block Kit or a poll to a chat, a group, a user or bot (their DM) or several users (their multi-DM). ' +
          'Organization tokens post as the app bot, which must be a member of the chat or group (public groups too); ' +
          'personal tokens post as the user. An Idempotency-Key header makes retries safe.',
        tags: ['Chat'],
        body: PostBody,
        response: { 200: MessageRefResult, ...errorResponses(400, 401, 403, 409, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => {
      const header = request.headers['idempotency-key']
      const idempotencyKey = Array.isArray(header) ? header[0] : header
      return postMessage(app.ctx, principalOf(request), request.body, idempotencyKey === undefined ? {} : { idempotencyKey })
    },
  )

  app.get(
    '/chat.history',
    {
      schema: {
        summary: 'Get chat messages',
        description: 'Newest first, or oldest first when after is given (after inclusive, before exclusive).',
        tags: ['Chat'],
        querystring: Type.Object({
          chat: Type.String({ description: 'Chat id (C-, D-, M-) or group id (G-)' }),
          threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })),
          after: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339' })),
          before: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339' })),
          cursor: Type.Optional(Cursor),
          limit: Limit(200),
        }),
        response: {
          200: Type.Object({ chat: TaggedUUID, messages: Type.Array(ChatMessage), nextCursor: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: { scopes: [['chat:history']], models: ORG_AND_PERSONAL } },
    },
    async (request) => chatHistory(app.ctx, principalOf(request), request.query),
  )

  app.get(
    '/chat.list',
    {
      schema: {
        summary: 'List chats',
        description: "Chats the bot takes part in plus every public group's channel, newest-started first.",
        tags: ['Chat'],
        querystring: Type.Object({ limit: Limit(100), cursor: Type.Optional(Cursor) }),
        response: { 200: Type.Object({ chats: Type.Array(ChatSummary), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['chat:read']], models: ORG_ONLY } },
    },
    async (request) => listChats(app.ctx, principalOf(request), request.query),
  )

  app.post(
    '/chat.typing',
    {
      schema: {
        summary: 'Send a typing indicator',
        tags: ['Chat'],
        body: Type.Object({ chat: TaggedUUID, threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: Empty, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_ONLY } },
    },
    async (request) => {
      await sendTyping(app.ctx, principalOf(request), request.body)
      return {}
    },
  )

  app.post(
    '/chat.update',
    {
      schema: {
        summary: 'Update a message',
        description: 'The bot edits one of its own messages: text/items or blocks (+ color).',
        tags: ['Chat'],
        body: Type.Object({ ...MessageRefBody, ...ContentFields }),
        response: { 200: MessageRefResult, ...errorResponses(400, 401, 403, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_ONLY } },
    },
    async (request) => updateMessage(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/chat.delete',
    {
      schema: {
        summary: 'Delete a message',
        description: 'The bot deletes one of its own messages. Deleting it again succeeds.',
        tags: ['Chat'],
        body: Type.Object(MessageRefBody),
        response: { 200: MessageRefResult, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_ONLY } },
    },
    async (request) => deleteMessage(app.ctx, principalOf(request), request.body),
  )
}
