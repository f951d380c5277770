import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { requireAccessModel, requireOrgAdmin, requireScopes, type ScopeRequirement } from '../access.js'
import { authenticate } from '../actions/auth.js'
import type { Context } from '../context.js'
import type { AccessModel, Principal } from '../domain.js'
import { fail } from '../errors.js'

/** What a route needs from its caller. Routes without `auth` need none (public pages, health). */
export interface RouteAuth {
  /** Alternatives of scope sets; empty means no scope is needed. */
  scopes: ScopeRequirement
  /** Access models the route supports. */
  models: ReadonlyArray<AccessModel>
  /** Organization administrators only (admin API): the caller must act as an admin user. */
  admin?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth
  }
  interface FastifyRequest {
    principal: Principal | undefined
  }
}

/** Common route requirements, named for readability in route files. */
export const ORG_ONLY: ReadonlyArray<AccessModel> = ['organization']
export const ORG_AND_PERSONAL: ReadonlyArray<AccessModel> = ['organization', 'personal']
/** Admin API routes: an administrator acting as themself (personal token, later a session). */
export const ADMIN: RouteAuth = { scopes: [], models: ['personal'], admin: true }

const bearerRe = /^Bearer\s+(\S+)\s*$/i

/** Resolves `Authorization: Bearer …` on every route that declares `config.auth`. */
export const authPlugin = fp(async (app: FastifyInstance, opts: { ctx: Context }) => {
  app.decorateRequest('principal', undefined)
  app.addHook('preValidation', async (request) => {
    const auth = request.routeOptions.config.auth
    if (!auth) return
    const header = request.headers.authorization
    if (!header) fail('not_authed')
    const match = bearerRe.exec(header)
    if (!match) fail('invalid_auth', 'Authorization header must be "Bearer <token>".')
    const principal = await authenticate(opts.ctx, match[1]!)
    request.principal = principal
    requireAccessModel(principal, auth.models)
    requireScopes(principal, auth.scopes)
    if (auth.admin) requireOrgAdmin(principal)
  })
})

/** The authenticated caller of a route that declared `config.auth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} used principalOf without config.auth`)
  return request.principal
}
