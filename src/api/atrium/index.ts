import type { FastifyInstance } from 'fastify'
import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { searchMessages, SEARCH_QUERY_LIMITS } from '../../actions/search.js'
import type { Context } from '../../context.js'
import { ORG_AND_PERSONAL, principalOf, type RouteAuth } from '../../http/auth.js'
import { Cursor, errorResponses, Limit, TaggedUUID } from '../../http/schemas.js'

/**
 * Atrium's own extensions of the chat API, under /atrium (not part of Roam's API, so an
 * integration that uses them no longer runs unchanged against Roam). Credentials are those of
 * v0 (organization keys, personal tokens, OAuth tokens, with scopes) plus the web client's
 * signed-in session, which acts as the person with the scopes a session holds on v0.
 */

/** `chat:read` for tokens; the signed-in session of the web client. */
const CHAT_READ: RouteAuth = { scopes: [['chat:read']], models: ORG_AND_PERSONAL, session: 'allow' }

const Range = Type.Object({
  start: Type.Integer({ minimum: 0, description: 'Offset of the first highlighted UTF-16 code unit of the snippet' }),
  end: Type.Integer({ minimum: 0, description: 'Offset just past the last highlighted code unit (exclusive)' }),
})

const SearchHit = Type.Object({
  chat: TaggedUUID,
  timestamp: Type.Integer({ description: 'The message key (µs): open it with chat.history around this key' }),
  sender: Type.String({ description: 'U- or B- id of the sender' }),
  threadTimestamp: Type.Optional(Type.Integer({ description: 'The thread the message is a reply in' })),
  snippet: Type.String({ description: 'Plain text around the first match (white space flattened, … where cut); never markup' }),
  highlights: Type.Array(Range, { description: 'Matched words in the snippet, in order; render them over escaped text' }),
})

export async function atriumRoutes(instance: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/search.messages',
    {
      schema: {
        summary: 'Search messages (Atrium extension)',
        description:
          "Not part of Roam's API. Full-text search over the messages the caller may read (the chats chat.history would return for it), newest first by message key. " +
          'Words are letters and digits; every word must occur and the last also matches as a prefix. Case and accents are ignored; quotes, operators and other characters only separate words. ' +
          'Text messages, the visible text of Block Kit messages and poll questions and options are searched; deleted messages never are, edited ones by their current text.',
        tags: ['Search'],
        querystring: Type.Object({
          query: Type.String({ minLength: 1, maxLength: SEARCH_QUERY_LIMITS.length, description: `1 to ${SEARCH_QUERY_LIMITS.length} characters with 1 to ${SEARCH_QUERY_LIMITS.words} distinct words` }),
          chat: Type.Optional(Type.String({ description: 'Only this chat: a chat id (C-, D-, M-) or group id (G-)' })),
          from: Type.Optional(Type.String({ description: 'Only messages sent by this user (U-) or bot (B-)' })),
          hasFile: Type.Optional(Type.Boolean({ description: 'true: only messages with attached files; false: only messages without' })),
          after: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339; messages at or after it' })),
          before: Type.Optional(Type.String({ description: 'YYYY-MM-DD or RFC 3339; messages before it' })),
          cursor: Type.Optional(Cursor),
          limit: Limit(50, 20),
        }),
        response: {
          200: Type.Object({ messages: Type.Array(SearchHit), nextCursor: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: CHAT_READ },
    },
    async (request) => searchMessages(opts.ctx, principalOf(request), request.query),
  )
}
