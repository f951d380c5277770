import { Type } from 'typebox'
import { describeToken } from '../../actions/tokens.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses, TaggedUUID } from '../../http/schemas.js'
import type { V0App } from './index.js'

const TokenInfo = Type.Object({
  addr: TaggedUUID,
  scopes: Type.Array(Type.String(), { description: 'Scopes granted to this token' }),
  roam: Type.Object({
    id: Type.String({ description: "The Roam's external ID" }),
    name: Type.String({ description: "The Roam's display name" }),
    imageUrl: Type.Optional(Type.String({ format: 'uri' })),
    iconUrl: Type.Optional(Type.String({ format: 'uri' })),
  }),
})

export default async function tokenRoutes(app: V0App): Promise<void> {
  app.get(
    '/token.info',
    {
      schema: {
        summary: 'Access token info',
        description: 'The chat address, scopes and workspace of the presented token. No scope required.',
        tags: ['App'],
        response: { 200: TokenInfo, ...errorResponses(401, 403) },
      },
      config: { auth: { scopes: [], models: ORG_AND_PERSONAL } },
    },
    async (request) => describeToken(app.ctx, principalOf(request)),
  )
}
