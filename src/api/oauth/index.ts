import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { authorize, exchangeToken, prepareAuthorization, type AuthorizeParams } from '../../actions/oauth.js'
import { resolveSession } from '../../actions/sessions.js'
import type { Context } from '../../context.js'
import type { AccessModel, Principal } from '../../domain.js'
import { isAppError } from '../../errors.js'
import { SESSION_COOKIE } from '../../http/auth.js'
import type { Throttle } from '../../http/throttle.js'
import { renderPage } from '../../pages/index.js'
import { oauthMetadataRoutes } from './metadata.js'

const MODEL_CHOICES: Record<AccessModel, { label: string; help: string }> = {
  organization: {
    label: 'For the whole organization',
    help: 'The app acts as its own bot and sees all public groups, the chats it is added to and all meetings.',
  },
  personal: {
    label: 'Just for me',
    help: 'The app acts as you and sees only your own chats and meetings.',
  },
}

const Param = (description: string) => Type.Optional(Type.String({ maxLength: 4096, description }))

/**
 * The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3). Every value is a string
 * of at most 4096 characters; the protocol checks (and their error pages or redirects) are
 * actions/oauth.ts's, so none is required here.
 */
const AuthorizeFields = {
  response_type: Param('code (required)'),
  client_id: Param('The OAuth client (required)'),
  redirect_uri: Param("One of the client's registered redirect URIs; may be left out when it has exactly one"),
  scope: Param("Space-separated scopes; default: all of the client's scopes"),
  state: Param('Returned unchanged with the code'),
  code_challenge: Param('BASE64URL(SHA-256(code_verifier)); required for public clients'),
  code_challenge_method: Param('S256 (plain is refused)'),
}
const AnyParam = Type.String({ maxLength: 4096 })
const AuthorizeQuery = Type.Object(AuthorizeFields, { additionalProperties: AnyParam })
const ConsentForm = Type.Object(
  {
    ...AuthorizeFields,
    allowed: Param('true to allow, false to deny'),
    access_model: Param('organization or personal, among those the page offered'),
    _csrf: Param("The consent page's CSRF token"),
  },
  { additionalProperties: AnyParam },
)

/** The consent page needs the signed-in browser session (or sends the browser to sign in). */
const SIGNED_IN: Array<Record<string, string[]>> = [{ session: [] }, {}]

const Html = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } })
const Redirect = (description: string) => ({ description, type: 'null', headers: { location: Type.String({ description: 'Where the browser goes next' }) } })

const TokenRequest = Type.Object(
  {
    grant_type: Type.Union([Type.Literal('authorization_code'), Type.Literal('refresh_token')]),
    code: Type.Optional(Type.String({ description: 'authorization_code: the code from the redirect' })),
    redirect_uri: Type.Optional(Type.String({ description: 'authorization_code: the redirect_uri of the authorization request' })),
    code_verifier: Type.Optional(Type.String({ description: 'authorization_code: the PKCE verifier (43 to 128 characters)' })),
    refresh_token: Type.Optional(Type.String({ description: 'refresh_token: the refresh token (rmr-…); it is used up, a new one comes back' })),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String({ description: 'Required unless sent with HTTP Basic' })),
    client_secret: Type.Optional(Type.String({ description: 'Confidential clients, unless sent with HTTP Basic (client_secret_post)' })),
  },
  { description: 'application/x-www-form-urlencoded (RFC 6749 §4.1.3, §6)' },
)

const TokenResponse = Type.Object({
  access_token: Type.String({ description: 'rmo-…' }),
  token_type: Type.String({ description: 'Bearer' }),
  expires_in: Type.Optional(Type.Integer()),
  refresh_token: Type.Optional(Type.String({ description: 'rmr-…' })),
  scope: Type.Optional(Type.String()),
})

const OAuthError = Type.Object({
  error: Type.String({ description: 'RFC 6749 §5.2 error code: invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope, access_denied' }),
  error_description: Type.Optional(Type.String()),
})

/**
 * OAuth 2.0: `GET /oauth/authorize` shows the consent page to the signed-in user (or sends them to
 * sign in first), `POST /oauth/authorize` takes their answer, `POST /oauth/token` exchanges codes
 * and refresh tokens (form-encoded, RFC 6749 error bodies).
 */
