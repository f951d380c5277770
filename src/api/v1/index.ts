import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { exportMessageEvents } from '../../actions/export.js'
import { listGroupsForCaller, listGroupsV1, listRecordingsV1, sendMessageV1, SENDER_ID_MAX } from '../../actions/v1.js'
import type { Context } from '../../context.js'
import { fail } from '../../errors.js'
import { ORG_AND_PERSONAL, ORG_ONLY, principalOf } from '../../http/auth.js'
import { sendV1Error, useV1Errors } from './errors.js'
import { Cursor, errorResponses, Limit } from '../../http/schemas.js'
import { DateRangeQuery } from '../v0/meetingschemas.js'
import type { V0App } from '../v0/index.js'
import itemRoutes from '../v0/item.js'
import { chatRoutesV1 } from './chat.js'
import { streamRoutesV1 } from './stream.js'
import { tokenRoutesV1 } from './token.js'
import { apiVersionProblem, BASELINE_VERSION, isApiVersion, type ApiVersion } from '../../api-versions.js'
import webhookRoutesV1 from './webhook.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** `/v1`: the dated version this request is served at (header, else the client's pin, else the baseline). */
    apiVersion: ApiVersion
    apiVersionFromHeader: boolean
  }
}

/**
 * Roam HQ API v1 under `/v1`: organization-level methods with bare-UUID ids and the scopes of
 * Roam's `openapi.json`, and the chat methods of Roam's current clients (chat.ts). Errors are
 * `{"ok": false, "error": "<code>", "message"}` (errors.ts).
 */

const Group = Type.Object({
  addressId: Type.String({ description: 'Group id (bare UUID)' }),
  roamId: Type.Integer(),
  accountId: Type.Integer(),
  groupType: Type.String({ description: '"group" or "roam" (all-hands)' }),
  name: Type.String(),
  accessMode: Type.String(),
  groupManagement: Type.String(),
  enforceThreadedMode: Type.Boolean(),
  dateCreated: Type.String(),
  imageUrl: Type.Optional(Type.String()),
})

export type V1App = V0App

const modules: Array<(app: V1App) => Promise<void>> = [
  tokenRoutesV1,
  groupRoutes,
  sendMessageRoutes,
  chatRoutesV1,
  streamRoutesV1,
  (app) => itemRoutes(app, ORG_AND_PERSONAL),
  recordingRoutes,
  exportRoutes,
  testRoutes,
  magicastRoutes,
  webhookRoutesV1,
]

export async function v1Routes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>() as V1App
  typed.decorate('ctx', opts.ctx)
  useV1Errors(typed)
  app.errorSenders.set(`${app.prefix}/`, sendV1Error)
  // The served version: the Roam-Version header if present, else the calling client's pin, else
  // the baseline. The header is checked (and served) before anything else; the pin is known only
  // once authentication (a preValidation hook of the whole app, which runs before this scope's)
  // has found the app, so it is applied then. Handlers read `request.apiVersion`.
  typed.decorateRequest('apiVersion', BASELINE_VERSION)
  typed.decorateRequest('apiVersionFromHeader', false)
  typed.addHook('onRequest', async (request, reply) => {
    const header = request.headers['roam-version']
    const asked = (Array.isArray(header) ? header[0] : header)?.trim()
    if (asked !== undefined) {
      const problem = apiVersionProblem(asked)
      if (problem) fail('invalid_request', problem)
    }
    request.apiVersion = (asked ?? BASELINE_VERSION) as ApiVersion
    request.apiVersionFromHeader = asked !== undefined
    reply.header('roam-version', request.apiVersion)
  })
  typed.addHook('preValidation', async (request, reply) => {
    if (request.apiVersionFromHeader) return
    const pin = request.principal?.app?.apiVersion
    if (!pin || !isApiVersion(pin)) return
    request.apiVersion = pin
    reply.header('roam-version', pin)
  })
  // On /v1 a personal access token posts as its own bot persona (its person's access still applies).
  typed.addHook('preHandler', async (request) => {
    const principal = request.principal
    if (principal?.model === 'personal' && principal.credential.kind === 'pat' && principal.credential.botId) {
      request.principal = { ...principal, author: `B-${principal.credential.botId}` }
    }
  })
  for (const register of modules) await register(typed)
}

