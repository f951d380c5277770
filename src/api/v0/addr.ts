import { Type } from 'typebox'
import { addressInfo } from '../../actions/addresses.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { errorResponses, TaggedUUID } from '../../http/schemas.js'
import type { V0App } from './index.js'

const AddressUser = Type.Object({
  type: Type.Literal('user'),
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  displayImageUrl: Type.Optional(Type.String({ format: 'uri' })),
})

const AddressBot = Type.Object({
  type: Type.Literal('bot'),
  id: Type.String(),
  integrationId: Type.String({ description: "The app's client id" }),
  displayName: Type.String(),
  displayDetail: Type.Optional(Type.String()),
  displayImageUrl: Type.Optional(Type.String({ format: 'uri' })),
})

export default async function addrRoutes(app: V0App): Promise<void> {
  app.get(
    '/addr.info',
    {
      schema: {
        summary: 'Get info on an address',
        description: 'A user (U-) or bot (B-) address of this Roam.',
        tags: ['Users'],
        querystring: Type.Object({ addr: TaggedUUID }),
        response: { 200: Type.Union([AddressUser, AddressBot]), ...errorResponses(400, 401, 403) },
      },
      config: { auth: { scopes: [['chat:read']], models: ORG_ONLY } },
    },
    async (request) => addressInfo(app.ctx, principalOf(request), request.query.addr),
  )
}
