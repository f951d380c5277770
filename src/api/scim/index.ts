import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  createScimGroup,
  createScimUser,
  deleteScimGroup,
  deleteScimUser,
  getScimGroup,
  getScimUser,
  listScimGroups,
  listScimUsers,
  patchScimGroup,
  patchScimUser,
  replaceScimGroup,
  replaceScimUser,
  SCIM_SCHEMA,
  ScimError,
  type ListParams,
} from '../../actions/scim.js'
import type { Context } from '../../context.js'
import { AppError, errorCatalogue } from '../../errors.js'
import { ORG_ONLY, principalOf } from '../../http/auth.js'
import { limitedJsonParser } from '../../http/input.js'
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js'
import { publicUrl } from '../../public-url.js'
import { DiscoveryDocument, ListResponse, ScimError as ScimErrorBody, ScimGroup, ScimUser, scimErrors } from './schemas.js'

/**
 * SCIM 2.0 at /scim/v2: discovery without authentication; Users and Groups with an organization
 * API key holding user:read and user:read.email (reads) or user:write (writes). Bodies are
 * `application/scim+json` (plain JSON is accepted too); every answer, errors included, is
 * `application/scim+json`, errors in the SCIM error shape. Request bodies are checked field by
 * field in actions/scim.ts, so the messages follow Roam's SCIM wording.
 */
export const SCIM_CONTENT_TYPE = 'application/scim+json'

const READ = { auth: { scopes: [['user:read', 'user:read.email']], models: ORG_ONLY } }
const WRITE = { auth: { scopes: [['user:write']], models: ORG_ONLY } }

const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 2048 })),
  startIndex: Type.Optional(Type.Integer()),
  count: Type.Optional(Type.Integer()),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 256 })),
  attributes: Type.Optional(Type.String({ maxLength: 256 })),
})
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const AnyBody = Type.Unknown()

/** A SCIM error body; `code` is Atrium's stable error code, as on every other API. */
function scimError(reply: FastifyReply, status: number, detail: string, scimType?: string, code?: string): FastifyReply {
  return reply
    .code(status)
    .type(SCIM_CONTENT_TYPE)
    .send({ schemas: [SCIM_SCHEMA.error], status: String(status), ...(scimType ? { scimType } : {}), detail, code: code ?? codeForStatus(status) })
}

function codeForStatus(status: number): string {
  const found = Object.entries(errorCatalogue).find(([, entry]) => entry.status === status)
  return found ? found[0] : status >= 500 ? 'internal' : 'invalid_request'
}

function listParams(q: { filter?: string; startIndex?: number; count?: number; excludedAttributes?: string }): ListParams {
  return {
    ...(q.filter !== undefined ? { filter: q.filter } : {}),
    ...(q.startIndex !== undefined ? { startIndex: q.startIndex } : {}),
    ...(q.count !== undefined ? { count: q.count } : {}),
    ...(q.excludedAttributes !== undefined ? { excludedAttributes: q.excludedAttributes } : {}),
  }
}

