import OAuth2Server from '@node-oauth/oauth2-server'
import { appMayHoldScope } from '../access.js'
import type { Context } from '../context.js'
import type { AccessModel, App, User } from '../domain.js'
import { AppError, fail } from '../errors.js'
import { newId } from '../ids.js'
import { digest, issueSecret, parseSecret, randomToken, secretMatches } from '../secrets.js'
import type { Executor } from '../store/db.js'
import { findApp, findAppByClientId } from '../store/repos/apps.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import { findCredentialByLookup, insertCredential, revokeIfActive, setGrantCredentialsStatus } from '../store/repos/credentials.js'
import {
  deleteAuthorizationCode,
  findAuthorizationCode,
  findGrant,
  insertAuthorizationCode,
  insertGrant,
  setGrantStatus,
} from '../store/repos/oauth.js'
import { nowMicros } from '../time.js'
import type { Principal } from '../domain.js'
import { initialPersonalStatus, personalAccessPolicy } from './pats.js'

/**
 * OAuth 2.0 authorization code grant with PKCE (RFC 6749, RFC 7636) through
 * @node-oauth/oauth2-server; this module supplies its storage model. Access tokens (`rmo-…`)
 * and refresh tokens (`rmr-…`) are credentials tied to one grant (one consent). The access model
 * is chosen at consent: an administrator installing for the organization gets an organization
 * token (the app's bot), any user consenting for themself gets a personal token, subject to the
 * organization's personal access policy (a grant made under `approval` waits for an admin).
 */

export const ACCESS_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600
export const REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600
export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 600

/** Who consented, and for whom: carried from the authorization code to the tokens. */
interface GrantUser {
  orgId: string
  userId: string
  model: AccessModel
  grantId?: string
  /** A refresh: the id of the refresh token being exchanged, revoked when its successors are saved. */
  rotating?: string
}

interface OAuthClient {
  id: string
  grants: string[]
  redirectUris: string[]
  app: App
}

const toDate = (us: number) => new Date(Math.floor(us / 1000))
const toMicros = (d: Date) => d.getTime() * 1000

