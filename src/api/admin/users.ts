import { Type } from 'typebox'
import { createSigninLink, issueSigninLink, listSessionsOfUser, revokeSessionsOfUser, type IssuedSigninLink } from '../../actions/sessions.js'
import { addUser, adminUserView, inviteUser, listUsersForAdmin, parseUserId, setUserActiveByAdmin } from '../../actions/users.js'
import { ADMIN_READ, ADMIN_WRITE, personalOf, principalOf } from '../../http/auth.js'
import { Cursor, errorResponses, Limit, TaggedUUID } from '../../http/schemas.js'
import { microsToIso } from '../../time.js'
import type { AdminApp } from './index.js'

/**
 * People, for administrators in the web client and their scripts: list everyone (deactivated
 * people included), add or invite a person, deactivate and reactivate, hand out a one-time sign-in
 * link (a "password reset" that neither shows nor sets a password), and see and end a person's
 * browser sessions. A person's tokens are `pats.list?user=` and `pats.revoke`.
 */
const AdminUser = Type.Object({
  id: Type.String({ description: 'U-…' }),
  email: Type.String(),
  name: Type.String(),
  isAdmin: Type.Boolean(),
  active: Type.Boolean({ description: 'False once deactivated: no sign-in, no sessions, no working tokens' }),
  createdAt: Type.String({ format: 'date-time' }),
})

const LinkFields = {
  signinLink: Type.String({ description: 'One-time sign-in link, shown once: it opens one session, within 24 hours' }),
  expiresAt: Type.String({ format: 'date-time' }),
  emailed: Type.Boolean({ description: 'Whether the link was mailed to the person (an SMTP server is configured and accepted it)' }),
  mailError: Type.Optional(Type.String({ description: 'Why mailing failed, when it did; the link still works' })),
}

function linkFields(link: IssuedSigninLink) {
  return {
    signinLink: link.url,
    expiresAt: microsToIso(link.expiresAt),
    emailed: link.mail.status === 'sent',
    ...(link.mail.status === 'failed' ? { mailError: link.mail.reason } : {}),
  }
}

const NewPerson = Type.Object(
  { email: Type.String({ maxLength: 320 }), name: Type.String({ maxLength: 200 }), isAdmin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)
const UserIdBody = Type.Object({ id: TaggedUUID }, { additionalProperties: false })

export default async function adminUserRoutes(app: AdminApp): Promise<void> {
  const actingAdmin = (request: Parameters<typeof personalOf>[0]) => {
    const p = personalOf(request)
    return { orgId: p.orgId, userId: p.user.id, address: p.address }
  }

  app.get(
    '/users.list',
    {
      schema: {
        summary: 'Everyone in the organization, deactivated people included, in the order they joined',
        querystring: Type.Object({ limit: Limit(200, 50), cursor: Type.Optional(Cursor) }),
        response: { 200: Type.Object({ users: Type.Array(AdminUser), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth: ADMIN_READ },
    },
    async (request) => {
      const { limit, cursor } = request.query
      return listUsersForAdmin(app.ctx, principalOf(request).orgId, { limit, ...(cursor !== undefined ? { cursor } : {}) })
    },
  )

  app.post(
    '/users.create',
    {
      schema: {
        summary: 'Add a person to the organization',
        body: NewPerson,
        response: {
          200: Type.Object({
            user: Type.Object({ id: Type.String({ description: 'U-…' }), email: Type.String(), name: Type.String(), isAdmin: Type.Boolean() }),
            signinLink: Type.String({ description: 'One-time sign-in link for the new person, shown once' }),
          }),
          ...errorResponses(400, 401, 403, 409),
        },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const b = request.body
      const user = await addUser(app.ctx, p.orgId, { email: b.email, name: b.name, isAdmin: b.isAdmin ?? false, source: { via: 'api', actor: p.address } })
      const link = await createSigninLink(app.ctx, p.orgId, user.id)
      return { user: { id: `U-${user.id}`, email: user.email, name: user.name, isAdmin: user.isAdmin }, signinLink: link.url }
    },
  )

  app.post(
    '/users.invite',
    {
      schema: {
        summary: 'Invite a person: add them and mail them a one-time sign-in link (when SMTP is configured)',
        body: NewPerson,
        response: { 200: Type.Object({ user: AdminUser, ...LinkFields }), ...errorResponses(400, 401, 403, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => {
      const p = principalOf(request)
      const b = request.body
      const { user, link } = await inviteUser(app.ctx, p.orgId, { email: b.email, name: b.name, isAdmin: b.isAdmin ?? false, source: { via: 'api', actor: p.address } })
      return { user: adminUserView(user), ...linkFields(link) }
    },
  )

  for (const [verb, active] of [
    ['deactivate', false],
    ['reactivate', true],
  ] as const) {
    app.post(
      `/users.${verb}`,
      {
        schema: {
          summary: active
            ? 'Reactivate a person: they may sign in again and their kept tokens work again'
            : 'Deactivate a person: their sessions end at once (realtime sockets close) and their tokens stop working',
          body: UserIdBody,
          response: { 200: Type.Object({ user: AdminUser }), ...errorResponses(400, 401, 403, 404) },
        },
        config: { auth: ADMIN_WRITE },
      },
      async (request) => ({ user: adminUserView(await setUserActiveByAdmin(app.ctx, actingAdmin(request), request.body.id, active)) }),
    )
  }

  app.post(
    '/users.resetPassword',
    {
      schema: {
        summary: 'A one-time sign-in link for a person who cannot sign in, mailed when SMTP is configured; no password is shown or set',
        body: UserIdBody,
        response: { 200: Type.Object(LinkFields), ...errorResponses(400, 401, 403, 404, 409) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => linkFields(await issueSigninLink(app.ctx, principalOf(request).orgId, parseUserId('id', request.body.id), 'reset')),
  )

  app.get(
    '/users.sessions',
    {
      schema: {
        summary: "A person's browser sessions: when each began and expires (no cookie or secret)",
        querystring: Type.Object({ id: TaggedUUID }),
        response: {
          200: Type.Object({ sessions: Type.Array(Type.Object({ id: Type.String(), createdAt: Type.String({ format: 'date-time' }), expiresAt: Type.String({ format: 'date-time' }) })) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      config: { auth: ADMIN_READ },
    },
    async (request) => ({ sessions: await listSessionsOfUser(app.ctx, principalOf(request).orgId, parseUserId('id', request.query.id)) }),
  )

  app.post(
    '/users.sessions.revoke',
    {
      schema: {
        summary: "End one of a person's sessions (`session`) or all of them; their realtime sockets close at once",
        body: Type.Object({ id: TaggedUUID, session: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ revoked: Type.Integer({ description: 'How many sessions ended' }) }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth: ADMIN_WRITE },
    },
    async (request) => ({ revoked: await revokeSessionsOfUser(app.ctx, principalOf(request).orgId, parseUserId('id', request.body.id), request.body.session) }),
  )
}
