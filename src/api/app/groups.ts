import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { addGroupMembers, GROUP_LIST_MAX, groupMembersPanel, removeGroupMembers, type PersonActor } from '../../actions/groups.js'
import type { Context } from '../../context.js'
import { ACCOUNT, personalOf, principalOf } from '../../http/auth.js'
import { errorResponses, TaggedUUID } from '../../http/schemas.js'

/**
 * The web client's member panel of a group: who is in it (people, and apps' bots named after
 * their app) and, for organization administrators and the group's admins, adding and removing
 * people and bots. The same actions as v0 group.add / group.remove, with the person rules of
 * access.ts instead of the app rules.
 */
const Member = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('user'), Type.Literal('bot')]),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
})
const Panel = Type.Object({
  group: Type.Object({ id: Type.String(), name: Type.String(), private: Type.Boolean(), archived: Type.Boolean() }),
  canManage: Type.Boolean(),
  members: Type.Array(Type.Object({ ...Member.properties, role: Type.Union([Type.Literal('member'), Type.Literal('admin')]) })),
  candidates: Type.Array(Member),
})
const Change = Type.Object(
  {
    group: TaggedUUID,
    members: Type.Array(TaggedUUID, { minItems: 1, maxItems: GROUP_LIST_MAX, description: 'U-… user ids and B-… bot ids' }),
  },
  { additionalProperties: false },
)

function personOf(request: FastifyRequest): PersonActor {
  const p = personalOf(request)
  return { kind: 'person', address: p.address, orgAdmin: p.user.isAdmin }
}

export async function appGroupRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()

  typed.get(
    '/group.members',
    {
      schema: { hide: true, querystring: Type.Object({ group: TaggedUUID }), response: { 200: Panel, ...errorResponses(400, 401, 403, 404) } },
      config: { auth: ACCOUNT },
    },
    async (request) => groupMembersPanel(ctx, principalOf(request).orgId, personOf(request), request.query.group),
  )

  // Adding and removing answer with the panel as it now stands.
  for (const [url, change] of [
    ['/group.add', addGroupMembers],
    ['/group.remove', removeGroupMembers],
  ] as const) {
    typed.post(
      url,
      { schema: { hide: true, body: Change, response: { 200: Panel, ...errorResponses(400, 401, 403, 404) } }, config: { auth: ACCOUNT } },
      async (request) => {
        const { orgId } = principalOf(request)
        const actor = personOf(request)
        await change(ctx, orgId, actor, request.body)
        return groupMembersPanel(ctx, orgId, actor, request.body.group)
      },
    )
  }
}
