import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { authorize, exchangeToken, prepareAuthorization, type AuthorizeParams } from '../../actions/oauth.js'
import { resolveSession } from '../../actions/sessions.js'
import type { Context } from '../../context.js'
import type { AccessModel, Principal } from '../../domain.js'
import { isAppError } from '../../errors.js'
import { SESSION_COOKIE } from '../../http/auth.js'
import { clientAddress, type Throttle } from '../../http/throttle.js'
import { renderPage } from '../../pages/index.js'

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

const AuthorizeQuery = Type.Record(Type.String(), Type.String({ maxLength: 4096 }))

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

  app.get('/oauth/authorize', { schema: { hide: true, querystring: AuthorizeQuery } }, async (request, reply) => {
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
  })

  app.post(
    '/oauth/authorize',
    { schema: { hide: true, body: AuthorizeQuery }, preValidation: app.csrfProtection },
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
  app.post('/oauth/token', { schema: { hide: true } }, async (request, reply) => {
    const refusal = await throttle.address('oauth-token', clientAddress(request))
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
    return reply.code(outcome.status).headers(outcome.headers).type('application/json; charset=utf-8').send(outcome.body)
  })
}
