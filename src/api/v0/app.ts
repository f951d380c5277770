import { Type } from 'typebox'
import { uninstallApp } from '../../actions/oauth.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'

export default async function appRoutes(app: V0App): Promise<void> {
  app.post(
    '/app.uninstall',
    {
      schema: {
        summary: 'Revoke token and uninstall app',
        description:
          'Revokes the presented OAuth access token and its refresh token, and uninstalls the app for that authorization ' +
          '(the organization install for organization tokens, the personal install for personal tokens). ' +
          'Only OAuth access tokens: API keys and personal access tokens get 400.',
        tags: ['App'],
        response: { 200: Type.Object({}), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [], models: ORG_AND_PERSONAL } },
    },
    async (request) => {
      await uninstallApp(app.ctx, principalOf(request))
      return {}
    },
  )
}
