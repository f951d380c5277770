import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import { createRoom, HISTORY_MAX_LIMIT, listRooms, ROOM_KEY_MAX, ROOM_NAME_MAX, roomHistory } from '../../actions/roomlio.js'
import type { Context } from '../../context.js'
import { AppError, type ErrorCode } from '../../errors.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { MalformedBodyError, toAppError } from '../../http/errors.js'
import type { V0App } from '../v0/index.js'

/**
 * The Roomlio Web API: RPC over HTTP. Every call is a POST with a JSON body to
 * `/rpc/WebAPI/<Method>` (also `/rpc/<Method>`), authenticated with an organization API key as
 * Bearer token; success is always 200 with a JSON body.
 *
 * Errors carry an HTTP status of the right class and a body `{"code": "...", "message": "..."}`:
 *
 * | code                 | status      | when                                                            |
 * |----------------------|-------------|-----------------------------------------------------------------|
 * | `invalid_argument`   | 400         | a parameter is missing, malformed or out of range (named first)  |
 * | `malformed`          | 400/413/415 | the body is not a JSON object, too large, or not `application/json` |
 * | `unauthenticated`    | 401         | missing or invalid Bearer key                                   |
 * | `permission_denied`  | 403         | the key lacks the scope, is not an organization key, or the room is private |
 * | `not_found`          | 404         | no such room, or no such method                                  |
 * | `bad_route`          | 405         | a method called with another HTTP verb than POST (`Allow: POST`) |
 * | `already_exists`     | 409         | RoomCreate with a roomKey already in use                         |
 * | `resource_exhausted` | 429         | rate limited (`Retry-After` says when to retry)                  |
 * | `internal`           | 500         | a server fault (logged in full; the message is generic)          |
 * | `unavailable`        | 503         | the server is not ready                                          |
 */

const roomlioCodes: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'invalid_argument',
  invalid_auth: 'unauthenticated',
  token_revoked: 'unauthenticated',
  not_authed: 'unauthenticated',
  missing_scope: 'permission_denied',
  access_mode_not_supported: 'permission_denied',
  forbidden: 'permission_denied',
  not_found: 'not_found',
  method_not_allowed: 'bad_route',
  conflict: 'already_exists',
  payload_too_large: 'malformed',
  unsupported_media_type: 'malformed',
  ratelimited: 'resource_exhausted',
  internal: 'internal',
  unavailable: 'unavailable',
}

/** Codes for catalogue entries without an explicit mapping, by status class. */
function codeForStatus(status: number): string {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'permission_denied'
  if (status === 404) return 'not_found'
  if (status === 409) return 'already_exists'
  if (status === 429) return 'resource_exhausted'
  if (status >= 500) return 'internal'
  return 'invalid_argument'
}

/** Fastify's body-parsing failures: the request is not a JSON object at all. */
const malformedBodies = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY'])

function sendRoomlioError(reply: FastifyReply, err: AppError, code?: string): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  return reply
    .code(err.status)
    .type('application/json; charset=utf-8')
    .send({ code: code ?? roomlioCodes[err.code] ?? codeForStatus(err.status), message: err.message })
}

const RoomlioError = Type.Object(
  {
    code: Type.String({ description: 'Stable error code: invalid_argument, malformed, unauthenticated, permission_denied, not_found, bad_route, already_exists, resource_exhausted, internal, unavailable' }),
    message: Type.String({ description: 'What went wrong, naming the parameter' }),
  },
  { $id: 'RoomlioError' },
)

const errors = (...statuses: number[]): Record<number, TSchema> => Object.fromEntries(statuses.map((s) => [s, Type.Ref('RoomlioError')]))

/** Optional string parameter: absent, null and "" mean "not given", as in protobuf JSON. */
const OptString = (description: string, maxLength = 512) => Type.Optional(Type.String({ maxLength, description }))

const RoomRefProps = {
  roomID: OptString('The Roomlio room id (rm_…). Use this or roomKey.'),
  roomKey: OptString('Your own room identifier. Use this or roomID.'),
}

const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_MAX_LIMIT, description: `Number of results, default 100, maximum ${HISTORY_MAX_LIMIT}` })),
  startCursor: OptString('Start at this id (included): the nextCursor of the previous response'),
}

const Link = Type.Object({
  id: Type.String({ description: 'lnk_…' }),
  type: Type.Literal('image'),
  url: Type.String(),
})

