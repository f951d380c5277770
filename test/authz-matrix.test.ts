import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RouteAuth } from '../src/http/auth.js'
import type { User } from '../src/domain.js'
import { SCOPES } from '../src/scopes.js'
import type { Browser } from './helpers.js'
import { TestEnv } from './helpers.js'

/**
 * The authorization matrix: every route the application registers × every kind of caller, with
 * the exact status expected. A route without a row fails the suite, so a new endpoint cannot ship
 * without its authorization being written down here.
 *
 * To add an endpoint: one row with its method, path, the scopes and access models it declares, and
 * a minimal valid request. `ok` is the status of a permitted call (default 200); `expect` overrides
 * single cells; `resources` adds the resource dimension (public group, private group the caller is
 * not in, another user's DM) for endpoints that take one.
 */

/** Who calls. Bearer kinds first; `session` is a signed-in (non-admin) browser. */
const KINDS = ['none', 'invalid', 'revoked', 'apiKey', 'orgOAuth', 'personalOAuth', 'pat', 'patPending', 'missingScope', 'session', 'adminPat'] as const
type Kind = (typeof KINDS)[number]

/** What the fixtures give every request builder. */
interface Fixture {
  env: TestEnv
  user: User & { password: string }
  admin: User
  pendingPatId: string
  activePatId: string
  clientId: string
  publicGroup: string
  privateGroup: string
  otherDm: string
}

interface Request {
  query?: Record<string, string>
  body?: unknown
  headers?: Record<string, string>
  form?: Record<string, string>
}

type Access =
  | { kind: 'v0'; scopes: ReadonlyArray<ReadonlyArray<string>>; models: ReadonlyArray<'organization' | 'personal'> }
  | { kind: 'admin' }
  | { kind: 'account' }
  | { kind: 'public'; status: number }

interface Row {
  method: 'GET' | 'POST'
  path: string
  access: Access
  request?: (fx: Fixture) => Request
  /** Status of a permitted call. */
  ok?: number
  /** Exceptions to the rule for single kinds. */
  expect?: Partial<Record<Kind, number>>
  resources?: Partial<Record<'publicGroup' | 'privateGroup' | 'otherDm', { request: (fx: Fixture) => Request; expect: Partial<Record<Kind, number>> }>>
}

const BEARER: Kind[] = ['invalid', 'revoked', 'apiKey', 'orgOAuth', 'personalOAuth', 'pat', 'patPending', 'missingScope', 'adminPat']
const BOTH = ['organization', 'personal'] as const

