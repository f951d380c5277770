import { Type } from 'typebox'
import { decidePersonalAccess, listPersonalAccess, revokePersonalAccess } from '../../actions/pats.js'
import { ADMIN_READ, ADMIN_WRITE, personalOf, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { TAGGED_UUID_PATTERN } from '../../ids.js'
import { parseUserId } from '../../actions/users.js'
import { PersonalAccessItem } from '../account/index.js'
import type { AdminApp } from './index.js'

const Status = Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('rejected'), Type.Literal('revoked')])
const IdBody = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })

/** Personal access tokens and personal OAuth installs of the organization: list, approve, reject, revoke. */
export default async function patRoutes(app: AdminApp): Promise<void> {
  const admin = (request: Parameters<typeof personalOf>[0]) => {
    const p = personalOf(request)
    return { orgId: p.orgId, userId: p.user.id }
  }

  app.get(
    '/pats.list',
    {
      schema: {
        summary: 'Personal access tokens and OAuth grants of the organization (or of one person), by status',
        querystring: Type.Object({ status: Type.Optional(Status), user: Type.Optional(Type.String({ pattern: TAGGED_UUID_PATTERN, description: 'Only the tokens and grants of this person (U-…)' })) }),
        response: { 200: Type.Object({ tokens: Type.Array(PersonalAccessItem) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_READ },
    },
    async (request) => {
      const { status, user } = request.query
      return {
        tokens: await listPersonalAccess(app.ctx, principalOf(request).orgId, { ...(status ? { status } : {}), ...(user !== undefined ? { userId: parseUserId('user', user) } : {}) }),
      }
    },
  )

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/pats.${decision}`,
      { schema: { summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a pending personal access token or grant`, body: IdBody, response: { 200: PersonalAccessItem, ...errorResponses(400, 401, 403, 404, 409) } }, config: { auth: ADMIN_WRITE } },
      async (request) => decidePersonalAccess(app.ctx, admin(request), request.body.id, decision),
    )
  }

  app.post(
    '/pats.revoke',
    { schema: { summary: 'Revoke a personal access token or grant', body: IdBody, response: { 200: PersonalAccessItem, ...errorResponses(400, 401, 403, 404) } }, config: { auth: ADMIN_WRITE } },
    async (request) => revokePersonalAccess(app.ctx, admin(request), request.body.id, { ownOnly: false }),
  )
}
