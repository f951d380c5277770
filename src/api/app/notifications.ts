import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { muteChat, notificationSettings, setNotificationLevel } from '../../actions/notifications.js'
import type { Context } from '../../context.js'
import { ACCOUNT, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'

/**
 * The signed-in person's desktop-notification settings (web client only, session and CSRF like
 * every /app write): `notifications.get`, `notifications.set` (level) and `chat.mute`.
 */
const Level = Type.Union([Type.Literal('all'), Type.Literal('mentions_and_dms'), Type.Literal('nothing')])
const Settings = Type.Object({ level: Level, muted: Type.Array(Type.String()) })

export async function appNotificationRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()

  typed.get(
    '/notifications.get',
    { schema: { hide: true, response: { 200: Settings, ...errorResponses(401, 403) } }, config: { auth: ACCOUNT } },
    async (request) => notificationSettings(ctx, principalOf(request)),
  )

  typed.post(
    '/notifications.set',
    {
      schema: { hide: true, body: Type.Object({ level: Level }, { additionalProperties: false }), response: { 200: Settings, ...errorResponses(400, 401, 403) } },
      config: { auth: ACCOUNT },
    },
    async (request) => setNotificationLevel(ctx, principalOf(request), request.body.level),
  )

  typed.post(
    '/chat.mute',
    {
      schema: {
        hide: true,
        body: Type.Object({ chat: Type.String({ minLength: 3, maxLength: 64 }), muted: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Settings, ...errorResponses(400, 401, 403) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => muteChat(ctx, principalOf(request), request.body),
  )
}
