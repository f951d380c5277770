import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Context } from '../context.js'
import { documentFor, OAUTH_METADATA_PATH, OUTSIDE_DOCUMENTS, SURFACES } from '../http/openapi.js'
import { requestPublicBase } from '../public-url.js'
import { renderPage } from './index.js'

/**
 * The API reference at /docs: the surfaces, and each surface's operations rendered from its
 * OpenAPI document (method, path, summary, parameters, body fields, scopes, responses). Plain
 * server-rendered HTML with a stylesheet from this origin: no script, no inline style.
 */

type Json = Record<string, unknown>

interface Field {
  name: string
  where: string
  type: string
  required: boolean
  description: string
}

interface Operation {
  anchor: string
  method: string
  path: string
  summary: string
  description: string
  deprecated: boolean
  fields: Field[]
  bodyType: string
  access: string
  scopes: string[][]
  responses: Array<{ status: string; description: string; type: string }>
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** A compact type name for a schema: string, integer[], Room, one of …. */
function typeName(schema: unknown, doc: Json): string {
  if (!schema || typeof schema !== 'object') return 'any'
  const s = schema as Json
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop()!
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ')
  if (s.const !== undefined) return JSON.stringify(s.const)
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined
  if (Array.isArray(union)) return union.map((u) => typeName(u, doc)).join(' | ')
  if (s.type === 'array') return `${typeName(s.items, doc)}[]`
  if (Array.isArray(s.type)) return s.type.join(' | ')
  if (typeof s.type === 'string') return s.format ? `${s.type} (${String(s.format)})` : s.type
  return 'any'
}

function resolve(schema: unknown, doc: Json): Json | undefined {
  if (!schema || typeof schema !== 'object') return undefined
  const ref = (schema as Json).$ref
  if (typeof ref !== 'string') return schema as Json
  const name = decodeURIComponent(ref.split('/').pop()!)
  return resolve(((doc.components as Json | undefined)?.schemas as Json | undefined)?.[name], doc)
}

function operations(doc: Json, base: string): Operation[] {
  const out: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined
      if (!op) continue
      const fields: Field[] = ((op.parameters as Json[] | undefined) ?? []).map((p) => ({
        name: String(p.name),
        where: String(p.in),
        type: typeName(p.schema, doc),
        required: p.required === true,
        description: String(p.description ?? (p.schema as Json | undefined)?.description ?? ''),
      }))
      let bodyType = ''
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>
      const [mediaType, media] = Object.entries(content)[0] ?? []
      if (mediaType) {
        const schema = resolve(media?.schema, doc)
        const props = (schema?.properties ?? {}) as Record<string, Json>
        const required = new Set((schema?.required as string[] | undefined) ?? [])
        bodyType = Object.keys(props).length > 0 ? mediaType : `${mediaType}${media?.schema ? `: ${typeName(media.schema, doc)}` : ''}`
        for (const [name, prop] of Object.entries(props)) {
          fields.push({ name, where: 'body', type: typeName(prop, doc), required: required.has(name), description: String(resolve(prop, doc)?.description ?? '') })
        }
      }
      const security = (op.security as Array<Record<string, string[]>> | undefined) ?? []
      const scopes: string[][] = []
      for (const req of security) for (const set of Object.values(req)) if (set.length > 0 && !scopes.some((s) => s.join(' ') === set.join(' '))) scopes.push(set)
      const schemes = [...new Set(security.flatMap((req) => Object.keys(req)))]
      const access = (op['x-atrium-access'] as Json | undefined) ?? {}
      const who = security.length === 0 ? 'No credentials' : [
        access.admin ? 'Organization administrators' : '',
        Array.isArray(access.models) ? `${(access.models as string[]).join(' or ')} access` : '',
        `via ${schemes.join(', ')}${security.some((req) => Object.keys(req).length === 0) ? ', or without' : ''}`,
      ].filter((s) => s !== '').join(' · ')
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(([status, r]) => {
        const [type, m] = Object.entries((r.content ?? {}) as Record<string, Json>)[0] ?? []
        return { status, description: String(r.description ?? ''), type: type ? `${type}${m?.schema ? `: ${typeName(m.schema, doc)}` : ''}` : '' }
      })
      const fullPath = `${base}${path}`
      out.push({
        anchor: `${method}-${fullPath}`.replace(/[^A-Za-z0-9]+/g, '-'),
        method: method.toUpperCase(),
        path: fullPath,
        summary: String(op.summary ?? ''),
        description: String(op.description ?? ''),
        deprecated: op.deprecated === true,
        fields,
        bodyType,
        access: who,
        scopes,
        responses,
      })
    }
  }
  return out
}

const STYLESHEET = `
:root { color-scheme: light dark; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: Canvas; color: CanvasText; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; }
nav.surfaces ul, ul.ops { list-style: none; padding: 0; }
nav.surfaces li { margin: .5rem 0; }
.op { border-top: 1px solid var(--border, #d1d5db); padding: .75rem 0; }
.op h3 { margin: 0; font-size: 1rem; font-weight: 600; }
.method { display: inline-block; min-width: 4.2rem; font: 600 .8rem ui-monospace, monospace; }
.path { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid var(--border, #d1d5db); }
code { font-size: .85rem; }
.muted { color: var(--muted, #6b7280); }
`

export async function apiReferenceRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts

  app.get('/docs/reference.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  )

  app.get('/docs', { schema: { hide: true } }, async (request, reply) => {
    const base = requestPublicBase(request, ctx.config)
    return renderPage(reply, 'apiIndex', {
      title: 'API reference',
      stylesheet: '/docs/reference.css',
      surfaces: SURFACES.map((s) => ({ id: s.id, title: s.title, description: s.description, document: s.document, server: `${base}${s.base}` })),
      metadata: OAUTH_METADATA_PATH,
      outside: OUTSIDE_DOCUMENTS.map((o) => o.what),
    })
  })

  app.get(
    '/docs/:surface',
    { schema: { hide: true, params: Type.Object({ surface: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const surface = SURFACES.find((s) => s.id === (request.params as { surface: string }).surface)
      if (!surface) return renderPage(reply, 'message', { title: 'No such API', message: `Atrium documents these APIs: ${SURFACES.map((s) => s.id).join(', ')}.`, error: true }, 404)
      const base = requestPublicBase(request, ctx.config)
      const doc = documentFor(app, surface, base)
      return renderPage(reply, 'apiSurface', {
        title: surface.title,
        stylesheet: '/docs/reference.css',
        surface: { title: surface.title, description: surface.description, document: surface.document, server: `${base}${surface.base}` },
        operations: operations(doc, surface.base),
      })
    },
  )
}
