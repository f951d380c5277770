import { Type } from 'typebox'
import { getSettings, setPersonalAccess } from '../../actions/settings.js'
import { ADMIN_READ, ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { AdminApp } from './index.js'

const Policy = Type.Union([Type.Literal('disabled'), Type.Literal('approval'), Type.Literal('auto')])
const Settings = Type.Object({ personalAccess: Policy })

export default async function settingsRoutes(app: AdminApp): Promise<void> {
  app.get(
    '/settings.info',
    { schema: { summary: 'The organization\'s settings', response: { 200: Settings, ...errorResponses(401, 403) } }, config: { auth: ADMIN_READ } },
    async (request) => getSettings(app.ctx, principalOf(request).orgId),
  )

  app.post(
    '/settings.update',
    {
      schema: { summary: 'Change the personal access policy', body: Type.Object({ personalAccess: Policy }, { additionalProperties: false }), response: { 200: Settings, ...errorResponses(400, 401, 403) } },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      return setPersonalAccess(app.ctx, p.orgId, request.body.personalAccess, p.model === 'personal' ? p.user.id : null)
    },
  )
}
