import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { recordSigninLockout, signIn, signInWithLink, signOut, SESSION_LIFETIME_SECONDS } from '../actions/sessions.js'
import type { Context } from '../context.js'
import { isAppError } from '../errors.js'
import { SESSION_COOKIE } from '../http/auth.js'
import { humanWait, withRetryAfter, type Refusal, type Throttle } from '../http/throttle.js'
import { renderPage } from './index.js'

const LoginForm = Type.Object({
  email: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 1024 }),
  next: Type.Optional(Type.String({ maxLength: 4096 })),
  _csrf: Type.Optional(Type.String()),
})

/**
 * Where to send the browser after sign-in: `next` parsed as a WHATWG URL against this server's own
 * origin, exactly as the browser will read the Location header (which strips tabs and newlines,
 * treats `\\` as `/`, and reads `//host`, `https:host` or `javascript:` as elsewhere). Only a result
 * on our own origin is followed, and then in its serialised form (path, query, fragment), so what
 * we send is what the browser resolves. Everything else, and no `next` at all, goes to `/`.
 */
export function safeNext(next: unknown, publicUrl: string): string {
  if (typeof next !== 'string' || next === '') return '/'
  const base = new URL(publicUrl)
  let url: URL
  try {
    url = new URL(next, base)
  } catch {
    return '/'
  }
  // A relative `next` must start with one `/` (a bare "x" or "evil.example" is not a path we were given).
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(next.trim())
  if (!absolute && !next.startsWith('/')) return '/'
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return '/'
  return `${url.pathname}${url.search}${url.hash}`
}

/** Human sign-in with email and password: `GET/POST /login`, `POST /logout`. */
export async function loginRoutes(app: FastifyInstance, opts: { ctx: Context; throttle: Throttle }): Promise<void> {
  const { ctx, throttle } = opts
  const secure = ctx.config.publicUrl.startsWith('https:')

  const showLogin = (reply: FastifyReply, data: { next: string; email?: string; error?: string }, status = 200) =>
    renderPage(reply, 'login', { title: 'Sign in', email: data.email ?? '', error: data.error ?? null, next: data.next }, status)

  app.get('/login', { schema: { hide: true, querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 4096 })) }) } }, async (request, reply) => {
    const { next } = request.query as { next?: string }
    return showLogin(reply, { next: safeNext(next, ctx.config.publicUrl) })
  })

  const tooMany = (reply: FastifyReply, refusal: Refusal, data: { next: string; email?: string }) =>
    showLogin(withRetryAfter(reply, refusal), { ...data, error: `Too many sign-in attempts. Try again in ${humanWait(refusal.retryAfterSeconds)}.` }, 429)

  /**
   * Each password attempt is charged to the caller's address and to the account (the email, known
   * or not) before the password is checked. The first refusal of a lockout is written to the
   * audit log (at most once a minute per account or address).
   */
  async function attemptAllowed(reply: FastifyReply, address: string, email: string, next: string): Promise<FastifyReply | undefined> {
    const refusal = (await throttle.address('signin', address)) ?? (await throttle.account(email))
    if (!refusal) return undefined
    if (await throttle.firstIn(`signin-lockout:${refusal.key}`, 60)) {
      await recordSigninLockout(ctx, { email, scope: refusal.scope as 'account' | 'address', address, retryAfterSeconds: refusal.retryAfterSeconds })
    }
    return tooMany(reply, refusal, { next, email })
  }

  app.post('/login', { schema: { hide: true, body: LoginForm }, preValidation: app.csrfProtection }, async (request, reply) => {
    const form = request.body as { email: string; password: string; next?: string }
    const next = safeNext(form.next, ctx.config.publicUrl)
    const refused = await attemptAllowed(reply, request.ip, form.email, next)
    if (refused) return refused
    try {
      const signed = await signIn(ctx, form.email, form.password)
      reply.setCookie(SESSION_COOKIE, signed.sessionToken, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure,
        maxAge: SESSION_LIFETIME_SECONDS,
      })
      return reply.redirect(next, 303)
    } catch (err) {
      if (isAppError(err) && err.code === 'invalid_auth') return showLogin(reply, { next, email: form.email, error: err.message }, 401)
      if (isAppError(err) && err.code === 'unavailable') return showLogin(reply.headers(err.headers), { next, email: form.email, error: err.message }, 503)
      throw err
    }
  })

  // A one-time sign-in link (printed for the first administrator on first start).
  app.get('/login/link', { schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 128 }) }) } }, async (request, reply) => {
    const refusal = await throttle.address('signin-link', request.ip)
    if (refusal) return tooMany(reply, refusal, { next: '/office' })
    try {
      const signed = await signInWithLink(ctx, (request.query as { token: string }).token)
      reply.setCookie(SESSION_COOKIE, signed.sessionToken, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_LIFETIME_SECONDS })
      return reply.header('referrer-policy', 'no-referrer').redirect('/office', 303)
    } catch (err) {
      if (isAppError(err) && err.code === 'invalid_auth') return showLogin(reply, { next: '/office', error: err.message }, 401)
      throw err
    }
  })

  app.post('/logout', { schema: { hide: true }, preValidation: app.csrfProtection }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token) await signOut(ctx, token)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })

  app.get('/login/done', { schema: { hide: true } }, async (_request, reply) =>
    renderPage(reply, 'message', { title: 'Signed in', message: 'You are signed in. You can close this page.' }),
  )
}
