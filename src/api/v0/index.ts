import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Context } from '../../context.js'
import tokenRoutes from './token.js'
import appRoutes from './app.js'
import webhookRoutes from './webhook.js'
import interactivityRoutes from './interactivity.js'
import addrRoutes from './addr.js'
import chatRoutes from './chat.js'
import itemRoutes from './item.js'
import reactionRoutes from './reaction.js'
import groupRoutes from './group.js'
import userRoutes from './user.js'
import userAuditLogRoutes from './userauditlog.js'
import meetingRoutes from './meeting.js'
import transcriptRoutes from './transcript.js'
import meetingLinkRoutes from './meetinglink.js'
import lobbyRoutes from './lobby.js'

/** The Fastify instance v0 route files receive: TypeBox-typed, with the action context. */
export type V0App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
> & { ctx: Context }

/** Every v0 resource module, mounted under /v0. */
const modules: Array<(app: V0App) => Promise<void>> = [
  tokenRoutes,
  appRoutes,
  webhookRoutes,
  interactivityRoutes,
  chatRoutes,
  itemRoutes,
  reactionRoutes,
  addrRoutes,
  groupRoutes,
  userRoutes,
  userAuditLogRoutes,
  meetingRoutes,
  transcriptRoutes,
  meetingLinkRoutes,
  lobbyRoutes,
]

export async function v0Routes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>() as V0App
  typed.decorate('ctx', opts.ctx)
  for (const register of modules) await register(typed)
}
