import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'

/** Where `npm run build` puts the web client (web/dist), relative to src/ and dist/ alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))

/**
 * Client-side routes of the web app. Each answers the app's index.html so a reload or a shared link
 * works. The list is explicit on purpose: the client never shadows an API path (/v0, /v1, /admin,
 * /oauth, /scim, /rpc, /app, /healthz…), and an unknown path still gets the JSON 404.
 */
export const CLIENT_ROUTES = ['/', '/office', '/chat', '/chat/*', '/builder', '/console', '/console/*', '/tokens', '/people', '/welcome'] as const

/**
 * Serves the built web client on the API's origin: hashed assets under /assets/ with a long cache
 * lifetime, index.html never cached. Without a build, `/` explains how to make one.
 */
export async function webClient(app: FastifyInstance, opts: { root?: string }): Promise<void> {
  const root = opts.root ?? DEFAULT_WEB_ROOT
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('The web client is not built. Run `npm run build` and restart.\n'),
    )
    return
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    serve: true,
    cacheControl: false,
    setHeaders: (res, filePath) => {
      if (filePath.includes('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable')
      else res.setHeader('cache-control', 'no-cache')
    },
  })
  for (const url of CLIENT_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }))
  }
}
