import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKeyClient } from '../src/actions/clients.js'
import type { RouteEntry } from '../src/http/auth.js'
import { newId } from '../src/ids.js'
import { ADMIN_SCOPES, SCOPES } from '../src/scopes.js'
import { randomToken } from '../src/secrets.js'
import { insertOrganization } from '../src/store/repos/organizations.js'
import { nowMicros } from '../src/time.js'
import { deepValue, encodeFields, encodeSegment, hostileString, type Mode, type Pools, Raw, type Schema, toJsonText, valueArb } from './fuzz-arbitraries.js'
import { TestEnv } from './helpers.js'

/**
 * Property-based fuzzing of every route the application registers (`app.routeTable`), driven by
 * the routes' own TypeBox request schemas: valid, boundary and hostile values, with the route's
 * own credentials (so handlers are reached) and with missing, malformed, foreign and revoked ones.
 *
 * Every answer must be below 500, every error must have its API's error shape (`{"error"}`;
 * Roomlio `{code, message}` under /rpc; the SCIM error under /scim/v2; HTML pages for the
 * browser pages), and a message posted before the run must be there, unchanged, after it.
 *
 * `ATRIUM_FUZZ_RUNS` sets the number of cases per dialect (`npm run fuzz` runs 10,000);
 * `ATRIUM_FUZZ_SEED` replays a run; `ATRIUM_FUZZ_ROUTE=/v0/chat.post` fuzzes one route and shows
 * its first answers; `ATRIUM_FUZZ_VERBOSE=1` lists the routes no case reached with success.
 */

const RUNS = Number(process.env.ATRIUM_FUZZ_RUNS ?? 3000)
const SEED = process.env.ATRIUM_FUZZ_SEED === undefined ? undefined : Number(process.env.ATRIUM_FUZZ_SEED)

type Cred = 'own' | 'none' | 'invalid' | 'malformed' | 'revoked' | 'foreign' | 'apiKey' | 'pat' | 'session' | 'sessionNoCsrf' | 'badCookie'

interface Fx {
  env: TestEnv
  apiKey: string
  foreignKey: string
  pat: string
  revoked: string
  cookie: string
  csrf: string
  pools: Pools
  sentinel: { chatId: string; ts: number }
}

const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ada>We ship on Friday.\n'
const HOOK_URL = 'http://127.0.0.1:9/fuzz-hook'

/** Browser pages: their errors are HTML pages, not JSON. */
const PAGE = /^\/(login|logout|l\/|m\/|bookings\/|oauth\/authorize|items\/|avatars\/|docs(\/|$)|$)/