export async function scimRoutes(root: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { ctx } = opts
  const baseUrl = publicUrl(ctx.config, '/scim/v2')

  app.addContentTypeParser(SCIM_CONTENT_TYPE, { parseAs: 'string' }, limitedJsonParser(app, ctx.config.jsonMaxDepth))
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode !== 204) reply.type(SCIM_CONTENT_TYPE)
    return payload
  })

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const scimType = err instanceof ScimError ? err.scimType : err.status === 400 ? 'invalidValue' : err.status === 409 ? 'uniqueness' : undefined
      for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
      return scimError(reply, err.status, err.message, scimType, err.code)
    }
    if ((err as FastifyError).validation) {
      const detail = (err as FastifyError).validation!.map((v) => `${v.instancePath || (err as FastifyError).validationContext || ''} ${v.message ?? ''}`.trim()).join('; ')
      return scimError(reply, 400, detail, 'invalidValue')
    }
    const status = (err as FastifyError).statusCode
    if (status !== undefined && status >= 400 && status < 500) return scimError(reply, status, err.message, status === 400 ? 'invalidSyntax' : undefined)
    request.log.error({ err }, 'SCIM request failed')
    return scimError(reply, 500, 'An internal error occurred.')
  })
  root.errorSenders.set(`${app.prefix}/`, (reply, err) => scimError(reply, err.status, err.message, err.status === 400 ? 'invalidValue' : undefined, err.code))
  app.setNotFoundHandler((request, reply) => scimError(reply, 404, `No such SCIM endpoint: ${request.method} ${request.url.split('?')[0]}`))

  // actions/scim.ts builds every body field by field; the response schemas describe them (for
  // the API document) and the bodies are sent as built.
  app.setReplySerializer((payload) => JSON.stringify(payload))
  for (const schema of [ScimUser, ScimGroup, ScimErrorBody]) app.addSchema(schema)
  const User = Type.Ref('ScimUser')
  const Group = Type.Ref('ScimGroup')
  const Deleted = { description: 'Deleted', type: 'null' }
  const doc = (summary: string, response: Record<number, unknown>, extra: Record<string, unknown> = {}) => ({
    summary,
    ...extra,
    ...('body' in extra ? { consumes: [SCIM_CONTENT_TYPE, 'application/json'] } : {}),
    produces: [SCIM_CONTENT_TYPE],
    response,
  })
  const discovery = (summary: string, ...errors: number[]) => doc(summary, { 200: DiscoveryDocument, ...scimErrors(...errors) })
  const discoveryList = (summary: string) => doc(summary, { 200: ListResponse(DiscoveryDocument) })

  app.get('/ServiceProviderConfig', { schema: discovery('What this service provider supports') }, async () => serviceProviderConfig(baseUrl))
  app.get('/ResourceTypes', { schema: discoveryList('Resource types: User and Group') }, async () => {
    const all = resourceTypes(baseUrl)
    return { schemas: [SCIM_SCHEMA.list], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all }
  })
  app.get('/ResourceTypes/:id', { schema: { ...discovery('A resource type', 404), params: IdParams } }, async (request) => {
    const found = resourceTypes(baseUrl).find((r) => r.id === request.params.id)
    if (!found) throw new ScimError('not_found', undefined, `ResourceType ${request.params.id} not found`)
    return found
  })
  app.get('/Schemas', { schema: discoveryList('The schemas of the resources and their attributes') }, async () => {
    const all = schemas(baseUrl)
    return { schemas: [SCIM_SCHEMA.list], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all }
  })
  app.get('/Schemas/:id', { schema: { ...discovery('A schema', 404), params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }) } }, async (request) => {
    const found = schemas(baseUrl).find((s) => s.id === request.params.id)
    if (!found) throw new ScimError('not_found', undefined, `Schema ${request.params.id} not found`)
    return found
  })

  const userBody = { body: AnyBody, description: 'A SCIM User resource (urn:ietf:params:scim:schemas:core:2.0:User); checked attribute by attribute.' }
  const patchBody = { body: AnyBody, description: 'A SCIM PatchOp (urn:ietf:params:scim:api:messages:2.0:PatchOp).' }
  const groupBody = { body: AnyBody, description: 'A SCIM Group resource (urn:ietf:params:scim:schemas:core:2.0:Group); checked attribute by attribute.' }

  app.get('/Users', { schema: { ...doc('List or filter people', { 200: ListResponse(User), ...scimErrors(400, 401, 403) }), querystring: ListQuery }, config: READ }, async (request) =>
    listScimUsers(ctx, principalOf(request).orgId, listParams(request.query), baseUrl),
  )
  app.post('/Users', { schema: doc('Add a person', { 201: User, ...scimErrors(400, 401, 403, 409) }, userBody), config: WRITE }, async (request, reply) =>
    reply.code(201).send(await createScimUser(ctx, principalOf(request), request.body, baseUrl)),
  )
  app.get('/Users/:id', { schema: { ...doc('A person', { 200: User, ...scimErrors(401, 403, 404) }), params: IdParams }, config: READ }, async (request) =>
    getScimUser(ctx, principalOf(request).orgId, request.params.id, baseUrl),
  )
  app.put('/Users/:id', { schema: { ...doc('Replace a person', { 200: User, ...scimErrors(400, 401, 403, 404, 409) }, userBody), params: IdParams }, config: WRITE }, async (request) =>
    replaceScimUser(ctx, principalOf(request), request.params.id, request.body, baseUrl),
  )
  app.patch('/Users/:id', { schema: { ...doc('Change a person (active, name, role, …)', { 200: User, ...scimErrors(400, 401, 403, 404, 409) }, patchBody), params: IdParams }, config: WRITE }, async (request) =>
    patchScimUser(ctx, principalOf(request), request.params.id, request.body, baseUrl),
  )
  app.delete('/Users/:id', { schema: { ...doc('Deactivate a person', { 204: Deleted, ...scimErrors(401, 403, 404) }), params: IdParams }, config: WRITE }, async (request, reply) => {
    await deleteScimUser(ctx, principalOf(request), request.params.id)
    return reply.code(204).send()
  })

  app.get('/Groups', { schema: { ...doc('List or filter groups', { 200: ListResponse(Group), ...scimErrors(400, 401, 403) }), querystring: ListQuery }, config: READ }, async (request) =>
    listScimGroups(ctx, principalOf(request).orgId, listParams(request.query), baseUrl),
  )
  app.post('/Groups', { schema: doc('Create a group', { 201: Group, ...scimErrors(400, 401, 403, 409) }, groupBody), config: WRITE }, async (request, reply) =>
    reply.code(201).send(await createScimGroup(ctx, principalOf(request), request.body, baseUrl)),
  )
  app.get('/Groups/:id', { schema: { ...doc('A group', { 200: Group, ...scimErrors(401, 403, 404) }), params: IdParams, querystring: ListQuery }, config: READ }, async (request) =>
    getScimGroup(ctx, principalOf(request).orgId, request.params.id, baseUrl, listParams(request.query)),
  )
  app.put('/Groups/:id', { schema: { ...doc('Replace a group', { 200: Group, ...scimErrors(400, 401, 403, 404, 409) }, groupBody), params: IdParams }, config: WRITE }, async (request) =>
    replaceScimGroup(ctx, principalOf(request), request.params.id, request.body, baseUrl),
  )
  app.patch('/Groups/:id', { schema: { ...doc('Change a group (name, members)', { 200: Group, ...scimErrors(400, 401, 403, 404, 409) }, patchBody), params: IdParams }, config: WRITE }, async (request) =>
    patchScimGroup(ctx, principalOf(request), request.params.id, request.body, baseUrl),
  )
  app.delete('/Groups/:id', { schema: { ...doc('Archive a group', { 204: Deleted, ...scimErrors(401, 403, 404) }), params: IdParams }, config: WRITE }, async (request, reply) => {
    await deleteScimGroup(ctx, principalOf(request), request.params.id)
    return reply.code(204).send()
  })
}
