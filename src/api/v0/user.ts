import { Type } from 'typebox'
import { getUserInfo, listUsersPage, lookupUserByEmail } from '../../actions/users.js'
import { ORG_AND_PERSONAL, ORG_ONLY, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit, TaggedUUID } from '../../http/schemas.js'
import type { V0App } from './index.js'

const userProperties = {
  id: TaggedUUID,
  name: Type.String({ description: 'Display name of the user' }),
  imageUrl: Type.Optional(Type.String({ format: 'uri' })),
  email: Type.Optional(Type.String({ description: 'Only with the user:read.email scope' })),
  isAdmin: Type.Optional(Type.Boolean({ description: 'Whether the user is an admin of the Roam' })),
  jobTitle: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.Literal('checkedIn'), Type.Literal('checkedOut')], { description: 'Only with expand=status and user:read.status' })),
}
const User = Type.Object(userProperties)
const UserInfo = Type.Object({
  ...userProperties,
  available: Type.Optional(Type.Boolean({ description: 'Only with expand=available and user:read.status' })),
})
const Expand = Type.String({ maxLength: 64, description: 'Comma-separated expansions' })

export default async function userRoutes(app: V0App): Promise<void> {
  app.get(
    '/user.list',
    {
      schema: {
        summary: 'List users',
        description:
          'Active users of the organization in the order they joined. Deactivated users are not listed. ' +
          'Organization or personal access. `expand=status` needs user:read.status.',
        tags: ['Users'],
        querystring: Type.Object({ limit: Limit(100), cursor: Type.Optional(Cursor), expand: Type.Optional(Expand) }),
        response: { 200: Type.Object({ users: Type.Array(User), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['user:read']], models: ORG_AND_PERSONAL } },
    },
    async (request) => {
      const { limit, cursor, expand } = request.query
      return listUsersPage(app.ctx, principalOf(request), { limit, ...(cursor !== undefined ? { cursor } : {}), ...(expand !== undefined ? { expand } : {}) })
    },
  )

  app.get(
    '/user.info',
    {
      schema: {
        summary: 'Get user info',
        description: 'One active user. `expand=status,available` needs user:read.status. Deactivated users are 404.',
        tags: ['Users'],
        querystring: Type.Object({ id: TaggedUUID, expand: Type.Optional(Expand) }),
        response: { 200: UserInfo, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['user:read']], models: ORG_ONLY } },
    },
    async (request) => getUserInfo(app.ctx, principalOf(request), request.query.id, request.query.expand),
  )

  app.get(
    '/user.lookup',
    {
      schema: {
        summary: 'Look up user by email',
        description: 'The active user with this email, matched case-insensitively. Needs user:read and user:read.email.',
        tags: ['Users'],
        querystring: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }),
        response: { 200: User, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: { scopes: [['user:read', 'user:read.email']], models: ORG_ONLY } },
    },
    async (request) => lookupUserByEmail(app.ctx, principalOf(request), request.query.email),
  )
}