async function fixture(env: TestEnv): Promise<Fx> {
  const admin = await env.userWithPassword({ isAdmin: true })
  const other = await env.user()
  const browser = await env.signedIn(admin)
  const csrf = (await browser.get('/account/session.info')).json().csrfToken as string
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const client = await env.apiClient()
  const sentinelClient = await env.apiClient({ name: 'sentinel' })
  const pat = await env.personalToken(admin, [...SCOPES, ...ADMIN_SCOPES])
  const revoked = await env.personalToken(admin, [...SCOPES], 'revoked')
  const foreignOrg = { id: newId(), externalId: randomToken(10).toUpperCase(), name: 'Elsewhere', imageUrl: null, iconUrl: null, personalAccessPolicy: 'approval' as const, createdAt: nowMicros() }
  await insertOrganization(env.db, foreignOrg)
  const foreign = await createApiKeyClient(env.ctx, foreignOrg.id, { name: 'foreign', scopes: [...SCOPES], interactivityUrl: null })

  const shared = await env.group({ members: [`U-${admin.id}`, `U-${other.id}`, client.bot, sentinelClient.bot] })
  const privateGroup = await env.group({ private: true, members: [`U-${other.id}`] })
  const dm = await env.dm(`U-${admin.id}`, `U-${other.id}`)
  const post = async (token: string, body: Record<string, unknown>) => {
    const res = await env.post('/v0/chat.post', { token, body: { sync: true, ...body } })
    if (res.statusCode !== 200) throw new Error(`fixture chat.post: ${res.statusCode} ${res.body}`)
    return res.json().timestamp as number
  }
  // The sentinel: sent by an app whose key the fuzz never holds, in a chat the fuzz writes to.
  const sentinelTs = await post(sentinelClient.apiKey, { chat: shared.address, text: 'sentinel: must survive the fuzz' })
  const ownTs = await post(client.apiKey, { chat: shared.address, text: 'the fuzz may edit this' })
  const pollTs = await post(pat, { chat: shared.address, poll: { question: 'Lunch?', options: ['Pizza', 'Sushi'] } })
  const dmTs = await post(pat, { chat: dm.address, text: 'hello' })

  const asAdmin = (url: string, body: Record<string, unknown>) => env.post(url, { token: pat, body })
  /** A fixture's answer: 200 with `field` set, or the run stops here saying what went wrong. */
  const made = async (what: string, answer: Promise<LightMyRequestResponse>, field: string) => {
    const res = await answer
    const body = res.statusCode === 200 ? res.json() : undefined
    if (!body?.[field]) throw new Error(`fixture ${what}: ${res.statusCode} ${res.body}`)
    return body
  }
  const imported = await made('meetings.import', asAdmin('/admin/meetings.import', { title: 'Fuzz', start: '2026-01-05T10:00:00Z', participants: [admin.email, other.email], format: 'vtt', content: VTT }), 'meetingId')
  const link = await made('meetinglink.create', asAdmin('/v0/meetinglink.create', { name: 'Fuzz link' }), 'id')
  const handle = `fuzz${Date.now()}`
  const lobby = await made('lobbies.create', asAdmin('/admin/lobbies.create', { handle, name: 'Fuzz lobby', host: admin.email, duration: 30 }), 'id')
  const relay = await made('relays.create', asAdmin('/admin/relays.create', { name: 'fuzz relay', group: shared.address, template: '{{text}} {{#items}}{{name}}{{/items}}' }), 'url')
  const relayToken = String(relay.url).split('/relay/')[1]!
  const room = await asAdmin('/admin/room.create', { roomKey: 'fuzz-room', name: 'Fuzz room' })
  if (room.statusCode !== 200) throw new Error(`fixture room.create: ${room.statusCode} ${room.body}`)
  // The env allows private URLs: a loopback webhook URL is refused on a default one.
  const hook = await made('webhook.subscribe', env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.channel', url: HOOK_URL } }), 'id')

  const strings = [
    shared.address,
    shared.chatAddress,
    shared.id,
    privateGroup.address,
    privateGroup.chatAddress,
    dm.address,
    dm.id,
    `U-${other.id}`,
    other.id,
    other.email,
    client.bot,
    sentinelClient.bot,
    `C-${shared.chatId}`,
    imported.meetingId,
    imported.transcriptId,
    link.id,
    lobby.id,
    handle,
    relayToken,
    relay.relay.id,
    hook.id,
    'fuzz-room',
    'approve',
    'chat.message.dm',
    HOOK_URL,
    'https://example.com/a.png',
    '2026-01-05T10:00:00Z',
    '2026-01-05',
    'vtt',
    VTT,
    'pizza',
    '👍',
    'chat:read',
    'user:write',
    'member',
    'admin',
    'org',
    'icon',
    ':smile:',
  ].filter((s): s is string => typeof s === 'string' && s.length > 0)
  const when = ['2026-01-05T10:00:00Z', '2026-01-05', '2026-03-01T09:30:00.000Z']
  const byName: Record<string, unknown[]> = {
    chat: [shared.address, shared.chatAddress, dm.address, `U-${other.id}`, privateGroup.address, [`U-${other.id}`, `U-${admin.id}`]],
    group: [shared.address, privateGroup.address],
    user: [`U-${other.id}`, other.email],
    users: [[`U-${other.id}`]],
    members: [[`U-${other.id}`], [client.bot]],
    addresses: [[`U-${other.id}`]],
    text: ['hello', `hi <@U-${other.id}>`, '**bold** _it_ `code`', '<!here> & <#C-1>'],
    name: ['Fuzz name', 'fuzz-name'],
    title: ['Fuzz title'],
    question: ['Lunch?'],
    roomName: ['Fuzz room'],
    displayName: ['Fuzz group'],
    email: [other.email, 'new-person@example.com'],
    host: [admin.email],
    userName: ['new-person@example.com'],
    participants: [[admin.email, other.email]],
    url: [HOOK_URL],
    videoUrl: ['https://videos.example.com/a.mp4'],
    redirectUris: [['http://127.0.0.1:9/cb']],
    event: ['chat.message.dm', 'chat.message.channel'],
    start: when,
    since: when,
    after: when,
    before: when,
    closesAt: when,
    slot: when,
    date: when,
    format: ['vtt', 'srt'],
    content: [VTT],
    id: [imported.meetingId, imported.transcriptId, link.id, lobby.id, relay.relay.id, hook.id, shared.id],
    meetingId: [imported.meetingId],
    timestamp: [ownTs, pollTs, sentinelTs, dmTs],
    threadTimestamp: [ownTs],
    handle: ['fuzz-new', handle],
    roomKey: ['fuzz-room', 'fuzz-new-room'],
    scopes: [['chat:read'], [...SCOPES]],
    options: [['Pizza', 'Sushi']],
    emoji: ['thumbsup', '+1'],
    actionId: ['approve'],
    blocks: [[{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }], [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, url: 'https://example.com' }] }]],
    template: ['{{text}}'],
    duration: [30],
    limit: [1, 10, 100],
    count: [1, 10],
    cues: [[{ speaker: 'Ada', text: 'Hello.', startOffset: 0, endOffset: 1000 }]],
  }
  return {
    env,
    apiKey: client.apiKey,
    foreignKey: foreign.apiKey,
    pat,
    revoked,
    cookie,
    csrf,
    pools: { strings, integers: [sentinelTs, ownTs, pollTs, dmTs, 1, 10, 100, 30], byName },
    sentinel: { chatId: shared.chatId, ts: sentinelTs },
  }
}

