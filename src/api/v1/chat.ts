import { Type } from 'typebox'
import { MAX_THREAD_KEY } from '../../actions/messages.js'
import { chatHistoryV1, deleteMessageV1, postMessageV1, sendTypingV1, updateMessageV1 } from '../../actions/v1-chat.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit } from '../../http/schemas.js'
import { ChatMessage, ContentFields, Empty, SEND_SCOPES } from '../v0/chat-schemas.js'
import type { V0App } from '../v0/index.js'

/**
 * The chat methods Roam's 2026 clients call on `/v1`: v0's chat methods with `chatId` for `chat` and
 * bare UUIDs in answers (tagged ids are accepted on input). Personal tokens may call every one of
 * them (Roam's personal agents type, edit and delete too); the actions' membership and sender rules
 * decide the rest, as on v0.
 */

const Id = (description: string) => Type.String({ description: `${description} (a UUID; a tagged id is accepted too)` })

const Ref = Type.Object({
  chatId: Type.String({ description: 'The chat (bare UUID)' }),
  timestamp: Type.Optional(Type.Integer({ description: 'Key of the message, Unix microseconds (with sync)' })),
  threadTimestamp: Type.Optional(Type.Integer({ description: 'Key of the thread the message is in' })),
})

const MessageRefFields = {
  chatId: Id('The chat containing the message'),
  timestamp: Type.Integer({ minimum: 0, description: 'Key of the message' }),
  threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })),
}

const { sender: _sender, chat: _chat, reactions: _reactions, ...messageFields } = ChatMessage.properties
const V1Message = Type.Object(
  {
    ...messageFields,
    userId: Type.String({ description: 'Sender: a person or an app bot (bare UUID)' }),
    chatId: Type.String({ description: 'The chat (bare UUID)' }),
    reactions: Type.Optional(Type.Array(Type.Object({ name: Type.String(), userId: Type.String() }))),
  },
  { description: 'A chat message, keyed by (chatId, timestamp)' },
)

export async function chatRoutesV1(app: V0App): Promise<void> {
  app.post(
    '/chat.post',
    {
      schema: {
        summary: 'Post a message',
        description:
          'Exactly one target: chatId, groupId (its channel) or userIds (the DM or multi-DM with them, started on first use). ' +
          'An Idempotency-Key header makes retries safe.',
        tags: ['Chat'],
        body: Type.Object({
          chatId: Type.Optional(Id('The chat to post to')),
          groupId: Type.Optional(Id("A group: posts to its channel")),
          userIds: Type.Optional(Type.Array(Type.String(), { description: 'People (or bots) to message: their DM or multi-DM with the sender' })),
          ...ContentFields,
          threadTimestamp: Type.Optional(Type.Integer({ minimum: 0, description: 'Reply in the thread of this message' })),
          threadKey: Type.Optional(Type.String({ maxLength: MAX_THREAD_KEY, description: 'Stable external thread key, per sender and chat' })),
          sync: Type.Optional(Type.Boolean({ description: 'Answer with the new message key (timestamp)' })),
        }),
        response: { 200: Ref, ...errorResponses(400, 401, 403, 409, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => {
      const header = request.headers['idempotency-key']
      const idempotencyKey = Array.isArray(header) ? header[0] : header
      return postMessageV1(app.ctx, principalOf(request), request.body, idempotencyKey === undefined ? {} : { idempotencyKey })
    },
  )

  app.get(
    '/chat.history',
    {
      schema: {
        summary: 'Get chat messages',
        description: 'Newest first, or oldest first when after is given. With threadTimestamp: only the replies of that thread.',
        tags: ['Chat'],
        querystring: Type.Object({
          chatId: Id('The chat'),
          threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })),
          after: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339' })),
          before: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339' })),
          cursor: Type.Optional(Cursor),
          limit: Limit(200),
        }),
        response: {
          200: Type.Object({ chatId: Type.String(), messages: Type.Array(V1Message), nextCursor: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: { scopes: [['chat:history']], models: ORG_AND_PERSONAL } },
    },
    async (request) => chatHistoryV1(app.ctx, principalOf(request), request.query),
  )

  app.post(
    '/chat.update',
    {
      schema: {
        summary: 'Update a message',
        description: 'The sender edits one of its own messages: text/items or blocks (+ color).',
        tags: ['Chat'],
        body: Type.Object({ ...MessageRefFields, ...ContentFields }),
        response: { 200: Ref, ...errorResponses(400, 401, 403, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => updateMessageV1(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/chat.delete',
    {
      schema: {
        summary: 'Delete a message',
        description: 'The sender deletes one of its own messages. Deleting it again succeeds.',
        tags: ['Chat'],
        body: Type.Object(MessageRefFields),
        response: { 200: Ref, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => deleteMessageV1(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/chat.typing',
    {
      schema: {
        summary: 'Send a typing indicator',
        description: 'Shown to the chat for about three seconds.',
        tags: ['Chat'],
        body: Type.Object({ chatId: Id('The chat'), threadTimestamp: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: Empty, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => {
      await sendTypingV1(app.ctx, principalOf(request), request.body)
      return {}
    },
  )
}
