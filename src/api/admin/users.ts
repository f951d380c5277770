import { Type } from 'typebox'
import { createSigninLink } from '../../actions/sessions.js'
import { addUser } from '../../actions/users.js'
import { ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

/**
 * People, for administrators in the console: add a person and get a one-time sign-in link to hand
 * them (they set nothing up first; the link opens a session once, within 24 hours).
 */
export default async function adminUserRoutes(app: AdminApp): Promise<void> {
  app.post(
    '/users.create',
    {
      schema: {
        summary: 'Add a person to the organization',
        body: Type.Object(
          { email: Type.String({ maxLength: 320 }), name: Type.String({ maxLength: 200 }), isAdmin: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            user: Type.Object({ id: Type.String({ description: 'U-…' }), email: Type.String(), name: Type.String(), isAdmin: Type.Boolean() }),
            signinLink: Type.String({ description: 'One-time sign-in link for the new person, shown once' }),
          }),
          ...errorResponses(400, 401, 403, 409),
        },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const b = request.body
      const user = await addUser(app.ctx, p.orgId, { email: b.email, name: b.name, isAdmin: b.isAdmin ?? false, source: { via: 'api', actor: p.address } })
      const link = await createSigninLink(app.ctx, p.orgId, user.id)
      return { user: { id: `U-${user.id}`, email: user.email, name: user.name, isAdmin: user.isAdmin }, signinLink: link.url }
    },
  )
}
