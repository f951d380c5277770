import type { AddressInfo } from 'node:net'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { LightMyRequestResponse } from 'fastify'
import * as oidc from 'openid-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OUTSIDE_DOCUMENTS, SURFACES, surfaceOf, type Surface, type SurfaceId } from '../src/http/openapi.js'
import { ADMIN_SCOPES, SCOPES } from '../src/scopes.js'
import { API_VERSIONS, BASELINE_VERSION } from '../src/api-versions.js'
import { TestEnv } from './helpers.js'
import { consent, REDIRECT } from './oauth-flow.js'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020

type Json = Record<string, unknown>
interface Doc {
  openapi: string
  info: { description: string }
  servers: Array<{ url: string }>
  paths: Record<string, Record<string, Json>>
  components: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, Json> }
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']
const ORIGIN = 'http://localhost:80' // the origin app.inject requests come to

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => env.close())

async function documents(): Promise<Record<SurfaceId, Doc>> {
  const out: Partial<Record<SurfaceId, Doc>> = {}
  for (const s of SURFACES) {
    const res = await env.get(s.document)
    expect(res.statusCode, s.document).toBe(200)
    out[s.id] = res.json() as Doc
  }
  return out as Record<SurfaceId, Doc>
}

/** A route URL in OpenAPI form, relative to the surface's server: /v0/x → /x, :id → {id}. */
const documentedPath = (surface: Surface, url: string) => url.slice(surface.base.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** Validates a real response against the operation's documented response for its status. */
class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true })
  constructor(private readonly id: string, private readonly doc: Doc) {
    addFormats(this.ajv)
    this.ajv.addSchema(doc as unknown as Json, id)
  }

  errors(method: string, path: string, res: LightMyRequestResponse): string[] {
    const op = this.doc.paths[path]?.[method.toLowerCase()]
    if (!op) return [`${this.id} has no ${method} ${path}`]
    const response = (op.responses as Record<string, Json>)[String(res.statusCode)]
    if (!response) return [`${this.id} ${method} ${path} does not document status ${res.statusCode}`]
    const content = response.content as Record<string, Json> | undefined
    if (!content) return res.body === '' ? [] : [`${method} ${path} ${res.statusCode}: a body where the document says none`]
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (!content[mediaType]) return [`${method} ${path} ${res.statusCode}: content type ${mediaType} is not one of ${Object.keys(content).join(', ')}`]
    const pointer = ['paths', path, method.toLowerCase(), 'responses', String(res.statusCode), 'content', mediaType, 'schema']
      .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/')
    const validate = this.ajv.compile({ $ref: `${this.id}#/${pointer}` })
    const body: unknown = mediaType.endsWith('json') ? JSON.parse(res.body) : res.body
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${method} ${path} ${res.statusCode}: ${e.instancePath || '/'} ${e.message ?? ''}`)
  }
}

describe('API documents', () => {
  it('every API route is in exactly one document, and every documented operation is served', async () => {
    const docs = await documents()
    const served = new Set<string>()
    const problems: string[] = []
    for (const route of env.app.routeTable) {
      if (route.method === 'HEAD' || route.method === 'OPTIONS') continue
      const surface = surfaceOf(route.url)
      if (!surface) {
        const classes = OUTSIDE_DOCUMENTS.filter((o) => o.matches(route.url))
        if (classes.length !== 1) problems.push(`${route.method} ${route.url}: in no surface and in ${classes.length} classes of undocumented routes`)
        continue
      }
      const path = documentedPath(surface, route.url)
      served.add(`${surface.id} ${route.method.toLowerCase()} ${path}`)
      const inDocs = SURFACES.filter((s) => docs[s.id].paths[s === surface ? path : documentedPath(s, route.url)]?.[route.method.toLowerCase()] !== undefined && route.url.startsWith(s.base))
      if (inDocs.length !== 1 || inDocs[0] !== surface) problems.push(`${route.method} ${route.url}: in ${inDocs.map((s) => s.id).join(', ') || 'no document'}, expected ${surface.id}`)
    }
    for (const s of SURFACES) {
      for (const [path, item] of Object.entries(docs[s.id].paths)) {
        for (const method of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) {
          if (!served.has(`${s.id} ${method} ${path}`)) problems.push(`${s.document} describes ${method.toUpperCase()} ${path}, which is not served`)
        }
      }
    }
    expect(problems).toEqual([])
    // The surfaces are all there, with their operations.
    expect(Object.keys(docs.v0.paths)).toContain('/chat.post')
    expect(Object.keys(docs.v1.paths)).toContain('/chat.sendMessage')
    expect(Object.keys(docs.scim.paths)).toContain('/Users/{id}')
    expect(Object.keys(docs.roomlio.paths)).toEqual(expect.arrayContaining(['/WebAPI/RoomList', '/RoomList']))
    expect(Object.keys(docs.oauth.paths)).toEqual(expect.arrayContaining(['/oauth/authorize', '/oauth/token', '/.well-known/oauth-authorization-server']))
    expect(Object.keys(docs.admin.paths)).toContain('/clients.list')
  })

  it('each document is OpenAPI 3.1 with its own server, no doubled prefix, summaries, security schemes and compilable schemas', async () => {
    const docs = await documents()
    for (const s of SURFACES) {
      const doc = docs[s.id]
      expect(doc.openapi).toBe('3.1.0')
      expect(doc.servers).toEqual([{ url: `${ORIGIN}${s.base}` }])
      const schemes = doc.components.securitySchemes ?? {}
      for (const [path, item] of Object.entries(doc.paths)) {
        expect(path.startsWith('/'), `${s.id} ${path}`).toBe(true)
        if (s.base !== '') expect(path.startsWith(`${s.base}/`), `${s.id} ${path} repeats the server path`).toBe(false)
        for (const [method, op] of Object.entries(item)) {
          expect(op.summary, `${s.id} ${method} ${path} has a summary`).toEqual(expect.any(String))
          for (const requirement of (op.security as Array<Record<string, string[]>> | undefined) ?? []) {
            for (const [scheme, scopes] of Object.entries(requirement)) {
              expect(schemes[scheme], `${s.id} ${method} ${path}: scheme ${scheme}`).toBeDefined()
              for (const scope of scopes) expect([...SCOPES, ...ADMIN_SCOPES]).toContain(scope)
            }
          }
          // Operations Atrium only answers with an error are marked deprecated.
          const ok = Object.keys(op.responses as Json).filter((status) => /^[23]/.test(status))
          if (op.deprecated !== true) expect(ok.length, `${s.id} ${method} ${path} documents its success`).toBeGreaterThan(0)
        }
      }
      // Every schema in the document compiles as JSON Schema 2020-12 and every $ref resolves.
      const ajv = new Ajv2020({ strict: false })
      addFormats(ajv)
      ajv.addSchema(doc as unknown as Json, s.id)
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
            for (const mediaType of Object.keys((response.content as Json | undefined) ?? {})) {
              const pointer = ['paths', path, method, 'responses', status, 'content', mediaType, 'schema'].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')
              expect(() => ajv.compile({ $ref: `${s.id}#/${pointer}` }), `${s.id} ${method} ${path} ${status}`).not.toThrow()
            }
          }
        }
      }
    }
    // Security: bearer surfaces name the scopes; the admin API also takes the session cookie.
    expect(docs.v0.paths['/chat.history']!.get!.security).toEqual([{ bearer: ['chat:history'] }, { oauth2: ['chat:history'] }])
    expect(docs.v0.components.securitySchemes!.oauth2).toMatchObject({ flows: { authorizationCode: { authorizationUrl: `${ORIGIN}/oauth/authorize`, tokenUrl: `${ORIGIN}/oauth/token` } } })
    expect(docs.admin.paths['/clients.list']!.get!.security).toEqual([{ bearer: ['admin:read'] }, { session: [] }])
    expect(docs.admin.components.securitySchemes!.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'atrium_session' })
    expect(docs.scim.paths['/ServiceProviderConfig']!.get!.security).toEqual([])
    // The token endpoint: HTTP Basic, or the client's credentials in the form (or none, with PKCE).
    expect(docs.oauth.paths['/oauth/token']!.post!.security).toEqual([{ clientBasic: [] }, {}])
    expect(docs.oauth.components.securitySchemes!.clientBasic).toMatchObject({ type: 'http', scheme: 'basic' })
    // Each document carries only its own components.
    expect(Object.keys(docs.v0.components.schemas ?? {})).not.toContain('RoomlioError')
    expect(Object.keys(docs.roomlio.components.schemas ?? {})).toEqual(['RoomlioError'])
  })

  it('every /v1 operation documents the Roam-Version header, asked and answered', async () => {
    const docs = await documents()
    const versions = API_VERSIONS.map((v) => v.version)
    for (const [path, item] of Object.entries(docs.v1.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const param = ((op.parameters as Json[] | undefined) ?? []).find((p) => p.name === 'Roam-Version')
        expect(param, `${method} ${path}`).toMatchObject({ in: 'header', required: false, schema: { enum: versions } })
        for (const response of Object.values(op.responses as Record<string, Json>)) expect(response.headers).toHaveProperty('Roam-Version')
      }
    }
    // Only the dated surface has it.
    expect(JSON.stringify(docs.v0.paths)).not.toContain('Roam-Version')
    expect(docs.v1.info.description).toContain(BASELINE_VERSION)
  })

  it('the documents describe ATRIUM_PUBLIC_URL when it is set', async () => {
    const configured = await TestEnv.create({ publicUrl: 'https://chat.example.com', explicitPublicUrl: 'https://chat.example.com' })
    try {
      const doc = (await configured.get('/scim/v2/openapi.json')).json() as Doc
      expect(doc.servers).toEqual([{ url: 'https://chat.example.com/scim/v2' }])
    } finally {
      await configured.close()
    }
  })

  it('real responses of every surface match their documents', async () => {
    const docs = await documents()
    const contract = Object.fromEntries(SURFACES.map((s) => [s.id, new Contract(s.id, docs[s.id])])) as Record<SurfaceId, Contract>
    const client = await env.apiClient()
    const group = await env.group({ members: [client.bot] })
    const admin = await env.admin()
    const checks: Array<[SurfaceId, string, string, LightMyRequestResponse]> = []
    const check = (surface: SurfaceId, method: string, path: string, res: LightMyRequestResponse) => checks.push([surface, method, path, res])

    check('v0', 'GET', '/token.info', await env.get('/v0/token.info', { token: client.apiKey }))
    check('v0', 'GET', '/token.info', await env.get('/v0/token.info'))
    check('v0', 'POST', '/chat.post', await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'hello' } }))
    check('v0', 'GET', '/chat.history', await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.chatAddress } }))
    check('v0', 'GET', '/user.list', await env.get('/v0/user.list', { token: client.apiKey }))

    check('v1', 'GET', '/groups.list', await env.get('/v1/groups.list', { token: client.apiKey }))
    check('v1', 'POST', '/chat.sendMessage', await env.post('/v1/chat.sendMessage', { token: client.apiKey, body: { recipients: [group.id], text: 'hi' } }))
    check('v1', 'GET', '/test', await env.get('/v1/test'))
    check('v1', 'GET', '/magicast.list', await env.get('/v1/magicast.list'))
    check('v1', 'GET', '/token.info', await env.get('/v1/token.info', { token: client.apiKey }))
    check('v1', 'GET', '/token.info', await env.get('/v1/token.info'))
    check('v1', 'GET', '/group.list', await env.get('/v1/group.list', { token: client.apiKey }))
    check('v1', 'POST', '/chat.post', await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 'v1', sync: true } }))
    check('v1', 'GET', '/chat.history', await env.get('/v1/chat.history', { token: client.apiKey, query: { chatId: group.chatId } }))

    check('scim', 'GET', '/ServiceProviderConfig', await env.get('/scim/v2/ServiceProviderConfig'))
    check('scim', 'GET', '/Schemas', await env.get('/scim/v2/Schemas'))
    const created = await env.post('/scim/v2/Users', {
      token: client.apiKey,
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@example.com',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        emails: [{ value: 'ada@example.com', primary: true, type: 'work' }],
      },
    })
    check('scim', 'POST', '/Users', created)
    check('scim', 'GET', '/Users', await env.get('/scim/v2/Users', { token: client.apiKey }))
    check('scim', 'GET', '/Users/{id}', await env.get(`/scim/v2/Users/${created.json().id}`, { token: client.apiKey }))
    check('scim', 'GET', '/Users/{id}', await env.get('/scim/v2/Users/U-00000000-0000-4000-8000-000000000000', { token: client.apiKey }))
    check('scim', 'GET', '/Groups', await env.get('/scim/v2/Groups', { token: client.apiKey }))

    check('roomlio', 'POST', '/WebAPI/RoomCreate', await env.post('/rpc/WebAPI/RoomCreate', { token: client.apiKey, body: { roomKey: 'lobby', roomName: 'Lobby' } }))
    check('roomlio', 'POST', '/RoomList', await env.post('/rpc/RoomList', { token: client.apiKey, body: {} }))
    check('roomlio', 'POST', '/WebAPI/RoomHistory', await env.post('/rpc/WebAPI/RoomHistory', { token: client.apiKey, body: { roomKey: 'lobby' } }))
    check('roomlio', 'POST', '/RoomList', await env.post('/rpc/RoomList', { body: {} }))

    check('oauth', 'GET', '/.well-known/oauth-authorization-server', await env.get('/.well-known/oauth-authorization-server'))
    check('oauth', 'POST', '/oauth/token', await env.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=authorization_code&code=x&client_id=app_x' }))
    check('oauth', 'GET', '/oauth/authorize', await env.get('/oauth/authorize', { query: { response_type: 'code', client_id: 'app_x' } }))

    check('admin', 'GET', '/clients.list', await env.get('/admin/clients.list', { token: admin.token }))
    check('admin', 'GET', '/settings.info', await env.get('/admin/settings.info', { token: admin.token }))
    check('admin', 'GET', '/groups.list', await env.get('/admin/groups.list', { token: admin.token }))
    check('admin', 'GET', '/clients.list', await env.get('/admin/clients.list', { token: client.apiKey }))

    const statuses = checks.map(([s, m, p, res]) => `${s} ${m} ${p} ${res.statusCode}`)
    expect(statuses).toEqual([
      'v0 GET /token.info 200', 'v0 GET /token.info 401', 'v0 POST /chat.post 200', 'v0 GET /chat.history 200', 'v0 GET /user.list 200',
      'v1 GET /groups.list 200', 'v1 POST /chat.sendMessage 200', 'v1 GET /test 200', 'v1 GET /magicast.list 404',
      'v1 GET /token.info 200', 'v1 GET /token.info 401', 'v1 GET /group.list 200', 'v1 POST /chat.post 200', 'v1 GET /chat.history 200',
      'scim GET /ServiceProviderConfig 200', 'scim GET /Schemas 200', 'scim POST /Users 201', 'scim GET /Users 200', 'scim GET /Users/{id} 200', 'scim GET /Users/{id} 404', 'scim GET /Groups 200',
      'roomlio POST /WebAPI/RoomCreate 200', 'roomlio POST /RoomList 200', 'roomlio POST /WebAPI/RoomHistory 200', 'roomlio POST /RoomList 401',
      'oauth GET /.well-known/oauth-authorization-server 200', 'oauth POST /oauth/token 400', 'oauth GET /oauth/authorize 303',
      'admin GET /clients.list 200', 'admin GET /settings.info 200', 'admin GET /groups.list 200', 'admin GET /clients.list 403',
    ])
    expect(checks.flatMap(([s, m, p, res]) => contract[s].errors(m, p, res))).toEqual([])
  })
})

