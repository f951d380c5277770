import { Type } from 'typebox'
import {
  addGroupMembers,
  archiveGroup,
  createdGroupView,
  createGroup,
  GROUP_DESCRIPTION_MAX,
  GROUP_LIST_MAX,
  GROUP_NAME_MAX,
  listMembersOfGroup,
  removeGroupMembers,
  renameGroup,
  type ApiOrProvisioningActor,
} from '../../actions/groups.js'
import type { Principal } from '../../domain.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit, TaggedUUID } from '../../http/schemas.js'
import type { V0App } from './index.js'

const WRITE = { auth: { scopes: [['group:write']], models: ORG_ONLY } }
const READ = { auth: { scopes: [['groups:read']], models: ORG_ONLY } }

const actorOf = (principal: Principal): ApiOrProvisioningActor => ({ kind: 'app', address: principal.address })

const Name = Type.String({ minLength: 1, maxLength: GROUP_NAME_MAX, description: `Group name, 1 to ${GROUP_NAME_MAX} characters` })
const Ids = (description: string) => Type.Array(TaggedUUID, { maxItems: GROUP_LIST_MAX, description })

const CreateBody = Type.Object({
  name: Name,
  description: Type.Optional(Type.String({ maxLength: GROUP_DESCRIPTION_MAX })),
  private: Type.Optional(Type.Boolean({ default: false })),
  enforceThreads: Type.Optional(Type.Boolean({ default: false })),
  members: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { maxItems: GROUP_LIST_MAX, description: 'Member email addresses or IDs (U-… users, B-… bots)' })),
  admins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { maxItems: GROUP_LIST_MAX, description: 'Admin email addresses or IDs (U-… users, B-… bots)' })),
})

const CreatedGroup = Type.Object({
  id: TaggedUUID,
  name: Type.String(),
  private: Type.Boolean(),
  dateCreated: Type.String({ format: 'date-time' }),
})

export default async function groupRoutes(app: V0App): Promise<void> {
  app.post(
    '/group.create',
    {
      schema: {
        summary: 'Create group',
        description:
          'Creates a group and its channel chat. Members and admins are emails or user ids; at least one is required. ' +
          'The calling app joins as a member (or as an admin when it lists its own bot address in `admins`).',
        tags: ['Groups'],
        body: CreateBody,
        response: { 200: CreatedGroup, ...errorResponses(400, 401, 403) },
      },
      config: WRITE,
    },
    async (request) => {
      const principal = principalOf(request)
      return createdGroupView(await createGroup(app.ctx, principal.orgId, actorOf(principal), request.body))
    },
  )

  app.post(
    '/group.rename',
    {
      schema: {
        summary: 'Rename group',
        description: 'Renames a group. Needs admin access (any member when the group has no admins).',
        tags: ['Groups'],
        body: Type.Object({ id: TaggedUUID, name: Name }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
      config: WRITE,
    },
    async (request, reply) => {
      const principal = principalOf(request)
      await renameGroup(app.ctx, principal.orgId, actorOf(principal), request.body.id, request.body.name)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/group.archive',
    {
      schema: {
        summary: 'Archive group',
        description: 'Archives a group (id in the query). Needs admin access (any member when the group has no admins). Idempotent.',
        tags: ['Groups'],
        querystring: Type.Object({ id: TaggedUUID }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
      config: WRITE,
    },
    async (request, reply) => {
      const principal = principalOf(request)
      await archiveGroup(app.ctx, principal.orgId, actorOf(principal), request.query.id)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/group.members',
    {
      schema: {
        summary: 'List group members',
        description: 'Members and admins of a group, ordered by address. The group must be public or the app must be in it.',
        tags: ['Groups'],
        querystring: Type.Object({ group: TaggedUUID, limit: Limit(100), cursor: Type.Optional(Cursor) }),
        response: {
          200: Type.Object({ members: Type.Array(TaggedUUID), nextCursor: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: READ,
    },
    async (request) => {
      const principal = principalOf(request)
      const { group, limit, cursor } = request.query
      return listMembersOfGroup(app.ctx, principal.orgId, actorOf(principal), { group, limit, ...(cursor !== undefined ? { cursor } : {}) })
    },
  )

  app.post(
    '/group.add',
    {
      schema: {
        summary: 'Add group members',
        description:
          'Adds members (group public, or app in it) and admins (app is a group admin): user ids (U-…) and bot ids (B-…): ' +
          "an app's bot joins a group like a person, which is how an organization app gets into a private group.",
        tags: ['Groups'],
        body: Type.Object({ group: TaggedUUID, members: Type.Optional(Ids('List of member IDs')), admins: Type.Optional(Ids('List of admin IDs')) }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
      },
      config: WRITE,
    },
    async (request, reply) => {
      const principal = principalOf(request)
      await addGroupMembers(app.ctx, principal.orgId, actorOf(principal), request.body)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/group.remove',
    {
      schema: {
        summary: 'Remove group members',
        description: 'Removes members, people (U-…) or bots (B-…) (group public, or app in it). Removing admins is not supported.',
        tags: ['Groups'],
        body: Type.Object({ group: TaggedUUID, members: Ids('List of member IDs') }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
      },
      config: WRITE,
    },
    async (request, reply) => {
      const principal = principalOf(request)
      await removeGroupMembers(app.ctx, principal.orgId, actorOf(principal), request.body)
      return reply.code(204).send(null)
    },
  )
}