const ROWS: Row[] = [
  // v0
  { method: 'GET', path: '/v0/token.info', access: { kind: 'v0', scopes: [], models: BOTH } },
  {
    method: 'POST',
    path: '/v0/app.uninstall',
    access: { kind: 'v0', scopes: [], models: BOTH },
    // Only OAuth access tokens are installs.
    expect: { apiKey: 400, pat: 400, adminPat: 400, missingScope: 400, session: 400 },
  },

  // admin API
  { method: 'GET', path: '/admin/clients.list', access: { kind: 'admin' } },
  {
    method: 'POST',
    path: '/admin/clients.create',
    access: { kind: 'admin' },
    request: () => ({ body: { name: 'matrix', authType: 'api_key', scopes: ['chat:read'] } }),
  },
  { method: 'POST', path: '/admin/clients.delete', access: { kind: 'admin' }, request: (fx) => ({ body: { clientId: fx.clientId } }) },
  {
    method: 'POST',
    path: '/admin/clients.setRateLimit',
    access: { kind: 'admin' },
    request: (fx) => ({ body: { clientId: fx.clientId, rateLimitBurst: 20, rateLimitPerSecond: 2 } }),
  },
  {
    method: 'POST',
    path: '/admin/clients.update',
    access: { kind: 'admin' },
    request: (fx) => ({ body: { clientId: fx.clientId, webhookUrl: 'https://hooks.example/matrix' } }),
  },
  { method: 'POST', path: '/admin/clients.rotateSecret', access: { kind: 'admin' }, request: (fx) => ({ body: { clientId: fx.clientId } }) },
  { method: 'GET', path: '/admin/groups.list', access: { kind: 'admin' } },
  {
    method: 'POST',
    path: '/admin/users.create',
    access: { kind: 'admin' },
    // A fresh email per call: every caller kind that is let through creates its own person.
    request: () => ({ body: { email: `matrix-${Math.random().toString(36).slice(2)}@example.com`, name: 'Matrix Person' } }),
  },
  { method: 'POST', path: '/admin/groups.create', access: { kind: 'admin' }, request: () => ({ body: { name: 'matrix group' } }) },
  { method: 'GET', path: '/admin/pats.list', access: { kind: 'admin' } },
  { method: 'POST', path: '/admin/pats.approve', access: { kind: 'admin' }, request: (fx) => ({ body: { id: fx.pendingPatId } }) },
  { method: 'POST', path: '/admin/pats.reject', access: { kind: 'admin' }, request: (fx) => ({ body: { id: fx.pendingPatId } }) },
  { method: 'POST', path: '/admin/pats.revoke', access: { kind: 'admin' }, request: (fx) => ({ body: { id: fx.activePatId } }) },
  { method: 'GET', path: '/admin/settings.info', access: { kind: 'admin' } },
  { method: 'POST', path: '/admin/settings.update', access: { kind: 'admin' }, request: () => ({ body: { personalAccess: 'auto' } }) },

  // the signed-in user's account
  { method: 'GET', path: '/account/session.info', access: { kind: 'account' } },
  { method: 'GET', path: '/account/pats.list', access: { kind: 'account' } },
  { method: 'POST', path: '/account/pats.create', access: { kind: 'account' }, request: () => ({ body: { scopes: ['chat:read'] } }) },
  // The session user revokes a token that is not theirs: 404, never another user's token.
  { method: 'POST', path: '/account/pats.revoke', access: { kind: 'account' }, ok: 404, request: (fx) => ({ body: { id: fx.activePatId } }) },

  // pages and OAuth endpoints (public; they authenticate by their own rules)
  { method: 'GET', path: '/login', access: { kind: 'public', status: 200 } },
  // Forms need the CSRF token only a browser that loaded a page has.
  { method: 'POST', path: '/login', access: { kind: 'public', status: 403 }, expect: { session: 401 }, request: () => ({ form: { email: 'a@example.com', password: 'wrong password' } }) },
  { method: 'POST', path: '/logout', access: { kind: 'public', status: 403 }, expect: { session: 303 }, request: () => ({ form: {} }) },
  { method: 'GET', path: '/login/done', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/login/link', access: { kind: 'public', status: 401 }, request: () => ({ query: { token: 'x'.repeat(43) } }) },
  // Not signed in: sent to sign in. Signed in: the unknown client is shown as an error page.
  { method: 'GET', path: '/oauth/authorize', access: { kind: 'public', status: 303 }, expect: { session: 400 }, request: () => ({ query: { response_type: 'code', client_id: 'app_x' } }) },
  { method: 'POST', path: '/oauth/authorize', access: { kind: 'public', status: 403 }, expect: { session: 400 }, request: () => ({ form: { client_id: 'app_x' } }) },
  // A bearer Authorization header is a failed client authentication there (RFC 6749 §5.2: 401).
  { method: 'POST', path: '/oauth/token', access: { kind: 'public', status: 400 }, expect: Object.fromEntries(BEARER.map((k) => [k, 401])), request: () => ({ form: { grant_type: 'authorization_code', code: 'x', client_id: 'app_x' } }) },

  // infrastructure
  { method: 'GET', path: '/healthz', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/readyz', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/metrics', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/v0/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/avatars/org/:kind', access: { kind: 'public', status: 200 }, request: () => ({}) },
]

/**
 * Routes whose permitted calls need data of their own to exercise (their own test files do that):
 * here every caller the route's declared auth must refuse is checked with an empty request, which
 * authentication and authorization answer before validation. Public ones must never ask an
 * anonymous caller for credentials. A route in neither ROWS nor this list fails the suite.
 */
const DENIALS_ONLY: string[] = [
  'POST /v0/webhook.subscribe',
  'GET /v0/webhook.list',
  'POST /v0/webhook.unsubscribe',
  'POST /v0/interactivity.click',
  'GET /v0/interactivity.clicks',
  'POST /v0/chat.post',
  'GET /v0/chat.history',
  'GET /v0/chat.list',
  'POST /v0/chat.typing',
  'POST /v0/chat.update',
  'POST /v0/chat.delete',
  'POST /v0/item.upload',
  'POST /v0/reaction.add',
  'GET /v0/addr.info',
  'POST /v0/group.create',
  'POST /v0/group.rename',
  'POST /v0/group.archive',
  'GET /v0/group.members',
  'POST /v0/group.add',
  'POST /v0/group.remove',
  'GET /v0/user.list',
  'GET /v0/user.info',
  'GET /v0/user.lookup',
  'GET /v0/userauditlog.list',
  'GET /v0/meeting.list',
  'GET /v0/transcript.list',
  'GET /v0/transcript.info',
  'POST /v0/transcript.prompt',
  'POST /v0/meetinglink.create',
  'POST /v0/meetinglink.info',
  'POST /v0/meetinglink.update',
  'GET /v0/lobby.list',
  'GET /v0/lobbyBooking.list',
  'POST /admin/rooms.create',
  'POST /admin/rooms.update',
  'POST /admin/rooms.delete',
  'GET /admin/webhooks.list',
  'GET /admin/webhooks.deliveries',
  'POST /admin/webhooks.replay',
  'POST /admin/webhooks.enable',
  'POST /admin/webhooks.disable',
  'POST /admin/meetings.import',
  'POST /admin/meetings.start',
  'POST /admin/transcripts.append',
  'POST /admin/transcripts.finish',
  'POST /admin/meetings.attachRecording',
  'POST /admin/lobbies.create',
  'POST /admin/lobbies.update',
  'POST /admin/room.create',
  'GET /m/:id',
  'GET /l/:handle',
  'GET /l/:handle/:slug',
  'POST /l/:handle',
  'POST /l/:handle/:slug',
  'GET /bookings/:id',
  'GET /bookings/:id/invite.ics',
  'GET /items/:id',
  'GET /scim/v2/ServiceProviderConfig',
  'GET /scim/v2/ResourceTypes',
  'GET /scim/v2/ResourceTypes/:id',
  'GET /scim/v2/Schemas',
  'GET /scim/v2/Schemas/:id',
  'GET /scim/v2/Users',
  'POST /scim/v2/Users',
  'GET /scim/v2/Users/:id',
  'PUT /scim/v2/Users/:id',
  'PATCH /scim/v2/Users/:id',
  'DELETE /scim/v2/Users/:id',
  'GET /scim/v2/Groups',
  'POST /scim/v2/Groups',
  'GET /scim/v2/Groups/:id',
  'PUT /scim/v2/Groups/:id',
  'PATCH /scim/v2/Groups/:id',
  'DELETE /scim/v2/Groups/:id',
  'POST /rpc/WebAPI/RoomHistory',
  'POST /rpc/WebAPI/RoomCreate',
  'POST /rpc/WebAPI/RoomList',
  'POST /rpc/RoomHistory',
  'POST /rpc/RoomCreate',
  'POST /rpc/RoomList',
  'GET /v1/groups.list',
  'POST /v1/messageevent.export',
  'GET /v1/test',
  'GET /v1/magicast.list',
  'GET /v1/magicast.info',
  'GET /app/chats.list',
  'POST /app/chat.read',
  'POST /app/chat.typing',
  'POST /app/chat.update',
  'POST /app/chat.delete',
  'POST /app/reaction.add',
  'POST /app/item.upload',
  'POST /app/poll.results',
  'POST /app/poll.vote',
  'GET /app/session',
  'GET /app/office.info',
  'POST /app/room.enter',
  'POST /app/room.leave',
  'POST /app/presence.set',
  'POST /app/status.set',
  'POST /app/blockkit.validate',
  'GET /app/realtime',
  'GET /',
]

/** Paths of the web client (index.html for client-side routes, hashed assets): public, no auth. */
const WEB_CLIENT = /^\/($|office$|chat(\/\*)?$|builder$|console(\/\*)?$|tokens$|welcome$|assets\/|[^/]+\.[A-Za-z0-9]+$)/

function concretePath(row: Row): string {
  return row.path.replace(':kind', 'image.svg').replace(/:([a-zA-Z]+)/g, 'x')
}

/** The status a caller of `kind` gets, by the rules the routes declare. */
function expected(row: Row, kind: Kind): number {
  const override = row.expect?.[kind]
  if (override !== undefined) return override
  const ok = row.ok ?? 200
  const a = row.access
  if (a.kind === 'public') return a.status
  if (kind === 'none') return 401
  if (a.kind === 'account') return kind === 'session' ? ok : 403
  if (kind === 'session') {
    if (a.kind === 'admin') return 403
    // The web client: a signed-in session acts as a personal token of its user on the v0 methods
    // that accept personal access (access.sessionOnPersonalApi).
    return a.models.includes('personal') ? ok : 403
  }
  if (kind === 'invalid' || kind === 'revoked') return 401
  if (kind === 'patPending') return 403
  if (a.kind === 'admin') {
    if (kind === 'adminPat') return ok
    return kind === 'apiKey' || kind === 'orgOAuth' || kind === 'missingScope' ? 403 : 403
  }
  const personal = kind === 'personalOAuth' || kind === 'pat' || kind === 'adminPat'
  if (!a.models.includes(personal ? 'personal' : 'organization')) return 403
  if (kind === 'missingScope' && a.scopes.length > 0) return 403
  return ok
}

describe('authorization matrix', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('every registered route has exactly one row, and each row declares what the route declares', () => {
    const rows = new Map(ROWS.map((r) => [`${r.method} ${r.path}`, r]))
    const missing: string[] = []
    const mismatched: string[] = []
    for (const route of env.app.routeTable) {
      if (route.method === 'HEAD' || route.method === 'OPTIONS') continue
      const key = `${route.method} ${route.url}`
      const row = rows.get(key)
      if (!row) {
        if (route.method === 'GET' && !route.auth && WEB_CLIENT.test(route.url)) continue
        if (DENIALS_ONLY.includes(key)) continue
        missing.push(key)
        continue
      }
      rows.delete(key)
      const declared = declaredAccess(route.auth)
      if (JSON.stringify(declared) !== JSON.stringify(row.access.kind === 'public' ? { kind: 'public' } : row.access)) {
        mismatched.push(`${key}: route declares ${JSON.stringify(declared)}, table says ${JSON.stringify(row.access)}`)
      }
    }
    expect(missing, 'routes without a row in the authorization matrix').toEqual([])
    expect(mismatched).toEqual([])
    expect([...rows.keys()], 'rows for routes that do not exist').toEqual([])
  })

  for (const row of ROWS) {
    it(`${row.method} ${row.path}`, async () => {
      const fx = await fixture(env)
      const callers = await credentials(env, fx)
      const results: Record<string, number> = {}
      const wanted: Record<string, number> = {}
      for (const kind of KINDS) {
        // Fresh fixtures per caller would be slow; requests that change state are made last.
        const res = await call(env, row, fx, callers[kind], row.request?.(fx) ?? {})
        results[kind] = res.statusCode
        wanted[kind] = expected(row, kind)
        if (row.access.kind !== 'public' && (res.statusCode === 401 || res.statusCode === 403)) expect(Object.keys(res.json())).toContain('error')
      }
      expect(results).toEqual(wanted)
      for (const [name, resource] of Object.entries(row.resources ?? {})) {
        for (const [kind, status] of Object.entries(resource.expect)) {
          const res = await call(env, row, fx, callers[kind as Kind], resource.request(fx))
          expect(`${name} as ${kind}: ${res.statusCode}`).toBe(`${name} as ${kind}: ${status}`)
        }
      }
    })
  }

  it('every caller a declared rule refuses is refused, on the routes checked by denial only', async () => {
    const fx = await fixture(env)
    const callers = await credentials(env, fx)
    const routes = new Map(env.app.routeTable.map((r) => [`${r.method} ${r.url}`, r]))
    const wrong: string[] = []
    for (const key of DENIALS_ONLY) {
      const route = routes.get(key)
      if (!route) {
        wrong.push(`${key}: no such route`)
        continue
      }
      const access = declaredAccess(route.auth)
      const row: Row = { method: route.method as Row['method'], path: route.url, access: access.kind === 'public' ? { kind: 'public', status: 0 } : access }
      const method = route.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
      const url = concretePath(row)
      if (access.kind === 'public') {
        const res = await env.inject({ method, url })
        // Public forms refuse a POST without the page's CSRF token (403); nothing public needs credentials.
        const refused = res.statusCode === 401 || (res.statusCode === 403 && method === 'GET') || res.statusCode >= 500
        if (refused) wrong.push(`${key} as none: ${res.statusCode}`)
        continue
      }
      for (const kind of KINDS) {
        // Sessions reach some methods through rules of their own (the web client); their own tests cover them.
        if (kind === 'session') continue
        const want = expected(row, kind)
        if (want !== 401 && want !== 403) continue
        const token = callers[kind].token
        const res = await env.inject({
          method,
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(method === 'GET' ? {} : { payload: {} }),
        })
        if (res.statusCode !== want) wrong.push(`${key} as ${kind}: ${res.statusCode}, expected ${want}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('missing scopes are named; personal tokens on organization-only methods get access_mode_not_supported', async () => {
    const user = await env.user()
    const { apiKey } = await env.apiClient({ scopes: [] })
    // An organization-only admin route reached by an organization key.
    const org = await env.get('/admin/settings.info', { token: apiKey })
    expect(org.json()).toMatchObject({ error: 'access_mode_not_supported', code: 'access_mode_not_supported' })
    const pat = await env.personalToken(user, ['chat:read'])
    expect((await env.get('/v0/token.info', { token: pat })).json().scopes).toEqual(['chat:read'])
  })
})

function declaredAccess(auth: RouteAuth | undefined): Access | { kind: 'public' } {
  if (!auth) return { kind: 'public' }
  if (auth.admin) return { kind: 'admin' }
  if (auth.session === 'only') return { kind: 'account' }
  return { kind: 'v0', scopes: auth.scopes, models: auth.models as Array<'organization' | 'personal'> }
}

type Caller = { token?: string; browser?: Browser }

async function fixture(env: TestEnv): Promise<Fixture> {
  const user = await env.userWithPassword()
  const admin = await env.user({ isAdmin: true })
  const other1 = await env.user()
  const other2 = await env.user()
  const client = await env.apiClient({ scopes: ['chat:read'] })
  const pending = await env.personalToken(other1, ['chat:read'], 'pending')
  const active = await env.personalToken(other2, ['chat:read'])
  const ids = await env.db.selectFrom('credentials').select(['id', 'lookup']).execute()
  const idOf = (token: string) => ids.find((r) => token.includes(`${r.lookup}.`))!.id
  const publicGroup = await env.group({ members: [`U-${other1.id}`] })
  const privateGroup = await env.group({ private: true, members: [`U-${other1.id}`] })
  const otherDm = await env.dm(`U-${other1.id}`, `U-${other2.id}`)
  return {
    env,
    user,
    admin,
    pendingPatId: idOf(pending),
    activePatId: idOf(active),
    clientId: client.app.clientId,
    publicGroup: publicGroup.address,
    privateGroup: privateGroup.address,
    otherDm: otherDm.address,
  }
}

async function credentials(env: TestEnv, fx: Fixture): Promise<Record<Kind, Caller>> {
  const all = [...SCOPES]
  const apiKey = (await env.apiClient({ scopes: all })).apiKey
  const missingScope = (await env.apiClient({ scopes: [] })).apiKey
  const oauthApp = (await env.oauthClient()).app
  const orgOAuth = (await env.oauthToken({ model: 'organization', user: fx.admin, app: oauthApp })).token
  const personalOAuth = (await env.oauthToken({ model: 'personal', user: fx.user, app: oauthApp })).token
  const pat = await env.personalToken(fx.user, all)
  const patPending = await env.personalToken(fx.user, all, 'pending')
  const revoked = await env.personalToken(fx.user, all, 'revoked')
  const adminPat = await env.personalToken(fx.admin, all)
  const browser = await env.signedIn(fx.user)
  browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
  return {
    none: {},
    invalid: { token: 'rmk-AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    revoked: { token: revoked },
    apiKey: { token: apiKey },
    orgOAuth: { token: orgOAuth },
    personalOAuth: { token: personalOAuth },
    pat: { token: pat },
    patPending: { token: patPending },
    missingScope: { token: missingScope },
    session: { browser },
    adminPat: { token: adminPat },
  }
}

async function call(env: TestEnv, row: Row, _fx: Fixture, caller: Caller, req: Request): Promise<LightMyRequestResponse> {
  const url = concretePath(row)
  const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : ''
  if (caller.browser) {
    if (row.method === 'GET') return caller.browser.get(url + query)
    if (req.form) return caller.browser.submit(url + query, req.form)
    return caller.browser.postJson(url + query, req.body ?? {})
  }
  const headers: Record<string, string> = { ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}), ...req.headers }
  if (req.form) {
    return env.inject({
      method: row.method,
      url: url + query,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(req.form).toString(),
    })
  }
  return env.inject({ method: row.method, url: url + query, headers, ...(row.method === 'POST' ? { payload: (req.body ?? {}) as object } : {}) })
}