function storageModel(ctx: Context, opts: { authenticateClient: boolean }) {
  async function getClient(clientId: string, clientSecret: string | null | undefined): Promise<OAuthClient | false> {
    const found = await findAppByClientId(ctx.db, clientId)
    if (!found || found.app.authType !== 'oauth') return false
    if (opts.authenticateClient && found.clientSecretHash !== null) {
      // Confidential clients always authenticate at the token endpoint, PKCE or not.
      if (!clientSecret || !secretMatches(clientSecret, found.clientSecretHash)) return false
    }
    return { id: found.app.clientId, grants: ['authorization_code', 'refresh_token'], redirectUris: found.app.redirectUris, app: found.app }
  }

  async function clientOfApp(db: Executor, appId: string): Promise<OAuthClient | undefined> {
    const app = await findApp(db, appId)
    return app && { id: app.clientId, grants: ['authorization_code', 'refresh_token'], redirectUris: app.redirectUris, app }
  }

  return {
    getClient,

    /** What a consent may grant: scopes the app is configured with, never an admin scope (access.appMayHoldScope). */
    async validateScope(_user: GrantUser, client: OAuthClient, scope?: string[]): Promise<string[] | false> {
      const grantable = client.app.scopes.filter(appMayHoldScope)
      if (!scope || scope.length === 0) return grantable
      return scope.every((s) => grantable.includes(s)) ? [...new Set(scope)] : false
    },

    async validateRedirectUri(redirectUri: string, client: OAuthClient): Promise<boolean> {
      return client.redirectUris.includes(redirectUri)
    },

    async generateAuthorizationCode(): Promise<string> {
      return randomToken(43)
    },

    async saveAuthorizationCode(
      code: { authorizationCode: string; expiresAt: Date; redirectUri: string; scope?: string[]; codeChallenge?: string; codeChallengeMethod?: string },
      client: OAuthClient,
      user: GrantUser,
    ) {
      await insertAuthorizationCode(ctx.db, {
        id: digest(code.authorizationCode),
        orgId: user.orgId,
        appId: client.app.id,
        userId: user.userId,
        model: user.model,
        scopes: code.scope ?? [],
        redirectUri: code.redirectUri,
        codeChallenge: code.codeChallenge ?? null,
        codeChallengeMethod: code.codeChallengeMethod ?? null,
        createdAt: nowMicros(),
        expiresAt: toMicros(code.expiresAt),
      })
      return { ...code, client, user }
    },

    async getAuthorizationCode(authorizationCode: string) {
      const row = await findAuthorizationCode(ctx.db, digest(authorizationCode))
      if (!row) return false
      const client = await clientOfApp(ctx.db, row.appId)
      if (!client) return false
      const user: GrantUser = { orgId: row.orgId, userId: row.userId, model: row.model }
      return {
        authorizationCode,
        expiresAt: toDate(row.expiresAt),
        redirectUri: row.redirectUri,
        scope: row.scopes,
        client,
        user,
        ...(row.codeChallenge ? { codeChallenge: row.codeChallenge, codeChallengeMethod: row.codeChallengeMethod ?? 'S256' } : {}),
      }
    },

    async revokeAuthorizationCode(code: { authorizationCode: string }): Promise<boolean> {
      return deleteAuthorizationCode(ctx.db, digest(code.authorizationCode))
    },

    async generateAccessToken(): Promise<string> {
      return issueSecret('rmo-').token
    },

    async generateRefreshToken(): Promise<string> {
      return issueSecret('rmr-').token
    },

    async saveToken(
      token: { accessToken: string; accessTokenExpiresAt?: Date; refreshToken?: string; refreshTokenExpiresAt?: Date; scope?: string[] },
      client: OAuthClient,
      user: GrantUser,
    ) {
      const scopes = token.scope ?? []
      const grantId = await ctx.db.transaction().execute(async (tx) => {
        const now = nowMicros()
        // Rotation happens here, with the new tokens, so a refused refresh (a scope beyond the
        // grant) leaves the old refresh token working, and two uses of one refresh token cannot
        // both succeed.
        if (user.rotating && !(await revokeIfActive(tx, user.rotating, now))) {
          throw new OAuth2Server.InvalidGrantError('Invalid grant: refresh token is invalid')
        }
        let grantId = user.grantId
        let status: 'active' | 'pending'
        if (grantId) {
          const grant = await findGrant(tx, user.orgId, grantId)
          if (!grant || (grant.status !== 'active' && grant.status !== 'pending')) throw new OAuth2Server.InvalidGrantError('Invalid grant: the grant was revoked')
          status = grant.status
        } else {
          status = user.model === 'personal' ? initialPersonalStatus(await personalAccessPolicy(ctx, user.orgId, tx)) : 'active'
          grantId = newId()
          await insertGrant(tx, { id: grantId, orgId: user.orgId, appId: client.app.id, userId: user.userId, model: user.model, scopes, status, createdAt: now })
          await insertAuditEntry(tx, {
            orgId: user.orgId,
            userId: user.userId,
            eventType: 'APP_AUTHORIZED',
            data: { clientId: client.app.clientId, model: user.model, scopes, status },
            createdAt: now,
          })
        }
        const common = {
          orgId: user.orgId,
          appId: client.app.id,
          userId: user.userId,
          model: user.model,
          scopes,
          name: client.app.name,
          grantId,
          createdAt: now,
        }
        const access = parseSecret(token.accessToken)!
        await insertCredential(tx, {
          ...common,
          id: newId(),
          kind: 'oauth_access',
          lookup: access.lookup,
          secretHash: digest(access.secret),
          status,
          expiresAt: token.accessTokenExpiresAt ? toMicros(token.accessTokenExpiresAt) : null,
        })
        if (token.refreshToken) {
          const refresh = parseSecret(token.refreshToken)!
          await insertCredential(tx, {
            ...common,
            id: newId(),
            kind: 'oauth_refresh',
            lookup: refresh.lookup,
            secretHash: digest(refresh.secret),
            status: 'active',
            expiresAt: token.refreshTokenExpiresAt ? toMicros(token.refreshTokenExpiresAt) : null,
          })
        }
        return grantId
      })
      return { ...token, client, user: { ...user, grantId } }
    },

    async getRefreshToken(refreshToken: string) {
      const presented = parseSecret(refreshToken)
      if (!presented || presented.prefix !== 'rmr-') return false
      const found = await findCredentialByLookup(ctx.db, presented.lookup)
      if (!found || !secretMatches(presented.secret, found.secretHash)) return false
      const c = found.credential
      if (c.kind !== 'oauth_refresh' || c.status !== 'active' || !c.grantId || !c.appId || !c.userId) return false
      const grant = await findGrant(ctx.db, c.orgId, c.grantId)
      if (!grant || grant.status === 'revoked' || grant.status === 'rejected') return false
      const client = await clientOfApp(ctx.db, c.appId)
      if (!client) return false
      const user: GrantUser = { orgId: c.orgId, userId: c.userId, model: c.model, grantId: c.grantId, rotating: c.id }
      return {
        refreshToken,
        ...(c.expiresAt !== null ? { refreshTokenExpiresAt: toDate(c.expiresAt) } : {}),
        scope: c.scopes,
        client,
        user,
      }
    },

    /**
     * Called by the library before it checks the requested scope (RFC 6749 §6 wants a refused
     * refresh to change nothing), so it only confirms the refresh token is still usable; the
     * token is revoked by saveToken, in the transaction that issues its successors.
     */
    async revokeToken(token: { refreshToken: string }): Promise<boolean> {
      const presented = parseSecret(token.refreshToken)
      if (!presented) return false
      const found = await findCredentialByLookup(ctx.db, presented.lookup)
      return found !== undefined && found.credential.status === 'active'
    },
  }
}

