import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import { requireAccessModel, requireOrgAdmin, requireScopes, sessionOnPersonalApi, type ScopeRequirement } from '../access.js'
import { authenticate } from '../actions/auth.js'
import { resolveSession } from '../actions/sessions.js'
import type { Context } from '../context.js'
import type { AccessModel, Principal } from '../domain.js'
import { AppError, fail } from '../errors.js'
import { budgetOf, enforce, rateLimitHeaders, type RateLimiter, type RateLimitPolicy } from './ratelimit.js'

/** What a route needs from its caller. Routes without `auth` need none (public pages, health). */
export interface RouteAuth {
  /** Alternatives of scope sets; empty means no scope is needed. */
  scopes: ScopeRequirement
  /** Access models the route supports. */
  models: ReadonlyArray<AccessModel>
  /**
   * Organization administrators only (admin API): the caller must act as an admin user, through
   * the session or a personal access token holding `scopes` (which then lists admin scopes).
   */
  admin?: boolean
  /**
   * Browser sessions: `allow` accepts the signed-in user's session cookie as well as a bearer
   * token, `only` accepts nothing else. Writes through a session need the CSRF token
   * (`x-csrf-token` header, or `_csrf` in a form).
   */
  session?: 'allow' | 'only'
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth
  }
  interface FastifyRequest {
    principal: Principal | undefined
    /** True when the principal came from the session cookie rather than a bearer token. */
    viaSession: boolean
  }
  interface FastifyInstance {
    /** Every route of the application with its declared auth, in registration order. */
    routeTable: RouteEntry[]
  }
}

export interface RouteEntry {
  method: string
  url: string
  auth: RouteAuth | undefined
  /** The route's request/response schemas (TypeBox), as the OpenAPI document is built from them. */
  schema: FastifySchema | undefined
}

/**
 * Records every route with its declared auth as `app.routeTable` (the authorization matrix test
 * enumerates it). Call right after creating the instance so no route escapes it.
 */
export function installRouteTable(app: FastifyInstance): void {
  const routeTable: RouteEntry[] = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (method === 'HEAD' && route.exposeHeadRoute !== false && routeTable.some((r) => r.method === 'GET' && r.url === route.url)) continue
      routeTable.push({ method, url: route.url, auth: (route.config as { auth?: RouteAuth } | undefined)?.auth, schema: route.schema })
    }
  })
}

/** Common route requirements, named for readability in route files. */
export const ORG_ONLY: ReadonlyArray<AccessModel> = ['organization']
export const ORG_AND_PERSONAL: ReadonlyArray<AccessModel> = ['organization', 'personal']
/**
 * Admin API routes: an administrator acting as themself, through the signed-in session or a
 * personal access token with the admin scope (access.requireOrgAdmin). Reads declare
 * `admin:read`, changes `admin:write`.
 */
export const ADMIN_READ: RouteAuth = { scopes: [['admin:read']], models: ['personal'], admin: true, session: 'allow' }
export const ADMIN_WRITE: RouteAuth = { scopes: [['admin:write']], models: ['personal'], admin: true, session: 'allow' }
/** The stricter of the two, for admin routes that do not say which they are: prefer ADMIN_READ / ADMIN_WRITE. */
export const ADMIN: RouteAuth = ADMIN_WRITE
/** A signed-in user's own account (personal access tokens): browser session only. */
export const ACCOUNT: RouteAuth = { scopes: [], models: ['personal'], session: 'only' }

/** Name of the cookie holding the browser session. */
export const SESSION_COOKIE = 'atrium_session'

const bearerRe = /^Bearer\s+(\S+)\s*$/i

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : bearerRe.exec(header)?.[1]
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Resolves the caller on every route that declares `config.auth` (bearer token, or session
 * cookie where the route allows it), charges the caller's rate limit budget, then checks the
 * route's access models, scopes and admin requirement.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { ctx: Context; limiter: RateLimiter }) => {
  const { ctx, limiter } = opts
  app.decorateRequest('principal', undefined)
  app.decorateRequest('viaSession', false)
  async function charge(request: FastifyRequest, reply: FastifyReply, key: string, policy: RateLimitPolicy = limiter.policyFor(undefined)): Promise<void> {
    if (!limiter.enabled) return
    const outcome = await limiter.consume(key, policy)
    reply.headers(rateLimitHeaders(outcome))
    enforce(outcome)
  }

  async function resolve(request: FastifyRequest, auth: RouteAuth): Promise<Principal> {
    const header = request.headers.authorization
    if (header) {
      if (auth.session === 'only') fail('forbidden', 'This page needs a signed-in browser session, not a token.')
      const match = bearerRe.exec(header)
      if (!match) fail('invalid_auth', 'Authorization header must be "Bearer <token>".')
      return authenticate(ctx, match[1]!)
    }
    // The web client calls the v0 methods a person may use with its session (see access.ts), and
    // so Atrium's extensions under /atrium that allow the session.
    const personalApi =
      auth.models.includes('personal') &&
      ((!auth.session && request.url.startsWith('/v0/')) || (auth.session === 'allow' && request.url.startsWith('/atrium/')))
    const cookie = auth.session || personalApi ? request.cookies[SESSION_COOKIE] : undefined
    if (cookie) {
      const principal = await resolveSession(ctx, cookie)
      if (!principal) fail('not_authed', 'The session has expired: sign in again.')
      request.viaSession = true
      return personalApi ? sessionOnPersonalApi(principal) : principal
    }
    if (auth.session === 'only') fail('not_authed', 'Sign in first.')
    fail('not_authed')
  }

  app.addHook('preValidation', async (request, reply) => {
    const auth = request.routeOptions.config.auth
    if (!auth) return
    let principal: Principal
    try {
      principal = await resolve(request, auth)
    } catch (err) {
      // Failed authentication attempts are charged to the caller's address.
      if (err instanceof AppError) await charge(request, reply, `ip:${request.ip}`)
      throw err
    }
    request.principal = principal
    const budget = budgetOf(principal, limiter, ctx.config.sessionRateLimit)
    await charge(request, reply, budget.key, budget.policy)
    requireAccessModel(principal, auth.models)
    // Admin routes: the session, or the declared admin scope on an administrator's own token.
    if (auth.admin) requireOrgAdmin(principal, auth.scopes)
    else requireScopes(principal, auth.scopes)
  })

  // Writes made with the session cookie must carry the CSRF token of the signed-in browser.
  app.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (!request.viaSession || SAFE_METHODS.has(request.method)) return done()
    app.csrfProtection(request, reply, done)
  })
})

/** The signed-in person calling a route that admits only people (`models: ['personal']`). */
export function personalOf(request: FastifyRequest): Principal & { model: 'personal' } {
  const p = principalOf(request)
  if (p.model !== 'personal') throw new Error(`route ${request.routeOptions.url} admits only people but was called by ${p.address}`)
  return p
}

/** The authenticated caller of a route that declared `config.auth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} used principalOf without config.auth`)
  return request.principal
}
