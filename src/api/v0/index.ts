import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Context } from '../../context.js'
import tokenRoutes from './token.js'
import appRoutes from './app.js'
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
