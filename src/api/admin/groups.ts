import { Type } from 'typebox'
import { createGroup, listAllGroups } from '../../actions/groups.js'
import type { Group } from '../../domain.js'
import { ADMIN_READ, ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { microsToIso } from '../../time.js'
import type { AdminApp } from './index.js'

const AdminGroup = Type.Object({
  id: Type.String({ description: 'G-…' }),
  chat: Type.String({ description: "The group's chat, C-…" }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  private: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})

function groupView(g: Group) {
  return { id: `G-${g.id}`, chat: `C-${g.chatId}`, name: g.name, description: g.description, private: g.private, createdAt: microsToIso(g.createdAt) }
}

/**
 * Groups for administrators signed in to the console (v0's group methods are organization access,
 * for apps): every group, private ones included, and creating one with the administrator as its
 * group admin.
 */
export default async function adminGroupRoutes(app: AdminApp): Promise<void> {
  app.get(
    '/groups.list',
    { schema: { summary: 'Every group of the organization, private ones included', response: { 200: Type.Object({ groups: Type.Array(AdminGroup) }), ...errorResponses(401, 403) } }, config: { auth: ADMIN_READ } },
    async (request) => ({ groups: (await listAllGroups(app.ctx, principalOf(request).orgId)).map(groupView) }),
  )

  app.post(
    '/groups.create',
    {
      schema: {
        summary: 'Create a group',
        body: Type.Object(
          {
            name: Type.String({ maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            private: Type.Optional(Type.Boolean()),
            members: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: 500, description: 'Emails or U-… ids' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ group: AdminGroup }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const b = request.body
      const group = await createGroup(app.ctx, p.orgId, { kind: 'app', address: p.address }, {
        name: b.name,
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.private !== undefined ? { private: b.private } : {}),
        members: b.members ?? [],
        admins: [p.address],
      })
      return { group: groupView(group) }
    },
  )
}
