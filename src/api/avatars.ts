import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Context } from '../context.js'
import { hostedOrganization } from '../actions/bootstrap.js'

const palette = ['#5B3FD9', '#0F766E', '#B45309', '#BE123C', '#1D4ED8', '#4D7C0F']

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? `${parts[0]![0]}${parts[parts.length - 1]![0]}` : (parts[0] ?? '?').slice(0, 2)
  return letters.toUpperCase()
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A generated SVG avatar: the initials of a name on a colour picked from the name. */
export function avatarSvg(name: string): string {
  let hash = 0
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  const color = palette[hash % palette.length]
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" rx="24" fill="${color}"/><text x="64" y="80" font-family="system-ui,sans-serif" font-size="52" font-weight="600" fill="#fff" text-anchor="middle">${escapeXml(initials(name))}</text></svg>`
}

/** Default images for the organization (users and bots get theirs from their own modules). */
export async function avatarRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()
  typed.get(
    '/avatars/org/:kind',
    { schema: { hide: true, params: Type.Object({ kind: Type.Union([Type.Literal('image.svg'), Type.Literal('icon.svg')]) }) } },
    async (_request, reply) => {
      const org = await hostedOrganization(opts.ctx)
      return reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(avatarSvg(org?.name ?? 'Atrium'))
    },
  )
}