/** Parameters of an authorization request, as received (query of GET, form of POST). */
export type AuthorizeParams = Record<string, string | undefined>

export interface AuthorizationRequest {
  app: App
  redirectUri: string
  scopes: string[]
  /** Access models the signed-in user may choose, best first. */
  models: AccessModel[]
  /** The protocol parameters to carry through the consent form. */
  params: Record<string, string>
}

const CARRIED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const

/**
 * Checks an authorization request before showing the consent page: a known OAuth client and an
 * exactly registered redirect URI (errors here are shown to the user, never redirected), then
 * which access models this user may grant. Errors the client should see are left to `authorize`.
 */
export async function prepareAuthorization(ctx: Context, user: User, params: AuthorizeParams): Promise<AuthorizationRequest> {
  const clientId = params.client_id
  if (!clientId) fail('invalid_request', 'client_id: is required')
  const found = await findAppByClientId(ctx.db, clientId)
  if (!found || found.app.authType !== 'oauth' || found.app.orgId !== user.orgId) fail('invalid_request', 'client_id: no OAuth client with this id')
  const { app } = found
  const redirectUri = params.redirect_uri ?? (app.redirectUris.length === 1 ? app.redirectUris[0]! : undefined)
  if (!redirectUri) fail('invalid_request', 'redirect_uri: is required')
  if (!app.redirectUris.includes(redirectUri)) fail('invalid_request', 'redirect_uri: does not match a redirect URI registered for this client')
  const policy = await personalAccessPolicy(ctx, user.orgId)
  const models: AccessModel[] = []
  if (app.accessModels.includes('organization') && user.isAdmin) models.push('organization')
  if (app.accessModels.includes('personal') && policy !== 'disabled') models.push('personal')
  if (models.length === 0) {
    fail(
      'forbidden',
      app.accessModels.includes('personal')
        ? 'Personal access is disabled in this organization, and only administrators can install this app for the organization.'
        : 'Only organization administrators can install this app.',
    )
  }
  const requested = (params.scope ?? '').split(' ').filter((s) => s !== '')
  const out: Record<string, string> = {}
  for (const k of CARRIED) if (params[k] !== undefined) out[k] = params[k]!
  return { app, redirectUri, scopes: requested.length > 0 ? requested : app.scopes, models, params: out }
}

export interface AuthorizeOutcome {
  /** Where to send the browser: the client's redirect URI with `code` or `error`. */
  redirectTo: string
}

/**
 * The user's answer on the consent page. Allowed → an authorization code for the chosen access
 * model; denied or invalid → an RFC 6749 error sent to the client's redirect URI.
 */
export async function authorize(ctx: Context, user: User, params: AuthorizeParams, answer: { allowed: boolean; model: string | undefined }): Promise<AuthorizeOutcome> {
  const prepared = await prepareAuthorization(ctx, user, params)
  const errorRedirect = (error: string, description: string) => {
    const url = new URL(prepared.redirectUri)
    url.searchParams.set('error', error)
    url.searchParams.set('error_description', description)
    if (params.state) url.searchParams.set('state', params.state)
    return { redirectTo: url.toString() }
  }
  if (answer.allowed) {
    const model = prepared.models.find((m) => m === answer.model)
    if (!model) return errorRedirect('access_denied', `access_model: must be one of ${prepared.models.join(', ')}`)
    if (!prepared.app.confidential && !params.code_challenge) return errorRedirect('invalid_request', 'Public clients must use PKCE (code_challenge with S256).')
  }
  const server = new OAuth2Server({ model: storageModel(ctx, { authenticateClient: false }) as unknown as OAuth2Server.AuthorizationCodeModel })
  const request = new OAuth2Server.Request({
    method: 'POST',
    headers: {},
    query: {},
    body: { ...prepared.params, redirect_uri: prepared.redirectUri, allowed: answer.allowed ? 'true' : 'false' },
  })
  const response = new OAuth2Server.Response({})
  const grantUser: GrantUser = { orgId: user.orgId, userId: user.id, model: (answer.model as AccessModel | undefined) ?? 'personal' }
  try {
    await server.authorize(request, response, {
      authenticateHandler: { handle: () => grantUser },
      allowEmptyState: true,
      authorizationCodeLifetime: AUTHORIZATION_CODE_LIFETIME_SECONDS,
    })
  } catch (err) {
    const location = response.get('location') as string | undefined
    if (location) return { redirectTo: location }
    if (err instanceof OAuth2Server.OAuthError) fail('invalid_request', err.message)
    throw err
  }
  return { redirectTo: response.get('location') as string }
}