describe('OAuth 2.0 authorization server metadata (RFC 8414)', () => {
  it('says what the server does, with ATRIUM_PUBLIC_URL as the issuer', async () => {
    const configured = await TestEnv.create({ publicUrl: 'https://chat.example.com', explicitPublicUrl: 'https://chat.example.com' })
    try {
      const res = await configured.get('/.well-known/oauth-authorization-server')
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        issuer: 'https://chat.example.com',
        authorization_endpoint: 'https://chat.example.com/oauth/authorize',
        token_endpoint: 'https://chat.example.com/oauth/token',
        scopes_supported: [...SCOPES],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        code_challenge_methods_supported: ['S256'],
        service_documentation: 'https://chat.example.com/docs',
      })
      // Not an OpenID provider: no OpenID discovery document.
      expect((await configured.get('/.well-known/openid-configuration')).statusCode).toBe(404)
    } finally {
      await configured.close()
    }
  })

  it('openid-client discovers a listening server and completes the authorization code grant with PKCE against it', async () => {
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`
    const admin = await env.userWithPassword({ isAdmin: true })

    // A confidential client authenticating with HTTP Basic (client_secret_basic).
    const confidential = await env.oauthClient({ scopes: ['chat:read', 'groups:read'], redirectUris: [REDIRECT] })
    const config = await oidc.discovery(new URL(origin), confidential.app.clientId, undefined, oidc.ClientSecretBasic(confidential.clientSecret!), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
    })
    expect(config.serverMetadata().issuer).toBe(origin)
    expect(config.serverMetadata().token_endpoint).toBe(`${origin}/oauth/token`)
    expect(config.serverMetadata().supportsPKCE()).toBe(true)

    const browser = await env.signedIn(admin)
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'chat:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    })
    expect(authUrl.origin).toBe(origin)
    const callback = await consent(browser, authUrl, { model: 'organization' })
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })
    expect(tokens.access_token).toMatch(/^rmo-/)
    expect(tokens.scope).toBe('chat:read')
    const info = await fetch(`${origin}/v0/token.info`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(info.status).toBe(200)
    expect(((await info.json()) as { addr: string }).addr).toBe(`B-${confidential.app.botId}`)
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
    expect(refreshed.access_token).toMatch(/^rmo-/)

    // A public client (token_endpoint_auth_method none) with PKCE alone.
    const pub = await env.oauthClient({ public: true, scopes: ['user:read'], redirectUris: [REDIRECT] })
    const publicConfig = await oidc.discovery(new URL(origin), pub.app.clientId, undefined, oidc.None(), { algorithm: 'oauth2', execute: [oidc.allowInsecureRequests] })
    const publicVerifier = oidc.randomPKCECodeVerifier()
    const publicUrl = oidc.buildAuthorizationUrl(publicConfig, {
      redirect_uri: REDIRECT,
      code_challenge: await oidc.calculatePKCECodeChallenge(publicVerifier),
      code_challenge_method: 'S256',
    })
    const publicTokens = await oidc.authorizationCodeGrant(publicConfig, await consent(browser, publicUrl, { model: 'organization' }), { pkceCodeVerifier: publicVerifier })
    expect(publicTokens.access_token).toMatch(/^rmo-/)
    // The verifier is checked: a code cannot be redeemed with another one.
    const again = oidc.buildAuthorizationUrl(publicConfig, { redirect_uri: REDIRECT, code_challenge: await oidc.calculatePKCECodeChallenge(publicVerifier), code_challenge_method: 'S256' })
    await expect(oidc.authorizationCodeGrant(publicConfig, await consent(browser, again, { model: 'organization' }), { pkceCodeVerifier: oidc.randomPKCECodeVerifier() })).rejects.toMatchObject({ error: 'invalid_grant' })
  })
})

describe('API reference at /docs', () => {
  it('lists the surfaces and renders each document under a strict Content-Security-Policy', async () => {
    const index = await env.get('/docs')
    expect(index.statusCode).toBe(200)
    expect(index.headers['content-type']).toContain('text/html')
    for (const s of SURFACES) {
      expect(index.body).toContain(`href="/docs/${s.id}"`)
      expect(index.body).toContain(`href="${s.document}"`)
    }
    expect(index.body).toContain('href="/.well-known/oauth-authorization-server"')

    const v0 = await env.get('/docs/v0')
    expect(v0.statusCode).toBe(200)
    expect(v0.body).toContain('/v0/chat.post')
    expect(v0.body).toContain('Post to a chat')
    expect(v0.body).toContain('<code>chat:send_message</code> or <code>chat:write</code>')
    expect(v0.body).toMatch(/<code>chat<\/code><\/td><td>query<\/td>/)
    const admin = await env.get('/docs/admin')
    expect(admin.body).toContain('/admin/clients.list')
    expect(admin.body).toContain('Organization administrators')
    for (const s of SURFACES) expect((await env.get(`/docs/${s.id}`)).statusCode).toBe(200)
    expect((await env.get('/docs/nope')).statusCode).toBe(404)

    for (const page of [index, v0, admin]) {
      const policy = String(page.headers['content-security-policy'])
      expect(policy).toContain("script-src 'self'")
      expect(policy).toContain("style-src 'self'")
      expect(policy).not.toContain('unsafe-inline')
      // Nothing the policy would block is needed: no script at all, no style attributes, the
      // stylesheet from this origin.
      expect(page.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i)
      expect(page.body).toContain('<link rel="stylesheet" href="/docs/reference.css">')
    }
    const css = await env.get('/docs/reference.css')
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toContain('text/css')
  })
})
