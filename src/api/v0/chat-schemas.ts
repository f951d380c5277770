import { Type } from 'typebox'
import { TaggedUUID } from '../../http/schemas.js'

/** Wire shapes shared by the chat, item and reaction routes (chat.json components). */

export const ChatItem = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID identifying this item' }),
    type: Type.Union([Type.Literal('photo'), Type.Literal('blob')]),
    mime: Type.Optional(Type.String()),
    created: Type.String({ format: 'date-time' }),
    name: Type.String(),
    url: Type.String({ format: 'uri' }),
    thumbnail: Type.Optional(Type.String({ format: 'uri' })),
    size: Type.Optional(Type.Integer()),
    width: Type.Optional(Type.Integer()),
    height: Type.Optional(Type.Integer()),
  },
  { description: 'An uploaded file (attachment)' },
)

export const UserRef = Type.Object({
  id: TaggedUUID,
  name: Type.String(),
  imageUrl: Type.Optional(Type.String({ format: 'uri' })),
})

export const Reaction = Type.Object(
  {
    chat: TaggedUUID,
    timestamp: Type.Integer({ description: 'Key of the message that was reacted to' }),
    name: Type.String(),
    user: UserRef,
  },
  { description: 'A reaction added to a chat message' },
)

export const ChatMessage = Type.Object(
  {
    type: Type.Literal('message'),
    contentType: Type.Union([Type.Literal('text'), Type.Literal('block'), Type.Literal('voice'), Type.Literal('poll')]),
    sender: TaggedUUID,
    chat: TaggedUUID,
    timestamp: Type.Integer({ description: 'Key of the message within the chat, as Unix microseconds' }),
    threadTimestamp: Type.Optional(Type.Integer()),
    replyTimestamp: Type.Optional(Type.Integer()),
    text: Type.Optional(Type.String()),
    items: Type.Optional(Type.Array(ChatItem)),
    blocks: Type.Optional(Type.Array(Type.Unknown())),
    color: Type.Optional(Type.String()),
    poll: Type.Optional(
      Type.Object({
        question: Type.String(),
        options: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })),
        allowMultipleAnswers: Type.Boolean(),
        closesAt: Type.Optional(Type.String({ format: 'date-time' })),
      }),
    ),
    reactions: Type.Optional(Type.Array(Reaction)),
    streaming: Type.Optional(Type.Boolean({ description: 'Atrium: on a streamed message (/v1/chat.startStream), true while its stream is open' })),
    thinking: Type.Optional(Type.Boolean({ description: "Atrium: a streamed message of kind thinking (the sender's reasoning)" })),
  },
  { description: 'A chat message, keyed by (chat, timestamp)' },
)

/** `{chat, timestamp?, threadTimestamp?}`: what chat.post, chat.update and chat.delete answer. */
export const MessageRefResult = Type.Object({
  chat: TaggedUUID,
  timestamp: Type.Optional(Type.Integer()),
  threadTimestamp: Type.Optional(Type.Integer()),
})

export const Empty = Type.Object({})

/** The content of a message (chat.post, chat.update; v0 and v1 alike). */
export const ContentFields = {
  text: Type.Optional(Type.String({ description: 'Markdown text, at most 8,000 bytes of UTF-8. Required unless blocks (or poll) is given.' })),
  markdown: Type.Optional(Type.Boolean({ description: 'false disables markdown interpretation of text' })),
  items: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { description: 'Item ids from item.upload' })),
  blocks: Type.Optional(Type.Array(Type.Unknown(), { description: 'Block Kit blocks (at most 10, 8,000 bytes)' })),
  color: Type.Optional(Type.String({ description: 'good, warning, danger or #RRGGBB; only with blocks' })),
}

export const SEND_SCOPES = [['chat:send_message'], ['chat:write']]