export interface TokenOutcome {
  status: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** The token endpoint: `authorization_code` and `refresh_token` grants, RFC 6749 answers. */
export async function exchangeToken(
  ctx: Context,
  input: { method: string; headers: Record<string, string | string[] | undefined>; query: Record<string, unknown>; body: unknown },
): Promise<TokenOutcome> {
  const server = new OAuth2Server({ model: storageModel(ctx, { authenticateClient: true }) as unknown as OAuth2Server.AuthorizationCodeModel })
  const authorization = input.headers.authorization
  const headers = typeof authorization === 'string' ? { ...input.headers, authorization: decodeBasicCredentials(authorization) } : input.headers
  const request = new OAuth2Server.Request({
    method: input.method,
    headers: headers as Record<string, string>,
    query: input.query as Record<string, string>,
    body: typeof input.body === 'object' && input.body !== null ? (input.body as Record<string, unknown>) : {},
  })
  const response = new OAuth2Server.Response({})
  try {
    await server.token(request, response, {
      accessTokenLifetime: ACCESS_TOKEN_LIFETIME_SECONDS,
      refreshTokenLifetime: REFRESH_TOKEN_LIFETIME_SECONDS,
      alwaysIssueNewRefreshToken: true,
      requireClientAuthentication: { authorization_code: false, refresh_token: false },
    })
    return { status: response.status ?? 200, headers: stringHeaders(response.headers), body: response.body as Record<string, unknown> }
  } catch (err) {
    if (err instanceof AppError) {
      // Raised by the policy while saving the grant (personal access disabled meanwhile).
      return oauthError(400, 'access_denied', err.message, response.headers)
    }
    if (err instanceof OAuth2Server.OAuthError) {
      if (err.name === 'server_error') throw (err as { inner?: unknown }).inner ?? err
      return oauthError(err.code, err.name, err.message, response.headers)
    }
    throw err
  }
}

/**
 * RFC 6749 §2.3.1: with HTTP Basic, the client id and secret are form-urlencoded before being
 * joined with ':' (spec-following clients such as openid-client encode even '-', '.' and '_').
 * The library compares them as sent, so they are decoded here first. Atrium's ids and secrets
 * have no '%' or '+', so credentials sent without encoding decode to themselves.
 */
function decodeBasicCredentials(header: string): string {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header)
  if (!match) return header
  const pair = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = pair.indexOf(':')
  if (colon < 0) return header
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '))
    } catch {
      return part
    }
  }
  return `Basic ${Buffer.from(`${decode(pair.slice(0, colon))}:${decode(pair.slice(colon + 1))}`, 'utf8').toString('base64')}`
}

function stringHeaders(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = String(v)
  return out
}

function oauthError(status: number, error: string, description: string, headers: Record<string, unknown> | undefined): TokenOutcome {
  return {
    status,
    headers: { ...stringHeaders(headers), 'cache-control': 'no-store', pragma: 'no-cache' },
    body: { error, error_description: description },
  }
}

/**
 * `app.uninstall`: revokes the presented OAuth access token, its refresh tokens and the grant
 * behind them, which uninstalls the app for that consent. Refused for API keys and personal
 * access tokens (they are not installs).
 */
export async function uninstallApp(ctx: Context, principal: Principal): Promise<void> {
  const c = principal.credential
  if (c.kind !== 'oauth_access' || !c.grantId) {
    fail('invalid_request', 'app.uninstall works with OAuth access tokens only; API keys and personal access tokens are revoked by an administrator.')
  }
  const grantId = c.grantId
  await ctx.db.transaction().execute(async (tx) => {
    const now = nowMicros()
    await setGrantStatus(tx, grantId, 'revoked', now)
    await setGrantCredentialsStatus(tx, grantId, 'revoked', now)
    await insertAuditEntry(tx, {
      orgId: principal.orgId,
      userId: c.userId,
      eventType: 'APP_UNINSTALLED',
      data: { clientId: principal.app?.clientId ?? null, model: principal.model, grantId },
      createdAt: now,
    })
  })
}
