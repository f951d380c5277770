import { Eta } from 'eta'
import type { FastifyReply } from 'fastify'
import { templates } from './templates.js'

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true })
for (const [name, template] of Object.entries(templates)) eta.loadTemplate(`@${name}`, template)

export interface PageData {
  title: string
  [key: string]: unknown
}

/**
 * Renders a server-side page through the shared layout: HTML-escaped data, the page's CSRF token
 * (`it.csrfToken`, already in a hidden field via `include('@csrf', it)` and in a meta tag),
 * security headers that keep the page out of frames and scripts out of the page (the global ones
 * from http/security-headers.ts, with a page policy that allows only the layout's own style).
 */
export function renderPage(reply: FastifyReply, template: string, data: PageData, status = 200): FastifyReply {
  if (!(template in templates)) throw new Error(`no page template "${template}"`)
  const csrfToken = reply.generateCsrf()
  const html = eta.render(`@${template}`, { siteName: 'Atrium', ...data, csrfToken })
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', 'stylesheet' in data ? reply.server.stylesheetPageContentSecurityPolicy : reply.server.pageContentSecurityPolicy)
    .send(html)
}
