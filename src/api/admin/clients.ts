import { Type } from 'typebox'
import { createApiKeyClient, createOAuthClient, deleteClient, listClients, rotateSigningSecret, setClientApiVersion, setClientRateLimit, updateClient } from '../../actions/clients.js'
import { API_VERSIONS } from '../../api-versions.js'
import type { App } from '../../domain.js'
import { fail } from '../../errors.js'
import { appMayHoldScope } from '../../access.js'
import { ADMIN_READ, ADMIN_WRITE, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import { isScope, SCOPES, type Scope } from '../../scopes.js'
import type { AdminApp } from './index.js'

const Model = Type.Union([Type.Literal('organization'), Type.Literal('personal')])

const Client = Type.Object({
  clientId: Type.String(),
  botId: Type.String({ description: "The client's bot address, B-…" }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  authType: Type.Union([Type.Literal('api_key'), Type.Literal('oauth'), Type.Literal('relay'), Type.Literal('personal')]),
  accessModels: Type.Array(Model),
  scopes: Type.Array(Type.String()),
  redirectUris: Type.Array(Type.String()),
  interactivityUrl: Type.Union([Type.String(), Type.Null()]),
  webhookUrl: Type.Union([Type.String(), Type.Null()]),
  public: Type.Boolean({ description: 'OAuth client without a secret (PKCE only)' }),
  rateLimitBurst: Type.Union([Type.Integer(), Type.Null()]),
  rateLimitPerSecond: Type.Union([Type.Number(), Type.Null()]),
  apiVersion: Type.Union([Type.String(), Type.Null()], { description: '/v1 version the client is pinned to (served when a request has no Roam-Version header); null: the baseline' }),
  createdAt: Type.String({ format: 'date-time' }),
})

function clientView(app: App) {
  return {
    clientId: app.clientId,
    botId: `B-${app.botId}`,
    name: app.name,
    description: app.description,
    authType: app.authType,
    accessModels: app.accessModels,
    scopes: app.scopes,
    redirectUris: app.redirectUris,
    interactivityUrl: app.interactivityUrl,
    webhookUrl: app.webhookUrl,
    public: app.authType === 'oauth' && app.confidential === false,
    rateLimitBurst: app.rateLimit?.burst ?? null,
    rateLimitPerSecond: app.rateLimit?.perSecond ?? null,
    apiVersion: app.apiVersion ?? null,
    createdAt: new Date(Math.floor(app.createdAt / 1000)).toISOString(),
  }
}

function scopeList(scopes: string[]): Scope[] {
  if (scopes.length === 1 && scopes[0] === 'all') return [...SCOPES]
  const forAdmins = scopes.filter((s) => !appMayHoldScope(s))
  if (forAdmins.length > 0) fail('invalid_request', `scopes: ${forAdmins.join(', ')} belong to administrators' personal access tokens, never to an app`)
  const unknown = scopes.filter((s) => !isScope(s))
  if (unknown.length > 0) fail('invalid_request', `scopes: unknown scope(s) ${unknown.join(', ')}`)
  return [...new Set(scopes)] as Scope[]
}

/** API clients ("Developer" settings): list, create (API key or OAuth), update URLs, rotate the signing secret, delete, rate limit, /v1 version pin. */
export default async function clientRoutes(app: AdminApp): Promise<void> {
  app.get(
    '/clients.list',
    { schema: { summary: 'API clients of the organization (API keys and OAuth clients)', response: { 200: Type.Object({ clients: Type.Array(Client) }), ...errorResponses(401, 403) } }, config: { auth: ADMIN_READ } },
    async (request) => ({ clients: (await listClients(app.ctx, principalOf(request).orgId)).map(clientView) }),
  )

  app.post(
    '/clients.create',
    {
      schema: {
        summary: 'Create an API key client or an OAuth client; its secret is shown once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            description: Type.Optional(Type.String({ maxLength: 1000 })),
            authType: Type.Union([Type.Literal('api_key'), Type.Literal('oauth')]),
            scopes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 64 }),
            accessModels: Type.Optional(Type.Array(Model, { minItems: 1, maxItems: 2 })),
            redirectUris: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 10 })),
            public: Type.Optional(Type.Boolean()),
            interactivityUrl: Type.Optional(Type.String({ maxLength: 2048 })),
            webhookUrl: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            client: Client,
            apiKey: Type.Optional(Type.String({ description: 'API key clients: the organization key, shown once' })),
            clientSecret: Type.Optional(Type.String({ description: 'Confidential OAuth clients: shown once' })),
            signingSecret: Type.String({ description: 'Webhook signing secret (whsec_…)' }),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const b = request.body
      const scopes = scopeList(b.scopes)
      const common = {
        name: b.name,
        description: b.description ?? null,
        scopes,
        createdBy: p.model === 'personal' ? p.user.id : null,
        interactivityUrl: b.interactivityUrl ?? null,
        webhookUrl: b.webhookUrl ?? null,
      }
      if (b.authType === 'api_key') {
        if (b.redirectUris?.length || b.public !== undefined) fail('invalid_request', 'redirectUris: only OAuth clients have redirect URIs')
        if (b.accessModels && b.accessModels.some((m) => m !== 'organization')) fail('invalid_request', 'accessModels: API keys give organization access only')
        const created = await createApiKeyClient(app.ctx, p.orgId, common)
        return { client: clientView(created.app), apiKey: created.apiKey, signingSecret: created.signingSecret }
      }
      const created = await createOAuthClient(app.ctx, p.orgId, {
        ...common,
        redirectUris: b.redirectUris ?? [],
        ...(b.accessModels ? { accessModels: b.accessModels } : {}),
        public: b.public ?? false,
      })
      return { client: clientView(created.app), ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}), signingSecret: created.signingSecret }
    },
  )

  app.post(
    '/clients.delete',
    { schema: { summary: 'Delete an API client and revoke its credentials', body: Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 200: Type.Object({}), ...errorResponses(400, 401, 403, 404) } }, config: { auth: ADMIN_WRITE } },
    async (request) => {
      const p = principalOf(request)
      await deleteClient(app.ctx, p.orgId, request.body.clientId, p.model === 'personal' ? p.user.id : null)
      return {}
    },
  )

  app.post(
    '/clients.update',
    {
      schema: {
        summary: "Change an API client's interactivity URL, webhook URL or redirect URIs",
        body: Type.Object(
          {
            clientId: Type.String({ minLength: 1, maxLength: 64 }),
            interactivityUrl: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()])),
            webhookUrl: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()])),
            redirectUris: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 10 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ client: Client }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const { clientId, ...change } = request.body
      return { client: clientView(await updateClient(app.ctx, p.orgId, clientId, change, p.model === 'personal' ? p.user.id : null)) }
    },
  )

  app.post(
    '/clients.rotateSecret',
    {
      schema: {
        summary: 'Issue a new webhook signing secret; the old one stops working',
        body: Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ client: Client, signingSecret: Type.String({ description: 'The new webhook signing secret (whsec_…), shown once' }) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const r = await rotateSigningSecret(app.ctx, p.orgId, request.body.clientId, p.model === 'personal' ? p.user.id : null)
      return { client: clientView(r.app), signingSecret: r.signingSecret }
    },
  )

  app.post(
    '/clients.setApiVersion',
    {
      schema: {
        summary: "Pin an API client to a /v1 version, or unpin it",
        description: `The version served to the client's /v1 requests that carry no Roam-Version header (one of ${API_VERSIONS.map((v) => v.version).join(', ')}); null unpins (the baseline).`,
        body: Type.Object(
          {
            clientId: Type.String({ minLength: 1, maxLength: 64 }),
            apiVersion: Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 32 })], { description: 'A /v1 version, or null to unpin' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ client: Client }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      return { client: clientView(await setClientApiVersion(app.ctx, p.orgId, request.body.clientId, request.body.apiVersion, p.model === 'personal' ? p.user.id : null)) }
    },
  )

  app.post(
    '/clients.setRateLimit',
    {
      schema: {
        summary: "Set or clear an API client's own rate limit",
        body: Type.Object(
          {
            clientId: Type.String({ minLength: 1, maxLength: 64 }),
            rateLimitBurst: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()]),
            rateLimitPerSecond: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }), Type.Null()]),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ client: Client }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const b = request.body
      return { client: clientView(await setClientRateLimit(app.ctx, principalOf(request).orgId, b.clientId, b.rateLimitBurst, b.rateLimitPerSecond)) }
    },
  )
}
