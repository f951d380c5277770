import { Type } from 'typebox'
import { listBookings, listLobbies } from '../../actions/lobbies.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'
import { DateRangeQuery, LobbyBooking, LobbyConfiguration, Uuid } from './meetingschemas.js'

export default async function lobbyRoutes(app: V0App): Promise<void> {
  app.get(
    '/lobby.list',
    {
      schema: {
        summary: 'List lobbies',
        description: 'Active lobbies of the Roam, optionally under one handle (404 when no lobby has that handle). Not paged.',
        tags: ['Lobbies'],
        querystring: Type.Object({ handle: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Object({ lobbies: Type.Array(LobbyConfiguration) }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['lobby:read']], models: ORG_ONLY } },
    },
    async (request) => listLobbies(app.ctx, principalOf(request), request.query.handle),
  )

  app.get(
    '/lobbyBooking.list',
    {
      schema: {
        summary: 'List lobby bookings',
        description: 'Bookings of one lobby by slot start: newest first, or oldest first from `after` (then with no upper bound unless `before` is given).',
        tags: ['Lobbies'],
        querystring: Type.Object({ lobbyId: Uuid, ...DateRangeQuery }),
        response: { 200: Type.Object({ bookings: Type.Array(LobbyBooking), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['lobby:read']], models: ORG_ONLY } },
    },
    async (request) => {
      const { lobbyId, ...range } = request.query
      return listBookings(app.ctx, principalOf(request), lobbyId, { ...range, limit: range.limit ?? 10 })
    },
  )
}
