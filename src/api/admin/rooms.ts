import { Type } from 'typebox'
import { createRoom, editRoom, removeRoom, ROOM_NAME_MAX } from '../../actions/office.js'
import { ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

const Room = Type.Object({
  id: Type.String(),
  number: Type.Integer({ description: 'Integer room id, as in the audit log (data.location.roomId)' }),
  name: Type.String(),
  group: Type.Union([Type.String(), Type.Null()]),
  position: Type.Integer(),
})

/** The office floor: administrators add, rename, reorder and remove rooms. */
export default async function roomRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/rooms.create',
    {
      schema: {
        summary: 'Add a room to the office floor',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: ROOM_NAME_MAX }),
            group: Type.Optional(Type.String({ description: 'G-… of a group whose chat becomes the room chat' })),
            position: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Room, ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => createRoom(app.ctx, principalOf(request).orgId, request.body),
  )

  app.post(
    '/rooms.update',
    {
      schema: {
        summary: 'Rename or move a room',
        body: Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 64 }),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: ROOM_NAME_MAX })),
            position: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Room, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => editRoom(app.ctx, principalOf(request).orgId, request.body),
  )

  app.post(
    '/rooms.delete',
    {
      schema: {
        summary: 'Remove a room from the office floor',
        body: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({}), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      await removeRoom(app.ctx, principalOf(request).orgId, request.body.id)
      return {}
    },
  )
}
