import contentDisposition from 'content-disposition'
import type { FastifyInstance } from 'fastify'
import { readItemFile } from '../actions/items.js'
import type { Context } from '../context.js'

/**
 * An ASCII stand-in for `filename=`: header values must be ASCII, and the library's default
 * fallback keeps Latin-1 letters (ü, é), which Node refuses to send. The exact name travels in
 * `filename*` (UTF-8).
 */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_')
}

/** Uploaded files at the `url` item.upload returns: `/items/<item id>`. */
export async function fileRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  app.get<{ Params: { id: string } }>('/items/:id', { schema: { hide: true } }, async (request, reply) => {
    const { item, bytes } = await readItemFile(opts.ctx, request.params.id)
    return reply
      .header('content-type', item.mime)
      .header('content-length', String(bytes.length))
      .header('content-disposition', contentDisposition(item.name, { type: item.type === 'photo' ? 'inline' : 'attachment', fallback: asciiFallback(item.name) }))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(bytes)
  })
}
