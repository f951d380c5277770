import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Context } from '../../context.js'
import type { V0App } from '../v0/index.js'
import clientRoutes from './clients.js'
import patRoutes from './pats.js'
import settingsRoutes from './settings.js'
import roomRoutes from './rooms.js'
import adminMeetingRoutes from './meetings.js'
import adminLobbyRoutes from './lobbies.js'
import adminGroupRoutes from './groups.js'
import adminUserRoutes from './users.js'

import adminWebhookRoutes from './webhooks.js'
import adminRelayRoutes from './relays.js'
import roomlioAdminRoutes from './roomlio.js'

/**
 * The admin API: `/admin/<resource>.<verb>`, same conventions as v0 (GET + query for reads,
 * POST + JSON for writes, `{"error"}` bodies), for organization administrators only
 * (`config.auth: ADMIN_READ` for reads, `ADMIN_WRITE` for changes). The CLI calls the same actions; the web console calls these routes.
 */
export type AdminApp = V0App

const modules: Array<(app: AdminApp) => Promise<void>> = [
  clientRoutes,
  patRoutes,
  settingsRoutes,
  roomRoutes,
  adminWebhookRoutes,
  adminRelayRoutes,
  adminMeetingRoutes,
  adminLobbyRoutes,
  roomlioAdminRoutes,
  adminGroupRoutes,
  adminUserRoutes,
]

export async function adminRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>() as AdminApp
  typed.decorate('ctx', opts.ctx)
  for (const register of modules) await register(typed)
}