async function groupRoutes(app: V1App): Promise<void> {
  app.get(
    '/groups.list',
    {
      schema: { summary: 'List groups', response: { 200: Type.Array(Group), ...errorResponses(401, 403) } },
      config: { auth: { scopes: [['groups:read']], models: ORG_ONLY } },
    },
    async (request) => listGroupsV1(app.ctx, principalOf(request)),
  )

  app.get(
    '/group.list',
    {
      schema: {
        summary: 'List the groups the caller can see',
        description:
          'Public groups and the private groups the caller belongs to, oldest first, with each group’s channel chatId (for chat.post and chat.history).',
        querystring: Type.Object({ limit: Limit(200, 100), cursor: Type.Optional(Cursor) }),
        response: {
          200: Type.Object({
            groups: Type.Array(
              Type.Object({
                id: Type.String({ description: 'Group id (bare UUID)' }),
                chatId: Type.String({ description: 'The group’s channel chat (bare UUID)' }),
                name: Type.String(),
                groupType: Type.String({ description: '"group", or "roam" for the all-hands group' }),
                accessMode: Type.Union([Type.Literal('public'), Type.Literal('private')]),
                isMember: Type.Boolean({ description: 'The caller (the app’s bot, or the person) is a member' }),
                dateCreated: Type.String(),
              }),
            ),
            nextCursor: Type.Optional(Type.String()),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: { scopes: [['groups:read']], models: ORG_AND_PERSONAL } },
    },
    async (request) => listGroupsForCaller(app.ctx, principalOf(request), request.query),
  )
}

const MessageSender = Type.Object({
  id: Type.String({ maxLength: SENDER_ID_MAX, description: 'Internal name of the bot persona, e.g. datadog' }),
  name: Type.Optional(Type.String({ description: 'Name shown for the persona, e.g. Datadog Alerts' })),
  imageUrl: Type.Optional(Type.String({ description: 'Image URL of the persona' })),
})

async function sendMessageRoutes(app: V1App): Promise<void> {
  app.post(
    '/chat.sendMessage',
    {
      schema: {
        summary: 'Send a message to a group',
        body: Type.Object({
          recipients: Type.Array(Type.String(), { description: 'Exactly one group id (bare UUID, addressId of groups.list)' }),
          text: Type.String({ description: 'Markdown unless markdown is false; a line break is two newlines' }),
          markdown: Type.Optional(Type.Boolean()),
          sender: Type.Optional(MessageSender),
        }),
        response: {
          200: Type.Object({ chatId: Type.String({ description: "The group's channel chat (bare UUID)" }), status: Type.Literal('ok') }),
          ...errorResponses(400, 401, 403, 413),
        },
      },
      config: { auth: { scopes: [['chat:send_message']], models: ORG_ONLY } },
    },
    async (request) => sendMessageV1(app.ctx, principalOf(request), request.body),
  )
}

const Recording = Type.Object({
  recordingId: Type.String({ format: 'uuid' }),
  location: Type.String({ description: 'Room the meeting took place in' }),
  startTime: Type.String({ format: 'date-time' }),
  endTime: Type.String({ format: 'date-time' }),
  videoUrl: Type.String(),
})

async function recordingRoutes(app: V1App): Promise<void> {
  app.get(
    '/recording.list',
    {
      schema: {
        summary: 'List meeting recordings',
        querystring: Type.Object(DateRangeQuery),
        response: { 200: Type.Object({ recordings: Type.Array(Recording), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['recordings:read']], models: ORG_ONLY } },
    },
    async (request) => listRecordingsV1(app.ctx, principalOf(request), { ...request.query, limit: request.query.limit ?? 10 }),
  )
}

async function exportRoutes(app: V1App): Promise<void> {
  app.post(
    '/messageevent.export',
    {
      schema: {
        summary: "Export a day's message events",
        description: 'Every message event of the organization on that UTC day, one JSON object per line, streamed.',
        body: Type.Object({ date: Type.String({ description: 'UTC day, YYYY-MM-DD' }) }),
        response: {
          200: { description: 'Newline-delimited JSON, one message event a line', content: { 'application/x-ndjson': { schema: Type.String() } } },
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: { scopes: [['admin:compliance:read']], models: ORG_ONLY } },
    },
    async (request, reply) => {
      const chunks = exportMessageEvents(app.ctx, principalOf(request).orgId, request.body.date)
      const stream = Readable.from(chunks, { objectMode: false })
      stream.on('error', (err) => request.log.error({ err }, 'message event export failed while streaming'))
      // The 200 schema describes the lines for the document; the body is the stream itself.
      return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(stream as unknown as string)
    },
  )
}

async function testRoutes(app: V1App): Promise<void> {
  // Roam's connectivity check: no authentication, 200 "Valid".
  const test = { summary: 'Connectivity check', response: { 200: { description: 'The text Valid', content: { 'text/plain': { schema: Type.Literal('Valid') } } } } }
  app.get('/test', { schema: test }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Valid'))
}

async function magicastRoutes(app: V1App): Promise<void> {
  const none = async (request: { url: string }) => fail('not_found', `Atrium has no Magicast feature: ${request.url.split('?')[0]} is not available`)
  const schema = { summary: 'Not available: Atrium has no Magicast feature', deprecated: true, response: errorResponses(404) }
  for (const path of ['/magicast.list', '/magicast.info']) app.get(path, { schema }, none)
}
