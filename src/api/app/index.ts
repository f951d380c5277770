import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import websocket from '@fastify/websocket'
import { Type } from 'typebox'
import { sessionIdOf } from '../../actions/sessions.js'
import { enterRoom, leaveRoom, markConnected, officeInfo, ownPresence, setCheckIn, setPresence } from '../../actions/office.js'
import { validateDryRun } from '../../actions/blockkit-dry-run.js'
import { typingAudience } from '../../actions/inbox.js'
import { appChatRoutes } from './chat.js'
import { appGroupRoutes } from './groups.js'
import { appNotificationRoutes } from './notifications.js'
import type { Context } from '../../context.js'
import { fail } from '../../errors.js'
import { RealtimeHub } from '../../events/realtime.js'
import { openConnectionRegistry } from '../../events/connections.js'
import { ACCOUNT, ORG_AND_PERSONAL, personalOf, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { organizationOf } from '../../actions/tokens.js'

/**
 * `/app/*`: what the web client needs beyond the v0 API, for a signed-in browser (session cookie;
 * writes carry `x-csrf-token`). The office (rooms, presence, check-in), the realtime socket, and
 * the Block Kit dry run (which also accepts bearer tokens, for integration developers).
 */

const Presence = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')])
const Status = Type.Union([Type.Literal('checkedIn'), Type.Literal('checkedOut')])

const Room = Type.Object({
  id: Type.String(),
  number: Type.Integer({ description: 'Integer room id, as in the audit log (data.location.roomId)' }),
  name: Type.String(),
  group: Type.Union([Type.String(), Type.Null()], { description: 'G-… of the group whose chat is the room chat' }),
  position: Type.Integer(),
})
export const OfficeSchema = Type.Object({
  rooms: Type.Array(Room),
  people: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      email: Type.String(),
      imageUrl: Type.Union([Type.String(), Type.Null()]),
      isAdmin: Type.Boolean(),
      jobTitle: Type.Union([Type.String(), Type.Null()]),
      status: Status,
      presence: Presence,
      room: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  bots: Type.Array(
    Type.Object({
      id: Type.String({ description: 'B-… of an app of the organization' }),
      name: Type.String({ description: "The app's name" }),
      imageUrl: Type.Union([Type.String(), Type.Null()]),
    }),
    { description: "The organization's apps, named by their bot address (for message authors and mentions)" },
  ),
})

const SessionSchema = Type.Object({
  user: Type.Object({
    id: Type.String(),
    address: Type.String(),
    name: Type.String(),
    email: Type.String(),
    isAdmin: Type.Boolean(),
    imageUrl: Type.Union([Type.String(), Type.Null()]),
    status: Status,
    presence: Presence,
  }),
  org: Type.Object({ id: Type.String(), name: Type.String() }),
  csrfToken: Type.String({ description: 'Send as x-csrf-token on writes made with the session cookie' }),
  imageOrigins: Type.Array(Type.String(), { description: 'Origins besides this one whose images messages may show (ATRIUM_IMAGE_ORIGINS); others are shown as links' }),
})

const DryRunBody = Type.Object(
  {
    blocks: Type.Unknown({ description: 'The blocks of a chat.post body' }),
    color: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
)
const DryRunResult = Type.Object({
  ok: Type.Boolean(),
  interactive: Type.Boolean({ description: 'True when a button calls the Interactivity URL' }),
  bytes: Type.Integer({ description: 'Size of {blocks, color} as JSON, counted against the 8,000-byte limit' }),
  errors: Type.Array(Type.Object({ pointer: Type.String({ description: 'JSON pointer into the body' }), message: Type.String() })),
})

/** Same-origin check for the WebSocket handshake (cookies alone do not prove where a page came from). */
function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin
  if (!origin) return true
  try {
    const o = new URL(origin)
    return o.origin === new URL(publicUrl).origin || o.host === request.headers.host
  } catch {
    return false
  }
}

export async function appRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()
  const hub = new RealtimeHub(ctx.db)
  app.addHook('onClose', async () => hub.close())
  // Open sockets per person across every process (Redis with ATRIUM_REDIS_URL), for presence.
  const connections = openConnectionRegistry(ctx.config)
  app.addHook('onClose', async () => connections.close())
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })
  await app.register(appChatRoutes, { ctx })
  await app.register(appGroupRoutes, { ctx })
  await app.register(appNotificationRoutes, { ctx })

  // Typing is never stored: it comes from the event bus and goes to the chat's participants.
  const unsubscribe = ctx.bus?.subscribe('chat.typing', (e) => {
    if (hub.size === 0) return
    void typingAudience(ctx, e.chat).then(
      (audience) =>
        hub.publish(
          e.orgId,
          { type: 'chat.typing', payload: { chat: e.chat, address: e.address, ...(e.threadTimestamp !== undefined ? { threadTimestamp: e.threadTimestamp } : {}) } },
          (l) => audience.includes(l.address),
        ),
      () => undefined,
    )
  })
  app.addHook('onClose', async () => unsubscribe?.())

  typed.get(
    '/session',
    { schema: { hide: true, response: { 200: SessionSchema, ...errorResponses(401, 403) } }, config: { auth: ACCOUNT } },
    async (request, reply) => {
      const p = personalOf(request)
      const [org, presence] = await Promise.all([organizationOf(ctx, p), ownPresence(ctx, p)])
      return {
        user: {
          id: p.address,
          address: p.address,
          name: p.user.name,
          email: p.user.email,
          isAdmin: p.user.isAdmin,
          imageUrl: p.user.imageUrl,
          status: p.user.status,
          presence,
        },
        org: { id: p.orgId, name: org.name },
        csrfToken: reply.generateCsrf(),
        imageOrigins: [...ctx.config.imageOrigins],
      }
    },
  )

  typed.get(
    '/office.info',
    { schema: { hide: true, response: { 200: OfficeSchema, ...errorResponses(401, 403) } }, config: { auth: ACCOUNT } },
    async (request) => officeInfo(ctx, principalOf(request)),
  )

  typed.post(
    '/room.enter',
    {
      schema: { hide: true, body: Type.Object({ room: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 200: OfficeSchema, ...errorResponses(400, 401, 403, 404) } },
      config: { auth: ACCOUNT },
    },
    async (request) => enterRoom(ctx, principalOf(request), request.body.room),
  )

  typed.post(
    '/room.leave',
    { schema: { hide: true, response: { 200: OfficeSchema, ...errorResponses(401, 403) } }, config: { auth: ACCOUNT } },
    async (request) => leaveRoom(ctx, principalOf(request)),
  )

  typed.post(
    '/presence.set',
    {
      schema: { hide: true, body: Type.Object({ presence: Type.Union([Type.Literal('online'), Type.Literal('away')]) }, { additionalProperties: false }), response: { 200: Type.Object({ presence: Presence }), ...errorResponses(400, 401, 403) } },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      await setPresence(ctx, principalOf(request), request.body.presence)
      return { presence: request.body.presence }
    },
  )

  typed.post(
    '/status.set',
    {
      schema: { hide: true, body: Type.Object({ status: Status }, { additionalProperties: false }), response: { 200: Type.Object({ status: Status }), ...errorResponses(400, 401, 403) } },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      await setCheckIn(ctx, principalOf(request), request.body.status)
      return { status: request.body.status }
    },
  )

  typed.post(
    '/blockkit.validate',
    {
      schema: {
        summary: 'Block Kit dry run',
        description:
          "Validates the `blocks` and `color` of a chat.post body exactly as chat.post would, without posting. Every violation comes with a JSON pointer into the body. Accepts a signed-in browser session or any bearer token; needs no scope.",
        body: DryRunBody,
        response: { 200: DryRunResult, ...errorResponses(400, 401) },
      },
      config: { auth: { scopes: [], models: ORG_AND_PERSONAL, session: 'allow' } },
    },
    async (request) => validateDryRun(request.body),
  )

  // Realtime sockets per person in this process are capped by ATRIUM_MAX_SOCKETS_PER_USER.
  const maxSockets = ctx.config.limits.maxSocketsPerUser

  app.route({
    method: 'GET',
    url: '/realtime',
    schema: { hide: true },
    config: { auth: ACCOUNT },
    // A plain GET (no Upgrade) is answered like any missing page: JSON 404.
    handler: async () => fail('not_found', 'GET /app/realtime is a WebSocket: connect with an Upgrade request.'),
    wsHandler: (socket, request) => {
      const p = personalOf(request)
      if (!sameOrigin(request, ctx.config.publicUrl)) {
        socket.close(1008, 'origin')
        return
      }
      if (connections.localCount(p.orgId, p.address) >= maxSockets) {
        socket.close(1008, `too many realtime connections: at most ${maxSockets} per person (ATRIUM_MAX_SOCKETS_PER_USER)`)
        return
      }
      let remove: (() => void) | undefined
      let closed = false
      const connection = connections.open(p.orgId, p.address)
      const ping = setInterval(() => {
        socket.ping()
        connection.refresh()
      }, 25_000)
      ping.unref()
      // Listeners are attached before any await so nothing the client sends early is lost.
      socket.on('message', (raw: Buffer) => {
        // The only client frame is an application-level ping; everything else goes through the API.
        if (raw.toString() === '"ping"') socket.send('"pong"')
      })
      socket.on('close', () => {
        closed = true
        clearInterval(ping)
        const registered = remove !== undefined
        remove?.()
        // Offline only when this was the person's last socket on any process.
        void connection
          .close()
          .then((left) => (registered && left === 0 ? setPresence(ctx, p, 'offline') : undefined))
          .catch(() => undefined)
      })
      void (async () => {
        const unregister = await hub.add({
          orgId: p.orgId,
          address: p.address,
          sessionId: sessionIdOf(p.credential),
          send: (frame) => {
            if (!closed && socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
          },
          // The session was ended (password change, deactivation): 4401, like a 401 for a socket.
          close: () => socket.close(4401, 'session ended'),
        })
        if (closed) return unregister()
        remove = unregister
        await markConnected(ctx, p).catch(() => undefined)
        // "ready" marks the point from which the socket misses nothing; clients resync up to it.
        if (!closed) socket.send(JSON.stringify({ type: 'ready', payload: { address: p.address } }))
      })().catch((err: unknown) => {
        request.log.error({ err }, 'realtime connection failed')
        socket.close(1011, 'error')
      })
    },
  })
}
