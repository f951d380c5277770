import { Type } from 'typebox'
import { describeTokenV1 } from '../../actions/tokens.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from '../v0/index.js'

const Identity = Type.Object({
  id: Type.String({ description: 'Bare UUID' }),
  name: Type.String(),
  imageUrl: Type.Optional(Type.String()),
})

const TokenInfo = Type.Object({
  user: Type.Object(Identity.properties, {
    description: "Who the token acts as: the app's bot for an organization key, the person for a personal token",
  }),
  bot: Type.Optional(
    Type.Object(Identity.properties, {
      description: "Personal access tokens only: the token's own bot persona, which its /v1 messages come from",
    }),
  ),
  scopes: Type.Array(Type.String(), { description: 'Scopes granted to this token' }),
})

export async function tokenRoutesV1(app: V0App): Promise<void> {
  app.get(
    '/token.info',
    {
      schema: {
        summary: 'Access token info',
        description: 'The identity the presented token acts as, and its scopes. No scope required.',
        tags: ['Token'],
        response: { 200: TokenInfo, ...errorResponses(401, 403) },
      },
      config: { auth: { scopes: [], models: ORG_AND_PERSONAL } },
    },
    async (request) => describeTokenV1(app.ctx, principalOf(request)),
  )
}