const Message = Type.Object({
  id: Type.String({ description: 'msg_…' }),
  userID: Type.String({ description: 'usr_…' }),
  visibility: Type.String(),
  username: Type.String(),
  first: Type.String(),
  last: Type.String(),
  userType: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('embed'), Type.Literal('embed_insecure')]),
  body: Type.String(),
  messageType: Type.Union([Type.Literal('user'), Type.Literal('offline'), Type.Literal('system')]),
  links: Type.Array(Link),
  roomID: Type.String(),
  roomName: Type.String(),
  createdAt: Type.String(),
  editedAt: Type.String({ description: '0001-01-01T00:00:00Z when never edited' }),
})

const Room = Type.Object({
  id: Type.String({ description: 'rm_…' }),
  roomKey: Type.String({ description: 'Your room identifier; empty when the room has none' }),
  name: Type.String(),
  groupId: Type.String({ description: 'The Atrium group (G-…) behind the room' }),
  chatId: Type.String({ description: "The group's channel chat (C-…), for the Roam API" }),
  archived: Type.Boolean(),
  createdAt: Type.String(),
})

/** RPC method paths are served under both `/rpc/WebAPI/<Method>` and `/rpc/<Method>`. */
const METHODS = ['RoomHistory', 'RoomCreate', 'RoomList'] as const
const methodPath = /^\/rpc\/(?:WebAPI\/)?([A-Za-z]+)\/?$/

export async function roomlioRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>() as V0App
  typed.decorate('ctx', opts.ctx)
  typed.addSchema(RoomlioError)

  typed.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof MalformedBodyError) return sendRoomlioError(reply, err, 'malformed')
    if (!(err instanceof AppError) && malformedBodies.has(err.code)) {
      return sendRoomlioError(reply, new AppError('invalid_request', `body: ${err.message}`), 'malformed')
    }
    return sendRoomlioError(reply, toAppError(err, request))
  })

  // Protobuf JSON semantics: a parameter sent as null is a parameter not sent.
  typed.addHook('preValidation', async (request) => {
    const body = request.body
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) if (value === null) delete (body as Record<string, unknown>)[key]
    }
  })

  app.errorSenders.set(`${app.prefix}/`, (reply, err) => sendRoomlioError(reply, err))
  typed.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/'
    const method = methodPath.exec(path)?.[1]
    if (method && (METHODS as readonly string[]).includes(method)) {
      reply.header('allow', 'POST')
      return sendRoomlioError(reply, new AppError('method_not_allowed', `${method} must be called with POST, not ${request.method}`))
    }
    return sendRoomlioError(reply, new AppError('not_found', `no such method: ${path}`))
  })

  for (const prefix of ['/WebAPI', '']) {
    typed.post(
      `${prefix}/RoomHistory`,
      {
        schema: {
          summary: "A room's messages, a page at a time from a cursor or an instant",
          body: Type.Object({
            ...RoomRefProps,
            ...Paging,
            since: OptString('ISO 8601 instant (YYYY-MM-DD or RFC 3339) to start at, instead of startCursor', 64),
          }),
          response: {
            200: Type.Object({
              messages: Type.Array(Message),
              hasMore: Type.Boolean(),
              nextCursor: Type.String({ description: 'startCursor for the next page; empty when hasMore is false' }),
            }),
            ...errors(400, 401, 403, 404),
          },
        },
        config: { auth: { scopes: [['chat:history']], models: ORG_ONLY } },
      },
      async (request) => roomHistory(typed.ctx, principalOf(request), request.body),
    )

    typed.post(
      `${prefix}/RoomCreate`,
      {
        schema: {
          summary: 'Create a room',
          body: Type.Object({
            roomKey: OptString('Your own room identifier, unique in the organization', ROOM_KEY_MAX),
            roomName: Type.String({ minLength: 1, maxLength: ROOM_NAME_MAX }),
            private: Type.Optional(Type.Boolean()),
          }),
          response: { 200: Type.Object({ room: Room }), ...errors(400, 401, 403, 409) },
        },
        config: { auth: { scopes: [['group:write']], models: ORG_ONLY } },
      },
      async (request) => {
        const principal = principalOf(request)
        const { roomKey, roomName } = request.body
        const room = await createRoom(typed.ctx, principal.orgId, {
          roomKey,
          name: roomName,
          private: request.body.private,
          actor: { kind: 'app', address: principal.address },
        })
        return { room }
      },
    )

    typed.post(
      `${prefix}/RoomList`,
      {
        schema: {
          summary: 'List rooms',
          body: Type.Object({ ...Paging }),
          response: {
            200: Type.Object({ rooms: Type.Array(Room), hasMore: Type.Boolean(), nextCursor: Type.String() }),
            ...errors(400, 401, 403),
          },
        },
        config: { auth: { scopes: [['chat:history'], ['groups:read']], models: ORG_ONLY } },
      },
      async (request) => listRooms(typed.ctx, principalOf(request), request.body),
    )
  }
}
