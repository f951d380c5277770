import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import type { Context } from '../context.js'
import { requestPublicBase } from '../public-url.js'
import { SCOPE_DESCRIPTIONS } from '../scopes.js'
import { API_VERSIONS, BASELINE_VERSION } from '../api-versions.js'
import { SESSION_COOKIE, type RouteAuth } from './auth.js'
import { CLIENT_ROUTES } from './web.js'

/**
 * The API documents: one OpenAPI 3.1 document per surface, generated from the schemas written on
 * the routes. Each surface is an instance of @fastify/swagger under its own decorator; all of
 * them see every route, and each keeps the routes under its own prefix (with that prefix as the
 * server URL, so paths are relative to it). Security comes from the route's `config.auth`.
 * A route under a surface's prefix is always in that surface's document (`hide` does not apply
 * there); routes outside every surface are in no document (see OUTSIDE_DOCUMENTS).
 */

export type SurfaceId = 'v0' | 'v1' | 'scim' | 'roomlio' | 'oauth' | 'admin' | 'atrium'

export interface Surface {
  id: SurfaceId
  title: string
  description: string
  /** Path of the document. */
  document: string
  /** Server path the document's paths are relative to ('' = the origin). */
  base: string
  /** Whether a route URL belongs to this surface. */
  owns: (url: string) => boolean
  /** Security schemes the surface's operations use. */
  schemes: ReadonlyArray<'bearer' | 'oauth2' | 'session' | 'clientBasic'>
  /** Every operation takes, and every answer carries, the `Roam-Version` header (api-versions.ts). */
  dated?: boolean
}

const under = (prefix: string) => (url: string) => url.startsWith(`${prefix}/`)

/** The well-known path of RFC 8414 authorization server metadata. */
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server'

export const SURFACES: readonly Surface[] = [
  {
    id: 'v0',
    title: 'Roam HQ Chat API v0',
    description: 'Wire-compatible with the Roam HQ Chat API (Alpha) v0: RPC-style methods, GET with a query for reads, POST with JSON for writes.',
    document: '/v0/openapi.json',
    base: '/v0',
    owns: under('/v0'),
    schemes: ['bearer', 'oauth2'],
  },
  {
    id: 'v1',
    title: 'Roam HQ API v1',
    description:
      'The Roam HQ API v1: the organization-level methods of Roam’s published v1 document, and the methods Roam’s current clients call ' +
      '(token.info, group.list, chat.*, item.upload, webhook.*). Ids are bare UUIDs (tagged C-/D-/M-/G-/U-/B- ids are accepted on input). ' +
      'Errors are {"ok": false, "error": "<snake_case code>", "message": "<sentence>"}. ' +
      `Every request may name a dated version in the Roam-Version header (${API_VERSIONS.map((v) => v.version).join(', ')}); ` +
      `without one the API client’s pinned version is served (${BASELINE_VERSION} unless an administrator pinned another), and every answer names the version served.`,
    document: '/v1/openapi.json',
    base: '/v1',
    owns: under('/v1'),
    schemes: ['bearer', 'oauth2'],
    dated: true,
  },
  {
    id: 'scim',
    title: 'SCIM 2.0',
    description: 'User and group provisioning (RFC 7643, RFC 7644). Bodies are application/scim+json; discovery needs no credentials.',
    document: '/scim/v2/openapi.json',
    base: '/scim/v2',
    owns: under('/scim/v2'),
    schemes: ['bearer', 'oauth2'],
  },
  {
    id: 'roomlio',
    title: 'Roomlio Web API',
    description: 'RPC over HTTP: every method is a POST with a JSON body, at /rpc/WebAPI/<Method> and /rpc/<Method>. Errors are {"code", "message"}.',
    document: '/rpc/openapi.json',
    base: '/rpc',
    owns: under('/rpc'),
    schemes: ['bearer', 'oauth2'],
  },
  {
    id: 'oauth',
    title: 'OAuth 2.0 authorization server',
    description: `Authorization code grant with PKCE (S256) and refresh tokens (RFC 6749, RFC 7636); metadata at ${OAUTH_METADATA_PATH} (RFC 8414).`,
    document: '/oauth/openapi.json',
    base: '',
    owns: (url) => url.startsWith('/oauth/') || url === OAUTH_METADATA_PATH,
    schemes: ['session', 'clientBasic'],
  },
  {
    id: 'admin',
    title: 'Atrium admin API',
    description: "For organization administrators: an administrator's own personal access token holding admin:read (reads) or admin:write (changes), or their signed-in browser session (writes then carry the x-csrf-token header). OAuth and organization tokens are refused.",
    document: '/admin/openapi.json',
    base: '/admin',
    owns: under('/admin'),
    schemes: ['bearer', 'session'],
  },
  {
    id: 'atrium',
    title: 'Atrium extensions',
    description:
      "Atrium's own methods beside Roam's API (not part of it; an integration using them no longer runs unchanged against Roam): message search. Same credentials and scopes as the chat API v0, plus the web client's signed-in session.",
    document: '/atrium/openapi.json',
    base: '/atrium',
    owns: under('/atrium'),
    schemes: ['bearer', 'oauth2', 'session'],
  },
]

