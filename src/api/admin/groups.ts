import { Type } from 'typebox'
import { archiveGroup, createGroup, GROUP_NAME_MAX, listAllGroups, renameGroup, setGroupMemberRole } from '../../actions/groups.js'
import type { Group } from '../../domain.js'
import { ADMIN_READ, ADMIN_WRITE, personalOf, principalOf } from '../../http/auth.js'
import { errorResponses, TaggedUUID } from '../../http/schemas.js'
import { microsToIso } from '../../time.js'
import { TAGGED_UUID_PATTERN } from '../../ids.js'
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
 * group admin; renaming and archiving any group; promoting a member to group admin and demoting
 * one (the same actions as v0 group.rename / group.archive / group.add's `admins`).
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

  const ok = Type.Object({ ok: Type.Literal(true) })

  app.post(
    '/groups.rename',
    {
      schema: {
        summary: 'Rename a group',
        body: Type.Object({ id: TaggedUUID, name: Type.String({ maxLength: GROUP_NAME_MAX * 4 }) }, { additionalProperties: false }),
        response: { 200: ok, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      await renameGroup(app.ctx, p.orgId, { kind: 'provisioning', by: p.address }, request.body.id, request.body.name)
      return { ok: true as const }
    },
  )

  app.post(
    '/groups.archive',
    {
      schema: {
        summary: 'Archive a group: it keeps its members and history and takes no new messages, members or settings (one-way)',
        body: Type.Object({ id: TaggedUUID }, { additionalProperties: false }),
        response: { 200: ok, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      await archiveGroup(app.ctx, p.orgId, { kind: 'provisioning', by: p.address }, request.body.id)
      return { ok: true as const }
    },
  )

  for (const [verb, role] of [
    ['promote', 'admin'],
    ['demote', 'member'],
  ] as const) {
    app.post(
      `/groups.${verb}`,
      {
        schema: {
          summary: role === 'admin' ? 'Make a member of a group one of its admins' : 'Make an admin of a group a plain member',
          body: Type.Object({ group: TaggedUUID, member: Type.String({ pattern: TAGGED_UUID_PATTERN, description: 'U-… or B-… already in the group' }) }, { additionalProperties: false }),
          response: { 200: ok, ...errorResponses(400, 401, 403, 404) },
        },
        config: { auth: ADMIN_WRITE },
      },
      async (request) => {
        const p = personalOf(request)
        await setGroupMemberRole(app.ctx, p.orgId, { kind: 'person', address: p.address, orgAdmin: p.user.isAdmin }, { ...request.body, role })
        return { ok: true as const }
      },
    )
  }
}
