import { Type } from 'typebox'
import { appendStream, startStream, stopStream } from '../../actions/streams.js'
import { MAX_TEXT_BYTES } from '../../actions/messages.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { SEND_SCOPES } from '../v0/chat-schemas.js'
import type { V0App } from '../v0/index.js'

/**
 * Streamed messages (actions/streams.ts): `chat.startStream` posts an empty message and opens its
 * stream, `chat.appendStream` grows it, `chat.stopStream` finishes it. Same scopes and callers as
 * v1 chat.post; only the credential identity that started a stream may append to or stop it.
 */

const StreamRef = Type.Object({
  streamId: Type.String({ description: 'The stream (a UUID)' }),
  chatId: Type.String({ description: 'The chat the message is in (bare UUID)' }),
  timestamp: Type.Integer({ description: "Key of the streamed message (Unix microseconds); Atrium's addition" }),
  threadTimestamp: Type.Optional(Type.Integer({ description: 'Key of the thread the message is in' })),
})

const StreamId = Type.String({ description: 'The streamId chat.startStream answered' })

export async function streamRoutesV1(app: V0App): Promise<void> {
  app.post(
    '/chat.startStream',
    {
      schema: {
        summary: 'Start a streamed message',
        description:
          'Posts a message with no text yet (as chat.post would: membership, thread and scope rules) and opens a stream to grow it. ' +
          'kind "thinking" marks the message as the sender\'s reasoning. A stream with no append for ATRIUM_STREAM_TIMEOUT_MS is finished by the server.',
        tags: ['Chat'],
        body: Type.Object({
          chatId: Type.String({ description: 'The chat to post to (a UUID; a tagged id is accepted too)' }),
          kind: Type.Union([Type.Literal('text'), Type.Literal('thinking')], { description: 'text: an answer; thinking: reasoning' }),
          threadTimestamp: Type.Optional(Type.Integer({ minimum: 0, description: 'Reply in the thread of this message' })),
        }),
        response: { 200: StreamRef, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => startStream(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/chat.appendStream',
    {
      schema: {
        summary: 'Add text to a streamed message',
        description: `Adds text to the message (an edit: chat.message.updated), or with snapshot: true replaces its text. The message stays within ${MAX_TEXT_BYTES} bytes of UTF-8 (413 otherwise, the stream unchanged).`,
        tags: ['Chat'],
        body: Type.Object({
          streamId: StreamId,
          text: Type.String({ description: 'Text to add (not empty)' }),
          snapshot: Type.Optional(Type.Boolean({ description: 'text is the whole message so far, replacing what was sent' })),
        }),
        response: { 200: StreamRef, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => appendStream(app.ctx, principalOf(request), request.body),
  )

  app.post(
    '/chat.stopStream',
    {
      schema: {
        summary: 'Finish a streamed message',
        description: 'Finishes the stream (after adding text, if given); the message is an ordinary message from then on. Stopping again answers the same. A stream that never got text leaves no message: it is deleted.',
        tags: ['Chat'],
        body: Type.Object({
          streamId: StreamId,
          text: Type.Optional(Type.String({ description: 'Last text to add before finishing' })),
        }),
        response: { 200: StreamRef, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_AND_PERSONAL } },
    },
    async (request) => stopStream(app.ctx, principalOf(request), request.body),
  )
}