/**
 * Routes that belong to no API document, and why. Every route is either in exactly one surface
 * or matches one of these (test/openapi.test.ts holds the router to it).
 */
export const OUTSIDE_DOCUMENTS: ReadonlyArray<{ what: string; matches: (url: string) => boolean }> = [
  { what: 'the API documents and this reference themselves', matches: (url) => /^(\/docs(\/.*)?|.*\/openapi\.json)$/.test(url) },
  { what: 'the web client: its pages, files, and private session API (cookie + CSRF; it changes with the client)', matches: (url) => (CLIENT_ROUTES as readonly string[]).includes(url) || /^\/(assets\/.*|[^/]+\.[A-Za-z0-9]+)$/.test(url) || /^\/(app|account)\//.test(url) },
  { what: 'pages for people (sign-in, meeting links, lobbies, bookings)', matches: (url) => /^\/(login(\/.*)?|logout|m\/:id|l\/.*|bookings\/.*)$/.test(url) },
  { what: 'URLs Atrium hands out: file links, organization images, webhook relay inboxes', matches: (url) => /^\/(items\/:id|avatars\/.*|relay\/:token)$/.test(url) },
  { what: 'operations: health, readiness and Prometheus metrics', matches: (url) => /^\/(healthz|readyz|metrics)$/.test(url) },
]

export function surfaceOf(url: string): Surface | undefined {
  return SURFACES.find((s) => s.owns(url) && url !== s.document)
}

type SecurityRequirement = Record<string, string[]>

/** The route's declared access as OpenAPI security requirements (alternatives). */
function securityOf(auth: RouteAuth | undefined, surface: Surface): SecurityRequirement[] {
  if (!auth) return []
  const alternatives = auth.scopes.length > 0 ? auth.scopes.map((set) => [...set]) : [[]]
  const out: SecurityRequirement[] = []
  for (const scheme of surface.schemes) {
    if (scheme === 'clientBasic') continue
    if (scheme === 'session' ? !auth.session : auth.session === 'only') continue
    // A signed-in session holds no scopes: the route's other rules (administrator, membership) apply.
    if (scheme === 'session') out.push({ session: [] })
    else for (const scopes of alternatives) out.push({ [scheme]: scopes })
  }
  return out
}

function securitySchemes(surface: Surface, base: string): Record<string, unknown> {
  const all: Record<string, unknown> = {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'An organization API key (rmk-…), a personal access token (rmp-…) or an OAuth access token (rmo-…). Scopes listed on an operation are alternatives.',
    },
    oauth2: {
      type: 'oauth2',
      description: 'Tokens from the authorization code grant with PKCE (S256).',
      flows: {
        authorizationCode: {
          authorizationUrl: `${base}/oauth/authorize`,
          tokenUrl: `${base}/oauth/token`,
          refreshUrl: `${base}/oauth/token`,
          scopes: { ...SCOPE_DESCRIPTIONS },
        },
      },
    },
    session: {
      type: 'apiKey',
      in: 'cookie',
      name: SESSION_COOKIE,
      description: 'The signed-in browser session (POST /login). Writes must carry the CSRF token of the page in the x-csrf-token header (forms: _csrf).',
    },
    clientBasic: {
      type: 'http',
      scheme: 'basic',
      description: 'client_secret_basic: a confidential client\'s client_id and client_secret. Confidential clients may send them in the form instead (client_secret_post); public clients send only client_id and use PKCE.',
    },
  }
  return Object.fromEntries(surface.schemes.map((s) => [s, all[s]]))
}