export async function oauthRoutes(app: FastifyInstance, opts: { ctx: Context; throttle: Throttle }): Promise<void> {
  const { ctx, throttle } = opts

  async function signedIn(request: FastifyRequest): Promise<(Principal & { model: 'personal' }) | undefined> {
    const cookie = request.cookies[SESSION_COOKIE]
    const principal = cookie ? await resolveSession(ctx, cookie) : undefined
    return principal?.model === 'personal' ? principal : undefined
  }

  function problem(reply: FastifyReply, err: unknown): FastifyReply {
    if (!isAppError(err)) throw err
    return renderPage(reply, 'message', { title: 'Cannot authorize this app', message: err.message, error: true }, err.status)
  }

  await app.register(oauthMetadataRoutes, { ctx })

  app.get(
    '/oauth/authorize',
    {
      schema: {
        summary: 'Authorization endpoint: the consent page',
        security: SIGNED_IN,
        description: 'Shows the signed-in user the consent page, or sends the browser to sign in first. Parameters a client cannot be told about (unknown client, unregistered redirect URI) are shown on an error page.',
        querystring: AuthorizeQuery,
        response: {
          200: Html('The consent page'),
          303: Redirect('To /login?next=… when not signed in'),
          400: Html('An error page: unknown client or unregistered redirect URI'),
          403: Html('An error page: this user may not authorize this app'),
        },
      },
    },
    async (request, reply) => {
    const params = request.query as AuthorizeParams
    const principal = await signedIn(request)
    if (!principal) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303)
    try {
      const prepared = await prepareAuthorization(ctx, principal.user, params)
      return renderPage(reply, 'consent', {
        title: `Authorize ${prepared.app.name}`,
        appName: prepared.app.name,
        appDescription: prepared.app.description,
        userName: principal.user.name,
        userEmail: principal.user.email,
        scopes: prepared.scopes,
        params: { ...prepared.params, redirect_uri: prepared.redirectUri },
        models: prepared.models.map((m) => ({ value: m, ...MODEL_CHOICES[m] })),
      })
    } catch (err) {
      return problem(reply, err)
    }
    },
  )

  app.post(
    '/oauth/authorize',
    {
      schema: {
        summary: "The consent page's answer",
        security: SIGNED_IN,
        description: 'The consent form: the authorization request\'s parameters, allowed (true or false), access_model and the page\'s CSRF token. Redirects to the client\'s redirect URI with code and state, or with error.',
        consumes: ['application/x-www-form-urlencoded'],
        body: ConsentForm,
        response: {
          303: Redirect("The client's redirect URI with code (or error) and state"),
          400: Html('An error page: unknown client or unregistered redirect URI'),
          401: Html('Signed out'),
          403: {
            description: 'An error page; without the CSRF token of the consent page, a JSON error',
            content: { 'text/html': { schema: Type.String() }, 'application/json': { schema: Type.Ref('Error') } },
          },
        },
      },
      preValidation: app.csrfProtection,
    },
    async (request, reply) => {
      const form = request.body as AuthorizeParams
      const principal = await signedIn(request)
      if (!principal) return renderPage(reply, 'message', { title: 'Signed out', message: 'Sign in again, then retry from the app.', error: true }, 401)
      const { _csrf: _token, allowed, access_model: model, ...params } = form
      try {
        const outcome = await authorize(ctx, principal.user, params, { allowed: allowed === 'true', model })
        return reply.redirect(outcome.redirectTo, 303)
      } catch (err) {
        return problem(reply, err)
      }
    },
  )

  // Client authentication happens here, so guesses of client secrets are charged to the caller's address.
  // The library checks the parameters itself and answers in RFC 6749's error format, so the
  // schema describes the request without Fastify rejecting it first (attachValidation).
  app.post(
    '/oauth/token',
    {
      attachValidation: true,
      schema: {
        summary: 'Token endpoint',
        // client_secret_basic, or the client's id (and secret) in the form.
        security: [{ clientBasic: [] }, {}],
        description: 'Exchanges an authorization code (with its PKCE verifier) or a refresh token for an access token and a new refresh token. Answers are never cached.',
        consumes: ['application/x-www-form-urlencoded'],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError, 429: OAuthError },
      },
    },
    async (request, reply) => {
      const refusal = await throttle.address('oauth-token', request.ip)
      if (refusal) {
        return reply
          .code(429)
          .header('retry-after', String(refusal.retryAfterSeconds))
          .header('cache-control', 'no-store')
          .send({ error: 'slow_down', error_description: `Too many token requests from this address: retry after ${refusal.retryAfterSeconds} seconds.` })
      }
      const outcome = await exchangeToken(ctx, {
        method: request.method,
        headers: request.headers,
        query: request.query as Record<string, unknown>,
        body: request.body,
      })
      return reply.code(outcome.status as 200).headers(outcome.headers).type('application/json; charset=utf-8').send(outcome.body)
    },
  )
}
