import { Type } from 'typebox'
import { createRoom, ROOM_KEY_MAX, ROOM_NAME_MAX } from '../../actions/roomlio.js'
import { ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

const CreatedRoom = Type.Object({
  roomID: Type.String({ description: 'Roomlio room id (rm_…)' }),
  roomKey: Type.String(),
  name: Type.String(),
  groupId: Type.String({ description: 'The Atrium group (G-…)' }),
  chatId: Type.String({ description: "The group's channel chat (C-…)" }),
})

/**
 * `POST /admin/room.create`: a Roomlio room (a public group with its channel chat) with an
 * external room key, so an embedding site can address it by `roomKey`.
 */
export default async function roomlioAdminRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/room.create',
    {
      schema: {
        summary: 'Create a Roomlio room (a group with a room key)',
        body: Type.Object({
          roomKey: Type.String({ minLength: 1, maxLength: ROOM_KEY_MAX }),
          name: Type.String({ minLength: 1, maxLength: ROOM_NAME_MAX }),
          private: Type.Optional(Type.Boolean()),
        }),
        response: { 200: CreatedRoom, ...errorResponses(400, 401, 403, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const principal = principalOf(request)
      const by = principal.model === 'personal' ? `U-${principal.user.id}` : undefined
      const room = await createRoom(app.ctx, principal.orgId, { ...request.body, actor: { kind: 'provisioning', ...(by ? { by } : {}) } })
      return { roomID: room.id, roomKey: room.roomKey, name: room.name, groupId: room.groupId, chatId: room.chatId }
    },
  )
}