const decorator = (surface: Surface) => `openapi_${surface.id}`

type Document = Record<string, unknown> & { paths: Record<string, Record<string, unknown>>; components: Record<string, Record<string, unknown>> }

/** Components a document refers to (transitively); the others belong to other surfaces. */
function pruneComponents(doc: Document): Document {
  const schemas = doc.components.schemas ?? {}
  const used = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (!node || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = decodeURIComponent(value.slice('#/components/schemas/'.length).split('/')[0]!)
        if (!used.has(name)) {
          used.add(name)
          visit(schemas[name])
        }
      } else visit(value)
    }
  }
  visit(doc.paths)
  doc.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
  return doc
}

/** The `Roam-Version` request header and response header on every operation of a dated surface. */
function addVersionHeader(doc: Document): Document {
  const versions = API_VERSIONS.map((v) => v.version)
  const schema = { type: 'string', enum: versions }
  const changes = API_VERSIONS.map((v) => `${v.version}: ${v.change}`).join(' ')
  for (const item of Object.values(doc.paths)) {
    for (const operation of Object.values(item) as Array<{ parameters?: unknown[]; responses?: Record<string, { headers?: Record<string, unknown> }> }>) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue
      operation.parameters = [
        ...(operation.parameters ?? []),
        { name: 'Roam-Version', in: 'header', required: false, schema, description: `API version to serve. ${changes}` },
      ]
      for (const response of Object.values(operation.responses)) {
        response.headers = { ...response.headers, 'Roam-Version': { description: 'The API version served', schema } }
      }
    }
  }
  return doc
}

/** The surface's document as served: servers and OAuth URLs at the caller's public origin. */
export function documentFor(app: FastifyInstance, surface: Surface, base: string): Document {
  const generated = (app as unknown as Record<string, () => Document>)[decorator(surface)]!()
  const doc = structuredClone(generated)
  doc.servers = [{ url: `${base}${surface.base}` }]
  doc.components.securitySchemes = securitySchemes(surface, base)
  return doc
}

/**
 * Registers the documents (`<surface>/openapi.json`) and the API reference (`/docs`). Register
 * before the route modules: the documents see only routes added after this.
 */
export const apiDocuments = fp(async (app: FastifyInstance, opts: { ctx: Context }) => {
  const { ctx } = opts
  for (const surface of SURFACES) {
    await app.register(swagger, {
      decorator: decorator(surface),
      openapi: {
        openapi: '3.1.0',
        info: { title: `${surface.title} (Atrium)`, version: '0.1.0', description: surface.description },
        servers: [{ url: surface.base || '/' }],
        components: { securitySchemes: securitySchemes(surface, '') as never },
      },
      stripBasePath: false,
      transform: ({ schema, url, route }) => {
        if (surfaceOf(url) !== surface) return { schema: { hide: true }, url }
        const auth = (route as RouteOptions).config?.auth
        const { hide: _hide, ...shown } = (schema ?? {}) as Record<string, unknown>
        return {
          schema: {
            ...shown,
            // A route may state its own (OAuth endpoints: the client's credentials, the session).
            security: shown.security ?? securityOf(auth, surface),
            ...(auth ? { 'x-atrium-access': { models: [...auth.models], ...(auth.admin ? { admin: true } : {}), ...(auth.session ? { session: auth.session } : {}) } } : {}),
          } as never,
          url: url.slice(surface.base.length),
        }
      },
      transformObject: (generated) => {
        if (!('openapiObject' in generated)) return generated as never
        const doc = pruneComponents(generated.openapiObject as unknown as Document)
        return (surface.dated ? addVersionHeader(doc) : doc) as never
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    })
  }

  for (const surface of SURFACES) {
    app.get(surface.document, { schema: { hide: true } }, async (request, reply) =>
      reply.header('cache-control', 'no-cache').send(documentFor(app, surface, requestPublicBase(request, ctx.config))),
    )
  }
})