/** JSON Schemas for bodies the routes leave open (checked field by field in the actions). */
const SCIM_BODIES: Schema[] = [
  {
    type: 'object',
    required: ['schemas', 'userName'],
    properties: {
      schemas: { type: 'array', items: { enum: ['urn:ietf:params:scim:schemas:core:2.0:User'] } },
      userName: { type: 'string', format: 'email' },
      externalId: { type: 'string' },
      active: { type: 'boolean' },
      name: { type: 'object', properties: { givenName: { type: 'string' }, familyName: { type: 'string' } } },
      emails: { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, primary: { type: 'boolean' } } } },
      'urn:ietf:params:scim:schemas:extension:roam:2.0:User': { type: 'object', properties: { role: { enum: ['admin', 'member', 'owner'] } } },
    },
  },
  {
    type: 'object',
    required: ['schemas', 'displayName'],
    properties: {
      schemas: { type: 'array', items: { enum: ['urn:ietf:params:scim:schemas:core:2.0:Group'] } },
      displayName: { type: 'string', maxLength: 64 },
      members: { type: 'array', items: { type: 'object', properties: { value: { type: 'string' } } } },
    },
  },
  {
    type: 'object',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { enum: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] } },
      Operations: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            op: { enum: ['replace', 'add', 'remove', 'Replace', 'Add'] },
            path: { enum: ['active', 'members', 'displayName', 'members[value eq "x"]', 'name.givenName'] },
            value: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'array', items: { type: 'object', properties: { value: { type: 'string' } } } }, { type: 'object', properties: { active: { type: 'boolean' } } }] },
          },
        },
      },
    },
  },
]

const RELAY_BODY: Schema = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
    action: { type: 'string' },
    count: { type: 'integer' },
  },
}

