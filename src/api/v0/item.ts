import { ITEM_CONTENT_TYPES, MAX_ITEM_BYTES, uploadItem } from '../../actions/items.js'
import { ORG_ONLY, principalOf, type RouteAuth } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { ChatItem } from './chat-schemas.js'
import type { V0App } from './index.js'

/**
 * `item.upload` takes the raw file bytes (not JSON, not multipart). Inside this route's own scope
 * every content type is read as bytes up to 10 MB (more is 413); the action answers 415 for
 * types outside the allowed set. v0 takes organization credentials (Roam's chat.json); v1 also
 * personal ones, whose personal agents attach files to what they post.
 */
export default async function itemRoutes(app: V0App, models: RouteAuth['models'] = ORG_ONLY): Promise<void> {
  await app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers()
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_ITEM_BYTES }, (_request, body, done) => done(null, body))
    scoped.post(
      '/item.upload',
      {
        bodyLimit: MAX_ITEM_BYTES,
        schema: {
          summary: 'Upload an item',
          description: `Raw file bytes with Content-Type (${ITEM_CONTENT_TYPES.join(', ')}) and Content-Disposition: attachment; filename="…". At most 10 MB.`,
          tags: ['Chat'],
          response: { 200: ChatItem, ...errorResponses(400, 401, 403, 413, 415) },
        },
        config: { auth: { scopes: [['item:write']], models } },
      },
      async (request) => {
        const type = request.headers['content-type']
        return uploadItem(app.ctx, principalOf(request), {
          contentType: type ? type.split(';')[0]!.trim().toLowerCase() : undefined,
          contentDisposition: request.headers['content-disposition'],
          bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        })
      },
    )
  })
}
