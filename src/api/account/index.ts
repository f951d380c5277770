import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createPat, listPersonalAccess, revokePersonalAccess } from '../../actions/pats.js'
import { changeOwnPassword, PASSWORD_MAX } from '../../actions/sessions.js'
import type { Context } from '../../context.js'
import { ACCOUNT, personalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'

/** One personal access token or personal OAuth grant. */
export const PersonalAccessItem = Type.Object({
  id: Type.String({ description: 'Id to approve, reject or revoke it by' }),
  kind: Type.Union([Type.Literal('pat'), Type.Literal('oauth')]),
  user: Type.String({ description: 'Owner, U-…' }),
  name: Type.String(),
  app: Type.Optional(Type.Object({ clientId: Type.String(), name: Type.String() })),
  scopes: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('rejected'), Type.Literal('revoked')]),
  createdAt: Type.String({ format: 'date-time' }),
})

const IdBody = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })

/**
 * The signed-in user's own account (browser session only; writes need the `x-csrf-token` header
 * from `session.info`): personal access tokens.
 */
export async function accountRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()

  typed.get(
    '/session.info',
    {
      schema: {
        hide: true,
        response: {
          200: Type.Object({
            user: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), isAdmin: Type.Boolean() }),
            csrfToken: Type.String({ description: 'Send as x-csrf-token on writes made with the session cookie' }),
          }),
          ...errorResponses(401, 403),
        },
      },
      config: { auth: ACCOUNT },
    },
    async (request, reply) => {
      const p = personalOf(request)
      return { user: { id: p.address, name: p.user.name, email: p.user.email, isAdmin: p.user.isAdmin }, csrfToken: reply.generateCsrf() }
    },
  )

  typed.get(
    '/pats.list',
    { schema: { hide: true, response: { 200: Type.Object({ tokens: Type.Array(PersonalAccessItem) }), ...errorResponses(401, 403) } }, config: { auth: ACCOUNT } },
    async (request) => {
      const p = personalOf(request)
      return { tokens: await listPersonalAccess(ctx, p.orgId, { userId: p.user.id }) }
    },
  )

  typed.post(
    '/pats.create',
    {
      schema: {
        hide: true,
        body: Type.Object(
          { name: Type.Optional(Type.String({ maxLength: 200 })), scopes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 64 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), token: Type.String(), status: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()) }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      const p = personalOf(request)
      return createPat(ctx, p.user, { name: request.body.name ?? null, scopes: request.body.scopes })
    },
  )

  typed.post(
    '/password.change',
    {
      schema: {
        hide: true,
        body: Type.Object(
          { currentPassword: Type.String({ maxLength: PASSWORD_MAX }), newPassword: Type.String({ maxLength: PASSWORD_MAX }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({}), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ACCOUNT },
    },
    async (request) => {
      const p = personalOf(request)
      await changeOwnPassword(ctx, p, request.body)
      return {}
    },
  )

  typed.post(
    '/pats.revoke',
    { schema: { hide: true, body: IdBody, response: { 200: PersonalAccessItem, ...errorResponses(400, 401, 403, 404) } }, config: { auth: ACCOUNT } },
    async (request) => {
      const p = personalOf(request)
      return revokePersonalAccess(ctx, { orgId: p.orgId, userId: p.user.id }, request.body.id, { ownOnly: true })
    },
  )
}