/** JSON bodies that are not JSON, or JSON no route wants. */
const GARBAGE_BODIES = [
  '{',
  '[',
  '{"a":}',
  '\u0000',
  '"\\u0000"',
  '{"\\u0000":1}',
  '["a\\u0000b"]',
  '"\\ud800"',
  'null',
  '',
  ' ',
  '\ufeff{}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '['.repeat(3000),
  '['.repeat(65) + ']'.repeat(65),
  '99999999999999999999',
  '1e400',
  '{"a":1,"a":2}',
]

/** Path segments sent as they are: broken percent-encoding, encoded separators and NUL. */
const BAD_SEGMENTS = ['%E0%A4%A', '%', '%zz', '%00', 'a%2Fb', '..', '%2e%2e', 'x'.repeat(300), '%F0%9F%8F%A0'.repeat(40)]

const OTHER_TYPES = ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/octet-stream', 'application/scim+json', 'image/png']

/** The credentials a permitted caller of `route` would hold. */
function ownCredentials(route: RouteEntry): Cred[] {
  const auth = route.auth
  if (!auth) return route.url === '/logout' ? ['sessionNoCsrf'] : ['session', 'none']
  if (auth.session === 'only') return ['session']
  if (auth.admin) return ['pat', 'session']
  const creds: Cred[] = []
  if (auth.models.includes('organization')) creds.push('apiKey')
  if (auth.models.includes('personal')) creds.push('pat')
  if (auth.session === 'allow') creds.push('session')
  return creds
}

interface Case {
  route: RouteEntry
  request: InjectOptions
}

function caseArb(fx: Fx, routes: RouteEntry[]): fc.Arbitrary<Case> {
  const cache = new Map<string, fc.Arbitrary<Case>>()
  const credArb = fc.oneof(
    { weight: 10, arbitrary: fc.constant<Cred>('own') },
    { weight: 3, arbitrary: fc.constantFrom<Cred>('none', 'invalid', 'malformed', 'revoked', 'foreign', 'apiKey', 'pat', 'session', 'sessionNoCsrf', 'badCookie') },
  )
  const modeArb = fc.constantFrom<Mode>('valid', 'valid', 'boundary', 'hostile', 'mutate', 'mutate', 'mutate', 'retype', 'retype')
  return fc.tuple(fc.nat(routes.length - 1), modeArb).chain(([index, mode]) => {
    const route = routes[index]!
    const key = `${index}:${mode}`
    let arb = cache.get(key)
    if (!arb) {
      arb = routeCaseArb(fx, route, mode, credArb)
      cache.set(key, arb)
    }
    return arb
  })
}

function routeCaseArb(fx: Fx, route: RouteEntry, mode: Mode, credArb: fc.Arbitrary<Cred>): fc.Arbitrary<Case> {
  const schema = (route.schema ?? {}) as Record<string, Schema | undefined>
  const paramNames = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!)
  const paramSchemas = (schema.params?.properties ?? {}) as Record<string, Schema>
  const paramArb = fc.tuple(
    ...paramNames.map((name) =>
      mode === 'hostile' || mode === 'mutate'
        ? fc.oneof(valueArb(paramSchemas[name] ?? { type: 'string' }, fx.pools, 'valid', 0, name), hostileString, fc.constantFrom(...BAD_SEGMENTS).map((s) => new Raw(s)))
        : valueArb(paramSchemas[name] ?? { type: 'string' }, fx.pools, 'valid', 0, name),
    ),
  )
  const queryArb = schema.querystring ? fc.option(valueArb(schema.querystring, fx.pools, mode), { freq: 8 }) : fc.constant(null)
  const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(route.method)
  const bodySchemas = route.url.startsWith('/scim/') ? SCIM_BODIES : route.url.startsWith('/relay/') ? [RELAY_BODY] : [schema.body ?? {}]
  const bodyArb = hasBody ? fc.oneof(...bodySchemas.map((s) => valueArb(s, fx.pools, mode))) : fc.constant(undefined)
  const isPage = PAGE.test(route.url) && !route.auth
  const encodingArb = fc.oneof(
    { weight: isPage ? 2 : 10, arbitrary: fc.constant('json' as const) },
    { weight: isPage ? 8 : 1, arbitrary: fc.constant('form' as const) },
    { weight: 1, arbitrary: fc.constant('garbage' as const) },
    { weight: 1, arbitrary: fc.constant('other' as const) },
    { weight: 1, arbitrary: fc.constant('deep' as const) },
  )
  const headerArb = fc.option(fc.record({ name: fc.constantFrom('idempotency-key', 'webhook-id', 'accept', 'x-forwarded-for'), value: fc.constantFrom('k-1', 'x'.repeat(10_000), 'é', ' ', '"q"', 'msg_2KAbc', '1.2.3.4') }), { freq: 6 })
  return fc
    .record({
      params: paramArb,
      query: queryArb,
      body: bodyArb,
      encoding: encodingArb,
      garbage: fc.constantFrom(...GARBAGE_BODIES),
      other: fc.constantFrom(...OTHER_TYPES),
      deep: deepValue,
      cred: credArb,
      ownPick: fc.nat(3),
      header: headerArb,
    })
    .map((c) => {
      let url = route.url
      paramNames.forEach((name, i) => {
        const param = c.params[i]
        const value = param instanceof Raw ? param.text : String(param ?? '')
        url = url.replace(`:${name}`, param instanceof Raw ? value : value === '' ? '%20' : encodeSegment(value))
      })
      if (c.query !== null) url += `?${encodeFields(c.query)}`
      const own = ownCredentials(route)
      let cred = c.cred === 'own' ? own[c.ownPick % own.length]! : c.cred
      // Signing out would end the session every later case uses.
      if (route.url === '/logout' && cred === 'session') cred = 'sessionNoCsrf'
      const headers: Record<string, string> = {}
      if (cred === 'apiKey') headers.authorization = `Bearer ${fx.apiKey}`
      if (cred === 'pat') headers.authorization = `Bearer ${fx.pat}`
      if (cred === 'revoked') headers.authorization = `Bearer ${fx.revoked}`
      if (cred === 'foreign') headers.authorization = `Bearer ${fx.foreignKey}`
      if (cred === 'invalid') headers.authorization = 'Bearer rmk-AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
      if (cred === 'malformed') headers.authorization = ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Bearer ${'x'.repeat(5000)}`, 'Bearer rmk-%00.%00'][c.ownPick % 5]!
      if (cred === 'session' || cred === 'sessionNoCsrf') headers.cookie = fx.cookie
      if (cred === 'session' && hasBody) headers['x-csrf-token'] = fx.csrf
      if (cred === 'badCookie') headers.cookie = ['atrium_session=%00', 'atrium_session=x%00y; _csrf=%00', `atrium_session=${'a'.repeat(5000)}`, 'atrium_session=%E0%A4%A', 'atrium_session=s%3Aabc.def'][c.ownPick % 5]!
      if (c.header) headers[c.header.name] = c.header.value
      const request: InjectOptions = { method: route.method as InjectOptions['method'], url, headers }
      if (hasBody) {
        if (c.encoding === 'json') {
          headers['content-type'] = route.url.startsWith('/scim/') && c.ownPick % 2 === 0 ? 'application/scim+json' : 'application/json'
          request.payload = toJsonText(c.body)
        } else if (c.encoding === 'form') {
          headers['content-type'] = 'application/x-www-form-urlencoded'
          const fields: Record<string, unknown> = c.body !== null && typeof c.body === 'object' && !Array.isArray(c.body) && !(c.body instanceof Raw) ? { ...(c.body as Record<string, unknown>) } : { value: c.body }
          if (cred === 'session' && isPage) fields._csrf = fx.csrf
          request.payload = encodeFields(fields)
        } else if (c.encoding === 'garbage') {
          headers['content-type'] = route.url.startsWith('/scim/') ? 'application/scim+json' : 'application/json'
          request.payload = c.garbage
        } else if (c.encoding === 'deep') {
          headers['content-type'] = route.url.startsWith('/scim/') && c.ownPick % 2 === 0 ? 'application/scim+json' : 'application/json'
          request.payload = toJsonText(c.deep)
        } else {
          headers['content-type'] = c.other
          request.payload = toJsonText(c.body)
        }
      }
      return { route, request }
    })
}

/** What is wrong with an answer, or undefined. */
function problemWith(route: RouteEntry, res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return `status ${res.statusCode}`
  if (res.statusCode < 400) return undefined
  const type = String(res.headers['content-type'] ?? '')
  if (PAGE.test(route.url) && !route.auth && type.startsWith('text/html')) return undefined
  let body: Record<string, unknown>
  try {
    body = JSON.parse(res.body) as Record<string, unknown>
  } catch {
    return `error body is not JSON (${type}): ${res.body.slice(0, 120)}`
  }
  if (route.url.startsWith('/rpc/')) {
    return typeof body.code === 'string' && typeof body.message === 'string' ? undefined : 'Roomlio error is not {code, message}'
  }
  if (route.url.startsWith('/scim/')) {
    const ok = Array.isArray(body.schemas) && body.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error') && body.status === String(res.statusCode) && typeof body.detail === 'string'
    return ok ? undefined : 'SCIM error is not a SCIM Error'
  }
  return typeof body.error === 'string' ? undefined : 'error body has no "error" string'
}

function describeRequest(req: InjectOptions): string {
  const payload = typeof req.payload === 'string' ? req.payload : ''
  const headers = { ...(req.headers as Record<string, string>) }
  for (const k of ['authorization', 'cookie', 'x-csrf-token']) if (headers[k]) headers[k] = `${headers[k]!.slice(0, 24)}…`
  return `${req.method} ${String(req.url).slice(0, 300)} ${JSON.stringify(headers).slice(0, 300)} ${payload.slice(0, 400)}`
}

describe('fuzzing every route', () => {
  let fx: Fx
  const logged: string[] = []

  beforeAll(async () => {
    // The fixture's webhook points at a loopback address.
    const env = await TestEnv.create({ allowPrivateUrls: true })
    // Unexpected errors are logged by the error handlers; keep them to explain a failure.
    const log = env.app.log as unknown as { error: (obj: unknown, msg?: string) => void }
    log.error = (obj: unknown, msg?: string) => {
      const err = (obj as { err?: Error } | undefined)?.err
      logged.push(`${msg ?? ''}: ${err?.stack?.split('\n').slice(0, 4).join(' | ') ?? JSON.stringify(obj).slice(0, 300)}`)
    }
    fx = await fixture(env)
  }, 120_000)

  afterAll(async () => {
    await fx?.env.close()
  })

  it(`answers ${RUNS} generated requests without a server error, in each API's error shape`, async () => {
    const { env } = fx
    const only = process.env.ATRIUM_FUZZ_ROUTE
    const routes = env.app.routeTable.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && (only === undefined || r.url === only))
    const before = await env.db.selectFrom('messages').selectAll().where('chat_id', '=', fx.sentinel.chatId).where('ts', '=', fx.sentinel.ts).executeTakeFirstOrThrow()

    const failures = new Map<string, string>()
    // Anything thrown outside a request (a rejected promise nobody awaited) would take the process down.
    const escaped: unknown[] = []
    const onEscape = (err: unknown) => escaped.push(err)
    process.on('unhandledRejection', onEscape)
    process.on('uncaughtException', onEscape)
    const started = Date.now()
    let cases = 0
    const statuses = new Map<string, number>()
    const reached = new Set<string>()
    await fc.assert(
      fc.asyncProperty(caseArb(fx, routes), async ({ route, request }) => {
        cases++
        const mark = logged.length
        const res = await env.app.inject(request)
        const problem = problemWith(route, res)
        const klass = `${Math.floor(res.statusCode / 100)}xx`
        statuses.set(klass, (statuses.get(klass) ?? 0) + 1)
        if (res.statusCode < 300) reached.add(`${route.method} ${route.url}`)
        if (only !== undefined && cases <= 30) console.log(`${res.statusCode} ${describeRequest(request)}\n   → ${res.body.slice(0, 200)}`)
        if (problem) {
          const key = `${route.method} ${route.url}: ${problem.split(':')[0]}`
          if (!failures.has(key)) failures.set(key, `${problem}\n    request: ${describeRequest(request)}\n    response: ${res.body.slice(0, 300)}\n    logged: ${logged.slice(mark).join(' // ').slice(0, 800)}`)
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    process.off('unhandledRejection', onEscape)
    process.off('uncaughtException', onEscape)
    const seconds = (Date.now() - started) / 1000
    const unreached = routes.filter((r) => !reached.has(`${r.method} ${r.url}`)).map((r) => `${r.method} ${r.url}`)
    console.log(
      `fuzz (${process.env.ATRIUM_TEST_DIALECT ?? 'sqlite'}): ${cases} cases over ${routes.length} routes in ${seconds.toFixed(1)} s; ` +
        `answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${reached.size} routes answered 2xx` +
        (process.env.ATRIUM_FUZZ_VERBOSE ? `; never 2xx: ${unreached.join(', ')}` : ''),
    )

    expect([...failures].map(([k, v]) => `${k}\n  ${v}`)).toEqual([])
    expect(escaped).toEqual([])

    // The process is still healthy and the sentinel message untouched.
    expect((await env.get('/readyz')).statusCode).toBe(200)
    const after = await env.db.selectFrom('messages').selectAll().where('chat_id', '=', fx.sentinel.chatId).where('ts', '=', fx.sentinel.ts).executeTakeFirstOrThrow()
    expect(after).toEqual(before)
    const history = await env.get('/v0/chat.history', { token: fx.apiKey, query: { chat: `C-${fx.sentinel.chatId}`, limit: 200 } })
    expect(history.statusCode).toBe(200)
    expect(history.json().messages.some((m: { timestamp: number; text?: string }) => m.timestamp === fx.sentinel.ts && m.text === 'sentinel: must survive the fuzz')).toBe(true)
    // The run kept its own credentials (so its cases kept reaching the handlers).
    expect((await env.get('/v0/token.info', { token: fx.apiKey })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: fx.pat })).statusCode).toBe(200)
    expect((await env.inject({ method: 'GET', url: '/account/session.info', headers: { cookie: fx.cookie } })).statusCode).toBe(200)
  }, 600_000)
})
