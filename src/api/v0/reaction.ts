import { Type } from 'typebox'
import { addReaction } from '../../actions/messages.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { Empty, SEND_SCOPES } from './chat-schemas.js'
import type { V0App } from './index.js'

export default async function reactionRoutes(app: V0App): Promise<void> {
  app.post(
    '/reaction.add',
    {
      schema: {
        summary: 'Add reaction to message',
        description: 'Emoji shortcode without colons (thumbs_up, 100, +1). Adding the same reaction again changes nothing.',
        tags: ['Chat'],
        body: Type.Object({
          chat: Type.String({ description: 'Chat id (C-, D-, M-) or group id (G-)' }),
          timestamp: Type.Integer({ minimum: 0 }),
          name: Type.String(),
        }),
        response: { 200: Empty, ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: SEND_SCOPES, models: ORG_ONLY } },
    },
    async (request) => {
      await addReaction(app.ctx, principalOf(request), request.body)
      return {}
    },
  )
}
