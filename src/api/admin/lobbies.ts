import { Type } from 'typebox'
import { createLobby, DURATION_MAX, DURATION_MIN, HORIZON_MAX, presentLobby, updateLobby } from '../../actions/lobbies.js'
import type { Context } from '../../context.js'
import type { Lobby } from '../../domain.js'
import { ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

/** Lobby configuration for administrators: booking pages, slot length, time zone, weekly availability. */

const Availability = Type.Array(
  Type.Object({
    days: Type.Array(Type.String(), { minItems: 1, description: 'mon…sun or ranges like mon-fri' }),
    start: Type.String({ description: 'HH:MM local' }),
    end: Type.String({ description: 'HH:MM local' }),
  }),
  { maxItems: 50 },
)

const AdminLobby = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  displayName: Type.String(),
  active: Type.Boolean(),
  url: Type.String(),
  handle: Type.String(),
  host: Type.String(),
  duration: Type.Integer(),
  timeZone: Type.String(),
  horizonDays: Type.Integer(),
  availability: Type.Array(Type.Object({ weekday: Type.Integer(), start: Type.String(), end: Type.String() })),
})

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

export function presentAdminLobby(ctx: Context, lobby: Lobby) {
  return {
    ...presentLobby(ctx, lobby),
    host: `U-${lobby.hostUserId}`,
    duration: lobby.durationMinutes,
    timeZone: lobby.timeZone,
    horizonDays: lobby.horizonDays,
    availability: lobby.availability.map((w) => ({ weekday: w.weekday, start: clock(w.startMinute), end: clock(w.endMinute) })),
  }
}

export default async function adminLobbyRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/lobbies.create',
    {
      schema: {
        summary: 'Create a lobby (public booking page)',
        tags: ['Admin'],
        body: Type.Object({
          handle: Type.String(),
          slug: Type.Optional(Type.String()),
          name: Type.String(),
          host: Type.String({ description: 'email of the hosting member' }),
          duration: Type.Integer({ description: `slot length in minutes, ${DURATION_MIN} to ${DURATION_MAX}` }),
          timeZone: Type.Optional(Type.String()),
          horizonDays: Type.Optional(Type.Integer({ description: `1 to ${HORIZON_MAX}` })),
          availability: Type.Optional(Availability),
        }),
        response: { 200: AdminLobby, ...errorResponses(400, 401, 403, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => presentAdminLobby(app.ctx, await createLobby(app.ctx, principalOf(request).orgId, request.body)),
  )

  app.post(
    '/lobbies.update',
    {
      schema: {
        summary: 'Change a lobby (name, active, slot length, time zone, horizon, availability)',
        tags: ['Admin'],
        body: Type.Object({
          id: Type.String({ format: 'uuid' }),
          name: Type.Optional(Type.String()),
          active: Type.Optional(Type.Boolean()),
          duration: Type.Optional(Type.Integer()),
          timeZone: Type.Optional(Type.String()),
          horizonDays: Type.Optional(Type.Integer()),
          availability: Type.Optional(Availability),
        }),
        response: { 200: AdminLobby, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const { id, ...changes } = request.body
      return presentAdminLobby(app.ctx, await updateLobby(app.ctx, principalOf(request).orgId, id, changes))
    },
  )
}
