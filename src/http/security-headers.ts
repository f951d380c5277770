import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { LAYOUT_STYLE } from '../pages/templates.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Content-Security-Policy of server-rendered pages (`renderPage`). */
    pageContentSecurityPolicy: string
    /** The same for pages styled by a stylesheet of this origin instead of the layout's inline style. */
    stylesheetPageContentSecurityPolicy: string
  }
}

/**
 * Security headers on every response (@fastify/helmet, configured here rather than left to its
 * defaults):
 * - Content-Security-Policy for the web client: scripts, styles, fonts and connections from our
 *   own origin only (the realtime socket's ws(s) origin named explicitly, as older browsers do not
 *   read 'self' as covering it), images from our origin, data: and blob: plus the origins an
 *   administrator allows (ATRIUM_IMAGE_ORIGINS; others' tracking pixels are not fetched), no
 *   plugins, no <base>, forms to our origin, and never inside a frame (`frame-ancestors 'none'`).
 *   The built client (web/dist) has no inline script or style; React's style props are set through
 *   the CSSOM, which CSP does not restrict.
 * - Server-rendered pages narrow it further (`pageContentSecurityPolicy`).
 * - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`
 *   for browsers without frame-ancestors, Cross-Origin-Opener-Policy same-origin.
 * - Cross-Origin-Resource-Policy is not sent: avatars and files are meant to be shown by other
 *   origins' clients (Roam integrations), which their own authorization already governs.
 * - Strict-Transport-Security only when the public URL is https.
 */
function imageSources(config: Pick<Config, 'imageOrigins'>): string[] {
  return ["'self'", 'data:', 'blob:', ...config.imageOrigins]
}

function webClientDirectives(config: Pick<Config, 'imageOrigins' | 'publicUrl'>): Record<string, string[]> {
  const origin = new URL(config.publicUrl)
  const socketOrigin = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': imageSources(config),
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", socketOrigin],
    'media-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  }
}

/** The `'sha256-…'` source that allows exactly this inline `<style>` content. */
function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`
}

/**
 * The policy of a server-rendered page: no scripts at all, only the layout's own inline style
 * (allowed by its hash), images as for the client, forms may post to us and the OAuth consent's
 * redirect may continue to the client's registered redirect URI.
 */
function pageContentSecurityPolicy(config: Pick<Config, 'imageOrigins'>, layoutStyle: string): string {
  return [
    "default-src 'none'",
    `style-src ${styleHash(layoutStyle)}`,
    `img-src ${imageSources(config).join(' ')}`,
    "form-action 'self' http: https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
}

/** Read-only pages with their own stylesheet (the API reference): that stylesheet, no inline style, no forms. */
function stylesheetPageContentSecurityPolicy(config: Pick<Config, 'imageOrigins'>): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${imageSources(config).join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
}

export const securityHeaders = fp(async (app: FastifyInstance, opts: { config: Config }) => {
  const { config } = opts
  app.decorate('pageContentSecurityPolicy', pageContentSecurityPolicy(config, LAYOUT_STYLE))
  app.decorate('stylesheetPageContentSecurityPolicy', stylesheetPageContentSecurityPolicy(config))
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: webClientDirectives(config) },
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    xContentTypeOptions: true,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  })
})
