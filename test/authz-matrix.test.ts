import { CLIENT_ROUTES } from '../src/http/web.js'
import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import type { RouteAuth } from '../src/http/auth.js'
import type { App, User } from '../src/domain.js'
import { ADMIN_SCOPES, SCOPES } from '../src/scopes.js'
import { monotonicMicros } from '../src/time.js'
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

/**
 * Who calls. Bearer kinds first; `session` is a signed-in (non-admin) browser. `adminPat` is an
 * administrator's personal access token with every scope, the admin scopes included.
 *
 * The admin API's own callers come last: an administrator's signed-in browser, the
 * administrator's personal access tokens with only `admin:read`, only `admin:write`, or every
 * Roam scope but no admin scope, and a personal OAuth token the administrator gave an app
 * (`user:read`). Elsewhere they are a session and personal tokens like the ones above, so they
 * call the admin API's rows only.
 */
const KINDS = [
  'none',
  'invalid',
  'revoked',
  'apiKey',
  'orgOAuth',
  'personalOAuth',
  'pat',
  'patPending',
  'missingScope',
  'session',
  'adminPat',
  'adminSession',
  'adminPatRead',
  'adminPatWrite',
  'adminPatNoAdmin',
  'adminOAuth',
] as const
type Kind = (typeof KINDS)[number]
const ADMIN_API_KINDS = new Set<Kind>(['adminSession', 'adminPatRead', 'adminPatWrite', 'adminPatNoAdmin', 'adminOAuth'])

/** The kinds that call a row. */
function kindsFor(row: Row): Kind[] {
  return KINDS.filter((k) => row.access.kind === 'admin' || !ADMIN_API_KINDS.has(k))
}

/** What the fixtures give every request builder. */
interface Fixture {
  env: TestEnv
  user: User & { password: string }
  admin: User
  other: User
  pendingPatId: string
  activePatId: string
  clientId: string
  /** A group every caller that may write belongs to (the callers' bots, the user and the admin). */
  shared: { address: string; chatAddress: string; chatId: string }
  publicGroup: string
  privateGroup: string
  privateGroupChat: { address: string; id: string }
  otherDm: string
  /** A transcript of a meeting the user and the admin attended. */
  transcriptId: string
  meetingLinkId: string
  lobbyId: string
  /** The bot of an app with an Interactivity URL, for button messages. */
  interactiveBot: string
  /** Roomlio keys of a public room every organization caller's bot may read and of a private one. */
  roomKey: string
  privateRoomKey: string
  lobbyHandle: string
  callers: Record<Kind, Caller>
  /** Calls an endpoint as `kind` (setup steps of request builders). */
  as: (kind: Kind, method: 'GET' | 'POST', url: string, body?: Record<string, unknown>) => Promise<LightMyRequestResponse>
}

interface Request {
  query?: Record<string, string>
  body?: unknown
  headers?: Record<string, string>
  form?: Record<string, string>
  /** A raw request body (uploads). */
  raw?: Buffer
  /** The concrete path, for routes with parameters. */
  path?: string
}

type RequestBuilder = (fx: Fixture, kind: Kind) => Request | Promise<Request>

type Access =
  | { kind: 'v0'; scopes: ReadonlyArray<ReadonlyArray<string>>; models: ReadonlyArray<'organization' | 'personal'> }
  | { kind: 'admin'; scope: 'admin:read' | 'admin:write' }
  | { kind: 'account' }
  | { kind: 'public'; status: number }

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  access: Access
  request?: RequestBuilder
  /** Status of a permitted call. */
  ok?: number
  /** Exceptions to the rule for single kinds. */
  expect?: Partial<Record<Kind, number>>
  resources?: Partial<Record<'publicGroup' | 'privateGroup' | 'otherDm' | 'notAttended', { request: RequestBuilder; expect: Partial<Record<Kind, number>> }>>
  /** The member of a refusal's JSON body that carries the message (facades with their own error shape). */
  errorKey?: string
}

const BEARER: Kind[] = ['invalid', 'revoked', 'apiKey', 'orgOAuth', 'personalOAuth', 'pat', 'patPending', 'missingScope', 'adminPat']
const BOTH = ['organization', 'personal'] as const
const ORG = ['organization'] as const
const SEND = [['chat:send_message'], ['chat:write']]
const ORG_KINDS: Kind[] = ['apiKey', 'orgOAuth', 'missingScope']
const HOOK_URL = 'http://127.0.0.1:9/matrix-hook'
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'
const SCIM_READ = [['user:read', 'user:read.email']]
const SCIM_WRITE = [['user:write']]
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
/** Admin API reads and changes. */
const ADMIN_R = { kind: 'admin', scope: 'admin:read' } as const
const ADMIN_W = { kind: 'admin', scope: 'admin:write' } as const

function scim(body: Record<string, unknown>): Request {
  return { body, headers: { 'content-type': 'application/scim+json' } }
}

function scimUser(email: string): Record<string, unknown> {
  return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email, name: { givenName: 'Sam', familyName: 'Provisioned' }, emails: [{ value: email, primary: true }] }
}

function scimGroup(displayName: string): Record<string, unknown> {
  return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: [] }
}

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
  {
    method: 'POST',
    path: '/v0/webhook.subscribe',
    access: { kind: 'v0', scopes: [['webhook:write']], models: BOTH },
    // Subscriptions belong to tokens; a browser session is refused (access.requireWebhookSubscriber).
    expect: { session: 403 },
    request: () => ({ body: { event: 'chat.message.dm', url: HOOK_URL } }),
  },
  { method: 'GET', path: '/v0/webhook.list', access: { kind: 'v0', scopes: [['webhook:read'], ['webhook:write']], models: BOTH } },
  {
    method: 'POST',
    path: '/v0/webhook.unsubscribe',
    access: { kind: 'v0', scopes: [['webhook:write']], models: BOTH },
    ok: 204,
    // A session has no subscription of its own to remove.
    expect: { session: 404 },
    // Each caller removes a subscription of its own.
    request: async (fx, kind) => ({ body: { id: (await fx.as(kind, 'POST', '/v0/webhook.subscribe', { event: 'chat.message.dm', url: HOOK_URL })).json().id ?? UNKNOWN_ID } }),
  },
  {
    method: 'POST',
    path: '/v0/interactivity.click',
    access: { kind: 'v0', scopes: [], models: ['personal'] },
    request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: await buttonMessage(fx), actionId: 'approve' } }),
    resources: {
      // Buttons in a private group's messages are only for its members; to others the message does not exist.
      privateGroup: {
        request: async (fx) => ({ body: { chat: fx.privateGroupChat.address, timestamp: await buttonMessage(fx, fx.privateGroupChat.id), actionId: 'approve' } }),
        expect: { pat: 404, personalOAuth: 404, adminPat: 404, session: 404 },
      },
    },
  },
  {
    method: 'GET',
    path: '/v0/interactivity.clicks',
    access: { kind: 'v0', scopes: [], models: ['personal'] },
    request: async (fx) => ({ query: { chat: fx.shared.chatAddress, timestamp: String(await buttonMessage(fx)) } }),
  },
  {
    method: 'POST',
    path: '/v0/chat.post',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    request: (fx) => ({ body: { chat: fx.shared.address, text: 'matrix', sync: true } }),
    resources: {
      // Organization apps see public groups but post only where their bot was added.
      publicGroup: { request: (fx) => ({ body: { chat: fx.publicGroup, text: 'x', sync: true } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      privateGroup: { request: (fx) => ({ body: { chat: fx.privateGroup, text: 'x', sync: true } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      otherDm: { request: (fx) => ({ body: { chat: fx.otherDm, text: 'x', sync: true } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
    },
  },
  {
    method: 'GET',
    path: '/v0/chat.history',
    access: { kind: 'v0', scopes: [['chat:history']], models: BOTH },
    request: (fx) => ({ query: { chat: fx.shared.address } }),
    resources: {
      // Organization tokens read every public group; personal tokens only the user's own chats.
      publicGroup: { request: (fx) => ({ query: { chat: fx.publicGroup } }), expect: { apiKey: 200, orgOAuth: 200, pat: 403, personalOAuth: 403, adminPat: 403 } },
      privateGroup: { request: (fx) => ({ query: { chat: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      otherDm: { request: (fx) => ({ query: { chat: fx.otherDm } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
    },
  },
  { method: 'GET', path: '/v0/chat.list', access: { kind: 'v0', scopes: [['chat:read']], models: ORG } },
  {
    // Atrium's extension: the read rule of chat.history over every chat, or over the one named.
    method: 'GET',
    path: '/atrium/search.messages',
    access: { kind: 'v0', scopes: [['chat:read']], models: BOTH },
    request: () => ({ query: { query: 'matrix' } }),
    resources: {
      publicGroup: { request: (fx) => ({ query: { query: 'matrix', chat: fx.publicGroup } }), expect: { apiKey: 200, orgOAuth: 200, pat: 403, personalOAuth: 403, adminPat: 403, session: 403 } },
      privateGroup: { request: (fx) => ({ query: { query: 'matrix', chat: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403, session: 403 } },
      otherDm: { request: (fx) => ({ query: { query: 'matrix', chat: fx.otherDm } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403, session: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/chat.typing',
    access: { kind: 'v0', scopes: SEND, models: ORG },
    request: (fx) => ({ body: { chat: fx.shared.address } }),
    resources: {
      publicGroup: { request: (fx) => ({ body: { chat: fx.publicGroup } }), expect: { apiKey: 403, orgOAuth: 403 } },
      privateGroup: { request: (fx) => ({ body: { chat: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chat: fx.otherDm } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/chat.update',
    access: { kind: 'v0', scopes: SEND, models: ORG },
    // Each caller edits a message of its own.
    request: async (fx, kind) => ({ body: { chat: fx.shared.address, timestamp: await messageOf(fx, kind), text: 'edited' } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chat: fx.privateGroup, timestamp: 1, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chat: fx.otherDm, timestamp: 1, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/chat.delete',
    access: { kind: 'v0', scopes: SEND, models: ORG },
    request: async (fx, kind) => ({ body: { chat: fx.shared.address, timestamp: await messageOf(fx, kind) } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chat: fx.privateGroup, timestamp: 1 } }), expect: { apiKey: 403, orgOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chat: fx.otherDm, timestamp: 1 } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/item.upload',
    access: { kind: 'v0', scopes: [['item:write']], models: ORG },
    request: () => ({ headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' }, raw: Buffer.from('notes') }),
  },
  {
    method: 'POST',
    path: '/v0/reaction.add',
    access: { kind: 'v0', scopes: SEND, models: ORG },
    request: async (fx) => ({ body: { chat: fx.shared.address, timestamp: await messageOf(fx, 'pat'), name: '100' } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chat: fx.privateGroup, timestamp: 1, name: '100' } }), expect: { apiKey: 403, orgOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chat: fx.otherDm, timestamp: 1, name: '100' } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  { method: 'GET', path: '/v0/addr.info', access: { kind: 'v0', scopes: [['chat:read']], models: ORG }, request: (fx) => ({ query: { addr: `U-${fx.user.id}` } }) },
  { method: 'POST', path: '/v0/group.create', access: { kind: 'v0', scopes: [['group:write']], models: ORG }, request: (fx, kind) => ({ body: { name: `matrix ${kind}`, members: [`U-${fx.user.id}`] } }) },
  {
    method: 'POST',
    path: '/v0/group.rename',
    access: { kind: 'v0', scopes: [['group:write']], models: ORG },
    ok: 204,
    request: (fx) => ({ body: { id: fx.shared.address, name: 'Renamed' } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { id: fx.privateGroup, name: 'x' } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/group.archive',
    access: { kind: 'v0', scopes: [['group:write']], models: ORG },
    ok: 204,
    request: (fx) => ({ query: { id: fx.shared.address } }),
    resources: {
      privateGroup: { request: (fx) => ({ query: { id: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'GET',
    path: '/v0/group.members',
    access: { kind: 'v0', scopes: [['groups:read']], models: ORG },
    request: (fx) => ({ query: { group: fx.shared.address } }),
    resources: {
      publicGroup: { request: (fx) => ({ query: { group: fx.publicGroup } }), expect: { apiKey: 200, orgOAuth: 200 } },
      privateGroup: { request: (fx) => ({ query: { group: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/group.add',
    access: { kind: 'v0', scopes: [['group:write']], models: ORG },
    ok: 204,
    request: (fx) => ({ body: { group: fx.shared.address, members: [`U-${fx.other.id}`] } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { group: fx.privateGroup, members: [`U-${fx.other.id}`] } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/group.remove',
    access: { kind: 'v0', scopes: [['group:write']], models: ORG },
    ok: 204,
    request: (fx) => ({ body: { group: fx.shared.address, members: [`U-${fx.other.id}`] } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { group: fx.privateGroup, members: [`U-${fx.other.id}`] } }), expect: { apiKey: 403, orgOAuth: 403 } },
    },
  },
  { method: 'GET', path: '/v0/user.list', access: { kind: 'v0', scopes: [['user:read']], models: BOTH } },
  { method: 'GET', path: '/v0/user.info', access: { kind: 'v0', scopes: [['user:read']], models: ORG }, request: (fx) => ({ query: { id: `U-${fx.user.id}` } }) },
  { method: 'GET', path: '/v0/user.lookup', access: { kind: 'v0', scopes: [['user:read', 'user:read.email']], models: ORG }, request: (fx) => ({ query: { email: fx.user.email } }) },
  { method: 'GET', path: '/v0/userauditlog.list', access: { kind: 'v0', scopes: [['userauditlog:read']], models: ORG }, request: () => ({ query: { date: '2026-01-01' } }) },
  { method: 'GET', path: '/v0/meeting.list', access: { kind: 'v0', scopes: [['meetings:read']], models: ORG } },
  { method: 'GET', path: '/v0/transcript.list', access: { kind: 'v0', scopes: [['transcript:read']], models: BOTH } },
  {
    method: 'GET',
    path: '/v0/transcript.info',
    access: { kind: 'v0', scopes: [['transcript:read']], models: BOTH },
    request: (fx) => ({ query: { id: fx.transcriptId } }),
    resources: {
      // Personal tokens read only transcripts of meetings their user attended.
      notAttended: { request: async (fx) => ({ query: { id: await unattendedTranscript(fx) } }), expect: { apiKey: 200, orgOAuth: 200, pat: 404, personalOAuth: 404 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/transcript.prompt',
    access: { kind: 'v0', scopes: [['transcript:read']], models: BOTH },
    request: (fx) => ({ body: { id: fx.transcriptId, prompt: 'Who speaks first?' } }),
    resources: {
      notAttended: { request: async (fx) => ({ body: { id: await unattendedTranscript(fx), prompt: 'Who?' } }), expect: { apiKey: 200, pat: 404, personalOAuth: 404 } },
    },
  },
  {
    method: 'POST',
    path: '/v0/meetinglink.create',
    access: { kind: 'v0', scopes: [['meeting:write'], ['meetinglink:write']], models: BOTH },
    // Organization tokens name the host; personal tokens host their own links.
    request: (fx, kind) => ({ body: { name: 'Sync', ...(ORG_KINDS.includes(kind) ? { host: fx.user.email } : {}) } }),
  },
  { method: 'POST', path: '/v0/meetinglink.info', access: { kind: 'v0', scopes: [['meetinglink:read']], models: ORG }, request: (fx) => ({ body: { id: fx.meetingLinkId } }) },
  { method: 'POST', path: '/v0/meetinglink.update', access: { kind: 'v0', scopes: [['meetinglink:write']], models: ORG }, ok: 204, request: (fx) => ({ body: { id: fx.meetingLinkId, name: 'Renamed' } }) },
  { method: 'GET', path: '/v0/lobby.list', access: { kind: 'v0', scopes: [['lobby:read']], models: ORG } },
  { method: 'GET', path: '/v0/lobbyBooking.list', access: { kind: 'v0', scopes: [['lobby:read']], models: ORG }, request: (fx) => ({ query: { lobbyId: fx.lobbyId } }) },

  // Roomlio RPC: the facade's own error body, {code, message}
  ...['/rpc/WebAPI', '/rpc'].flatMap((prefix): Row[] => [
    {
      method: 'POST',
      path: `${prefix}/RoomHistory`,
      access: { kind: 'v0', scopes: [['chat:history']], models: ORG },
      errorKey: 'message',
      request: (fx) => ({ body: { roomKey: fx.roomKey, limit: 2 } }),
      resources: {
        // A private room is readable only by its members.
        privateGroup: { request: (fx) => ({ body: { roomKey: fx.privateRoomKey } }), expect: { apiKey: 403, orgOAuth: 403 } },
      },
    },
    {
      method: 'POST',
      path: `${prefix}/RoomCreate`,
      access: { kind: 'v0', scopes: [['group:write']], models: ORG },
      errorKey: 'message',
      request: (_fx, kind) => ({ body: { roomKey: `created-${kind}-${prefix.length}`, roomName: 'Created' } }),
    },
    { method: 'POST', path: `${prefix}/RoomList`, access: { kind: 'v0', scopes: [['chat:history'], ['groups:read']], models: ORG }, errorKey: 'message' },
  ]),

  // Roam HQ API v1
  { method: 'GET', path: '/v1/groups.list', access: { kind: 'v0', scopes: [['groups:read']], models: ORG } },
  // The web client's session reaches v0 only; /v1 is for tokens.
  { method: 'GET', path: '/v1/token.info', access: { kind: 'v0', scopes: [], models: BOTH }, expect: { session: 401 } },
  { method: 'GET', path: '/v1/group.list', access: { kind: 'v0', scopes: [['groups:read']], models: BOTH }, expect: { session: 401 } },
  { method: 'POST', path: '/v1/messageevent.export', access: { kind: 'v0', scopes: [['admin:compliance:read']], models: ORG }, request: () => ({ body: { date: '2026-01-05' } }) },
  // Roam's current /v1 chat methods: v0's rules, chatId for chat (tagged ids accepted), personal tokens on every one.
  {
    method: 'POST',
    path: '/v1/chat.post',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: (fx) => ({ body: { chatId: fx.shared.address, text: 'matrix', sync: true } }),
    resources: {
      publicGroup: { request: (fx) => ({ body: { chatId: fx.publicGroup, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      privateGroup: { request: (fx) => ({ body: { chatId: fx.privateGroup, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      otherDm: { request: (fx) => ({ body: { chatId: fx.otherDm, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
    },
  },
  {
    method: 'GET',
    path: '/v1/chat.history',
    access: { kind: 'v0', scopes: [['chat:history']], models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: (fx) => ({ query: { chatId: fx.shared.address } }),
    resources: {
      publicGroup: { request: (fx) => ({ query: { chatId: fx.publicGroup } }), expect: { apiKey: 200, orgOAuth: 200, pat: 403, personalOAuth: 403, adminPat: 403 } },
      privateGroup: { request: (fx) => ({ query: { chatId: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      otherDm: { request: (fx) => ({ query: { chatId: fx.otherDm } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v1/chat.typing',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: (fx) => ({ body: { chatId: fx.shared.address } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chatId: fx.privateGroup } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chatId: fx.otherDm } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v1/chat.update',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: async (fx, kind) => ({ body: { chatId: fx.shared.address, timestamp: await messageOf(fx, kind, 'v1'), text: 'edited' } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chatId: fx.privateGroup, timestamp: 1, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chatId: fx.otherDm, timestamp: 1, text: 'x' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v1/chat.delete',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: async (fx, kind) => ({ body: { chatId: fx.shared.address, timestamp: await messageOf(fx, kind, 'v1') } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { chatId: fx.privateGroup, timestamp: 1 } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
      otherDm: { request: (fx) => ({ body: { chatId: fx.otherDm, timestamp: 1 } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403 } },
    },
  },
  // Streamed messages: chat.post's rules to start; appending and stopping only by the stream's owner.
  {
    method: 'POST',
    path: '/v1/chat.startStream',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: (fx) => ({ body: { chatId: fx.shared.address, kind: 'text' } }),
    resources: {
      publicGroup: { request: (fx) => ({ body: { chatId: fx.publicGroup, kind: 'text' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      privateGroup: { request: (fx) => ({ body: { chatId: fx.privateGroup, kind: 'text' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
      otherDm: { request: (fx) => ({ body: { chatId: fx.otherDm, kind: 'thinking' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403, personalOAuth: 403, adminPat: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/v1/chat.appendStream',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    expect: { session: 401 },
    request: async (fx, kind) => ({ body: { streamId: await streamOf(fx, kind), text: 'more' } }),
  },
  {
    method: 'POST',
    path: '/v1/chat.stopStream',
    access: { kind: 'v0', scopes: SEND, models: BOTH },
    expect: { session: 401 },
    request: async (fx, kind) => ({ body: { streamId: await streamOf(fx, kind) } }),
  },
  {
    method: 'POST',
    path: '/v1/item.upload',
    access: { kind: 'v0', scopes: [['item:write']], models: BOTH },
    // The web client's session reaches v0 only; /v1 is for tokens.
    expect: { session: 401 },
    request: () => ({ headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' }, raw: Buffer.from('notes') }),
  },
  {
    method: 'POST',
    path: '/v1/webhook.subscribe',
    access: { kind: 'v0', scopes: [['webhook:write']], models: BOTH },
    // /v1 takes bearer tokens only: a browser session is not a credential there.
    expect: { session: 401 },
    request: () => ({ body: { event: 'chat.message', url: HOOK_URL } }),
  },
  { method: 'GET', path: '/v1/webhook.list', access: { kind: 'v0', scopes: [['webhook:read'], ['webhook:write']], models: BOTH }, expect: { session: 401 } },
  {
    method: 'POST',
    path: '/v1/webhook.unsubscribe',
    access: { kind: 'v0', scopes: [['webhook:write']], models: BOTH },
    ok: 204,
    expect: { session: 401 },
    // Each caller removes a subscription of its own.
    request: async (fx, kind) => ({ body: { id: (await fx.as(kind, 'POST', '/v1/webhook.subscribe', { event: 'chat.message', url: HOOK_URL })).json().id ?? UNKNOWN_ID } }),
  },
  { method: 'GET', path: '/v1/test', access: { kind: 'public', status: 200 } },
  // Atrium has no Magicast: the paths exist only to say so.
  { method: 'GET', path: '/v1/magicast.list', access: { kind: 'public', status: 404 } },
  { method: 'GET', path: '/v1/magicast.info', access: { kind: 'public', status: 404 } },

  // SCIM 2.0 provisioning: errors in SCIM's own shape ({schemas, status, detail})
  { method: 'GET', path: '/scim/v2/ServiceProviderConfig', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/scim/v2/ResourceTypes', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/scim/v2/ResourceTypes/:id', access: { kind: 'public', status: 200 }, request: () => ({ path: '/scim/v2/ResourceTypes/User' }) },
  { method: 'GET', path: '/scim/v2/Schemas', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/scim/v2/Schemas/:id', access: { kind: 'public', status: 200 }, request: () => ({ path: '/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User' }) },
  { method: 'GET', path: '/scim/v2/Users', access: { kind: 'v0', scopes: SCIM_READ, models: ORG }, errorKey: 'detail' },
  { method: 'POST', path: '/scim/v2/Users', access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG }, errorKey: 'detail', ok: 201, request: (_fx, kind) => scim(scimUser(`scim-${kind.toLowerCase()}@example.com`)) },
  { method: 'GET', path: '/scim/v2/Users/:id', access: { kind: 'v0', scopes: SCIM_READ, models: ORG }, errorKey: 'detail', request: (fx) => ({ path: `/scim/v2/Users/U-${fx.other.id}` }) },
  {
    method: 'PUT',
    path: '/scim/v2/Users/:id',
    access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG },
    errorKey: 'detail',
    request: (fx) => ({ ...scim(scimUser(fx.other.email)), path: `/scim/v2/Users/U-${fx.other.id}` }),
  },
  {
    method: 'PATCH',
    path: '/scim/v2/Users/:id',
    access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG },
    errorKey: 'detail',
    request: (fx) => ({ ...scim({ schemas: [SCIM_PATCH], Operations: [{ op: 'replace', path: 'active', value: true }] }), path: `/scim/v2/Users/U-${fx.other.id}` }),
  },
  // Each caller deprovisions a user of its own.
  { method: 'DELETE', path: '/scim/v2/Users/:id', access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG }, errorKey: 'detail', ok: 204, request: async (fx) => ({ path: `/scim/v2/Users/U-${(await fx.env.user()).id}` }) },
  { method: 'GET', path: '/scim/v2/Groups', access: { kind: 'v0', scopes: SCIM_READ, models: ORG }, errorKey: 'detail' },
  { method: 'POST', path: '/scim/v2/Groups', access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG }, errorKey: 'detail', ok: 201, request: (_fx, kind) => scim(scimGroup(`SCIM ${kind}`)) },
  { method: 'GET', path: '/scim/v2/Groups/:id', access: { kind: 'v0', scopes: SCIM_READ, models: ORG }, errorKey: 'detail', request: (fx) => ({ path: `/scim/v2/Groups/${fx.shared.address}` }) },
  {
    method: 'PUT',
    path: '/scim/v2/Groups/:id',
    access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG },
    errorKey: 'detail',
    request: (fx) => ({ ...scim(scimGroup('Provisioned')), path: `/scim/v2/Groups/${fx.publicGroup}` }),
  },
  {
    method: 'PATCH',
    path: '/scim/v2/Groups/:id',
    access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG },
    errorKey: 'detail',
    request: (fx) => ({ ...scim({ schemas: [SCIM_PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: `U-${fx.other.id}` }] }] }), path: `/scim/v2/Groups/${fx.publicGroup}` }),
  },
  { method: 'DELETE', path: '/scim/v2/Groups/:id', access: { kind: 'v0', scopes: SCIM_WRITE, models: ORG }, errorKey: 'detail', ok: 204, request: async (fx) => ({ path: `/scim/v2/Groups/${(await fx.env.group()).address}` }) },

  // the web client's own methods (signed-in session only)
  { method: 'GET', path: '/app/session', access: { kind: 'account' } },
  { method: 'GET', path: '/app/chats.list', access: { kind: 'account' } },
  { method: 'POST', path: '/app/chat.read', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: await messageOf(fx, 'pat') } }) },
  { method: 'POST', path: '/app/chat.typing', access: { kind: 'account' }, request: (fx) => ({ body: { chat: fx.shared.chatAddress } }) },
  { method: 'POST', path: '/app/chat.update', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: await messageOf(fx, 'session'), text: 'edited' } }) },
  { method: 'POST', path: '/app/chat.delete', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: await messageOf(fx, 'session') } }) },
  {
    method: 'POST',
    path: '/app/poll.vote',
    access: { kind: 'account' },
    request: async (fx) => {
      const { chat, timestamp, options } = await poll(fx)
      return { body: { chat, timestamp, options: options.slice(0, 1) } }
    },
  },
  { method: 'POST', path: '/app/poll.results', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: (await poll(fx)).timestamp } }) },
  { method: 'POST', path: '/app/chat.threads', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamps: [await messageOf(fx, 'pat')] } }) },
  {
    method: 'GET',
    path: '/app/group.members',
    access: { kind: 'account' },
    request: (fx) => ({ query: { group: fx.shared.address } }),
    resources: {
      publicGroup: { request: (fx) => ({ query: { group: fx.publicGroup } }), expect: { session: 200 } },
      privateGroup: { request: (fx) => ({ query: { group: fx.privateGroup } }), expect: { session: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/app/group.add',
    access: { kind: 'account' },
    // The session's person is an admin of this group (organization administrators manage every group).
    request: async (fx) => ({ body: { group: (await fx.env.group({ admins: [`U-${fx.user.id}`] })).address, members: [`U-${fx.other.id}`, fx.interactiveBot] } }),
    resources: {
      publicGroup: { request: (fx) => ({ body: { group: fx.publicGroup, members: [`U-${fx.other.id}`] } }), expect: { session: 403 } },
      privateGroup: { request: (fx) => ({ body: { group: fx.privateGroup, members: [`U-${fx.other.id}`] } }), expect: { session: 403 } },
    },
  },
  {
    method: 'POST',
    path: '/app/group.remove',
    access: { kind: 'account' },
    request: async (fx) => ({ body: { group: (await fx.env.group({ admins: [`U-${fx.user.id}`], members: [`U-${fx.other.id}`] })).address, members: [`U-${fx.other.id}`] } }),
    resources: {
      publicGroup: { request: (fx) => ({ body: { group: fx.publicGroup, members: [`U-${fx.other.id}`] } }), expect: { session: 403 } },
      privateGroup: { request: (fx) => ({ body: { group: fx.privateGroup, members: [`U-${fx.other.id}`] } }), expect: { session: 403 } },
    },
  },
  { method: 'GET', path: '/app/notifications.get', access: { kind: 'account' } },
  { method: 'POST', path: '/app/notifications.set', access: { kind: 'account' }, request: () => ({ body: { level: 'all' } }) },
  { method: 'POST', path: '/app/chat.mute', access: { kind: 'account' }, request: (fx) => ({ body: { chat: fx.shared.chatAddress, muted: true } }) },
  { method: 'GET', path: '/app/office.info', access: { kind: 'account' } },
  { method: 'POST', path: '/app/room.enter', access: { kind: 'account' }, request: async (fx) => ({ body: { room: (await fx.as('adminPat', 'POST', '/admin/rooms.create', { name: 'Studio' })).json().id } }) },
  { method: 'POST', path: '/app/room.leave', access: { kind: 'account' } },
  { method: 'POST', path: '/app/presence.set', access: { kind: 'account' }, request: () => ({ body: { presence: 'away' } }) },
  { method: 'POST', path: '/app/status.set', access: { kind: 'account' }, request: () => ({ body: { status: 'checkedIn' } }) },
  // The Block Kit builder's dry run: any credential, no scope (it changes nothing).
  { method: 'POST', path: '/app/blockkit.validate', access: { kind: 'v0', scopes: [], models: BOTH }, request: () => ({ body: { blocks: [{ type: 'divider' }] } }) },

  { method: 'GET', path: '/v1/recording.list', access: { kind: 'v0', scopes: [['recordings:read']], models: ORG } },
  {
    method: 'POST',
    path: '/v1/chat.sendMessage',
    access: { kind: 'v0', scopes: [['chat:send_message']], models: ORG },
    // Public groups take an app's message without it joining; private ones need membership.
    request: (fx) => ({ body: { recipients: [fx.publicGroup.slice(2)], text: 'matrix' } }),
    resources: {
      privateGroup: { request: (fx) => ({ body: { recipients: [fx.privateGroup.slice(2)], text: 'matrix' } }), expect: { apiKey: 403, orgOAuth: 403, pat: 403 } },
    },
  },

  // admin API
  { method: 'GET', path: '/admin/clients.list', access: ADMIN_R },
  {
    method: 'POST',
    path: '/admin/clients.create',
    access: ADMIN_W,
    request: () => ({ body: { name: 'matrix', authType: 'api_key', scopes: ['chat:read'] } }),
  },
  // Each caller deletes a client of its own.
  { method: 'POST', path: '/admin/clients.delete', access: ADMIN_W, request: async (fx) => ({ body: { clientId: (await fx.env.apiClient({ scopes: ['chat:read'] })).app.clientId } }) },
  {
    method: 'POST',
    path: '/admin/clients.setRateLimit',
    access: ADMIN_W,
    request: (fx) => ({ body: { clientId: fx.clientId, rateLimitBurst: 20, rateLimitPerSecond: 2 } }),
  },
  {
    method: 'POST',
    path: '/admin/clients.setApiVersion',
    access: ADMIN_W,
    request: (fx) => ({ body: { clientId: fx.clientId, apiVersion: '2026-07-07' } }),
  },
  {
    method: 'POST',
    path: '/admin/clients.update',
    access: ADMIN_W,
    request: (fx) => ({ body: { clientId: fx.clientId, webhookUrl: 'https://hooks.example/matrix' } }),
  },
  { method: 'POST', path: '/admin/clients.rotateSecret', access: ADMIN_W, request: (fx) => ({ body: { clientId: fx.clientId } }) },
  { method: 'GET', path: '/admin/groups.list', access: ADMIN_R },
  {
    method: 'POST',
    path: '/admin/users.create',
    access: ADMIN_W,
    // A fresh email per call: every caller kind that is let through creates its own person.
    request: () => ({ body: { email: `matrix-${Math.random().toString(36).slice(2)}@example.com`, name: 'Matrix Person' } }),
  },
  { method: 'POST', path: '/admin/groups.create', access: ADMIN_W, request: () => ({ body: { name: 'matrix group' } }) },
  // People and group settings: each call gets a person (and a group with them in it) of its own.
  { method: 'GET', path: '/admin/users.list', access: ADMIN_R },
  { method: 'GET', path: '/admin/users.sessions', access: ADMIN_R, request: (fx) => ({ query: { id: `U-${fx.other.id}` } }) },
  {
    method: 'POST',
    path: '/admin/users.invite',
    access: ADMIN_W,
    request: () => ({ body: { email: `invite-${Math.random().toString(36).slice(2)}@example.com`, name: 'Invited Person' } }),
  },
  { method: 'POST', path: '/admin/users.deactivate', access: ADMIN_W, request: async (fx) => ({ body: { id: `U-${(await fx.env.user()).id}` } }) },
  { method: 'POST', path: '/admin/users.reactivate', access: ADMIN_W, request: async (fx) => ({ body: { id: `U-${(await fx.env.user()).id}` } }) },
  { method: 'POST', path: '/admin/users.resetPassword', access: ADMIN_W, request: async (fx) => ({ body: { id: `U-${(await fx.env.user()).id}` } }) },
  { method: 'POST', path: '/admin/users.sessions.revoke', access: ADMIN_W, request: async (fx) => ({ body: { id: `U-${(await fx.env.user()).id}` } }) },
  { method: 'POST', path: '/admin/groups.rename', access: ADMIN_W, request: async (fx) => ({ body: { id: (await groupWithMember(fx)).group, name: 'Renamed' } }) },
  { method: 'POST', path: '/admin/groups.archive', access: ADMIN_W, request: async (fx) => ({ body: { id: (await groupWithMember(fx)).group } }) },
  { method: 'POST', path: '/admin/groups.promote', access: ADMIN_W, request: async (fx) => ({ body: await groupWithMember(fx) }) },
  { method: 'POST', path: '/admin/groups.demote', access: ADMIN_W, request: async (fx) => ({ body: await groupWithMember(fx) }) },
  { method: 'GET', path: '/admin/pats.list', access: ADMIN_R },
  { method: 'POST', path: '/admin/pats.approve', access: ADMIN_W, request: async (fx) => ({ body: { id: await pendingPat(fx) } }) },
  { method: 'POST', path: '/admin/pats.reject', access: ADMIN_W, request: async (fx) => ({ body: { id: await pendingPat(fx) } }) },
  { method: 'POST', path: '/admin/pats.revoke', access: ADMIN_W, request: (fx) => ({ body: { id: fx.activePatId } }) },
  { method: 'GET', path: '/admin/settings.info', access: ADMIN_R },
  { method: 'POST', path: '/admin/settings.update', access: ADMIN_W, request: () => ({ body: { personalAccess: 'auto' } }) },
  { method: 'POST', path: '/admin/rooms.create', access: ADMIN_W, request: () => ({ body: { name: 'Kitchen' } }) },
  {
    method: 'POST',
    path: '/admin/rooms.update',
    access: ADMIN_W,
    request: async (fx) => ({ body: { id: (await fx.as('adminPat', 'POST', '/admin/rooms.create', { name: 'Library' })).json().id ?? UNKNOWN_ID, name: 'Reading room' } }),
  },
  {
    method: 'POST',
    path: '/admin/rooms.delete',
    access: ADMIN_W,
    request: async (fx) => ({ body: { id: (await fx.as('adminPat', 'POST', '/admin/rooms.create', { name: 'Attic' })).json().id ?? UNKNOWN_ID } }),
  },
  { method: 'GET', path: '/admin/webhooks.list', access: ADMIN_R },
  { method: 'GET', path: '/admin/webhooks.deliveries', access: ADMIN_R },
  // No delivery has been made in the fixture: a permitted caller learns that it does not exist.
  { method: 'POST', path: '/admin/webhooks.replay', access: ADMIN_W, ok: 404, request: () => ({ body: { id: UNKNOWN_ID } }) },
  { method: 'POST', path: '/admin/webhooks.enable', access: ADMIN_W, request: async (fx) => ({ body: { id: await subscription(fx) } }) },
  { method: 'POST', path: '/admin/webhooks.disable', access: ADMIN_W, request: async (fx) => ({ body: { id: await subscription(fx) } }) },
  {
    method: 'POST',
    path: '/admin/meetings.import',
    access: ADMIN_W,
    request: (fx) => ({ body: { title: 'Imported', start: '2026-01-07T10:00:00Z', participants: [fx.user.email], format: 'vtt', content: VTT } }),
  },
  { method: 'POST', path: '/admin/meetings.start', access: ADMIN_W, request: (fx) => ({ body: { title: 'Live', participants: [fx.user.email] } }) },
  {
    method: 'POST',
    path: '/admin/transcripts.append',
    access: ADMIN_W,
    request: async (fx) => ({ body: { id: await liveTranscript(fx), cues: [{ speaker: 'Ada', text: 'Hello.', startOffset: 0, endOffset: 1000 }] } }),
  },
  { method: 'POST', path: '/admin/transcripts.finish', access: ADMIN_W, request: async (fx) => ({ body: { id: await liveTranscript(fx) } }) },
  {
    method: 'POST',
    path: '/admin/meetings.attachRecording',
    access: ADMIN_W,
    request: async (fx) => ({ body: { meetingId: await endedMeeting(fx), videoUrl: 'https://videos.example.com/matrix.mp4' } }),
  },
  {
    method: 'POST',
    path: '/admin/lobbies.create',
    access: ADMIN_W,
    request: (fx, kind) => ({ body: { handle: `matrix-${kind.toLowerCase()}`, name: 'Lobby', host: fx.admin.email, duration: 30 } }),
  },
  { method: 'POST', path: '/admin/lobbies.update', access: ADMIN_W, request: (fx) => ({ body: { id: fx.lobbyId, name: 'Renamed lobby' } }) },
  { method: 'POST', path: '/admin/room.create', access: ADMIN_W, request: (_fx, kind) => ({ body: { roomKey: `matrix-${kind}`, name: 'Room' } }) },
  { method: 'GET', path: '/admin/relays.list', access: ADMIN_R },
  { method: 'POST', path: '/admin/relays.create', access: ADMIN_W, request: (fx) => ({ body: { name: 'matrix', group: fx.publicGroup } }) },
  { method: 'POST', path: '/admin/relays.update', access: ADMIN_W, request: async (fx) => ({ body: { id: (await relay(fx)).id, name: 'renamed' } }) },
  { method: 'POST', path: '/admin/relays.rotate', access: ADMIN_W, request: async (fx) => ({ body: { id: (await relay(fx)).id } }) },
  { method: 'POST', path: '/admin/relays.delete', access: ADMIN_W, ok: 204, request: async (fx) => ({ body: { id: (await relay(fx)).id } }) },

  // the signed-in user's account
  { method: 'GET', path: '/account/session.info', access: { kind: 'account' } },
  { method: 'GET', path: '/account/pats.list', access: { kind: 'account' } },
  { method: 'POST', path: '/account/pats.create', access: { kind: 'account' }, request: () => ({ body: { scopes: ['chat:read'] } }) },
  // The signed-in user changes their own password (it keeps their session: session-end.test.ts).
  { method: 'POST', path: '/account/password.change', access: { kind: 'account' }, request: (fx) => ({ body: { currentPassword: fx.user.password, newPassword: 'a brand new password' } }) },
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
  { method: 'GET', path: '/v1/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/scim/v2/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/rpc/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/oauth/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/admin/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/atrium/openapi.json', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/.well-known/oauth-authorization-server', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/docs', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/docs/:surface', access: { kind: 'public', status: 200 }, request: () => ({ path: '/docs/v0' }) },
  { method: 'GET', path: '/docs/reference.css', access: { kind: 'public', status: 200 } },
  { method: 'GET', path: '/avatars/org/:kind', access: { kind: 'public', status: 200 }, request: () => ({}) },

  // public pages (meeting links, lobbies, bookings, files, the web client)
  { method: 'GET', path: '/m/:id', access: { kind: 'public', status: 200 }, request: (fx) => ({ path: `/m/${fx.meetingLinkId}` }) },
  { method: 'GET', path: '/l/:handle', access: { kind: 'public', status: 200 }, request: (fx) => ({ path: `/l/${fx.lobbyHandle}` }) },
  { method: 'GET', path: '/l/:handle/:slug', access: { kind: 'public', status: 404 }, request: (fx) => ({ path: `/l/${fx.lobbyHandle}/no-such-lobby` }) },
  // Booking forms need the CSRF token of the page they were loaded from; a browser that has one
  // gets on to the form's validation.
  { method: 'POST', path: '/l/:handle', access: { kind: 'public', status: 403 }, expect: { session: 400 }, request: (fx) => ({ path: `/l/${fx.lobbyHandle}`, form: { slot: '2026-01-05T10:00:00Z' } }) },
  { method: 'POST', path: '/l/:handle/:slug', access: { kind: 'public', status: 403 }, expect: { session: 400 }, request: (fx) => ({ path: `/l/${fx.lobbyHandle}/x`, form: { slot: '2026-01-05T10:00:00Z' } }) },
  { method: 'GET', path: '/bookings/:id', access: { kind: 'public', status: 404 }, request: () => ({ path: `/bookings/${UNKNOWN_ID}` }) },
  { method: 'GET', path: '/bookings/:id/invite.ics', access: { kind: 'public', status: 404 }, request: () => ({ path: `/bookings/${UNKNOWN_ID}/invite.ics` }) },
  { method: 'GET', path: '/items/:id', access: { kind: 'public', status: 404 }, request: () => ({ path: `/items/${UNKNOWN_ID}` }) },
  { method: 'GET', path: '/', access: { kind: 'public', status: 200 } },
  // The realtime WebSocket: once the caller is known, a plain GET without the upgrade finds no page.
  { method: 'GET', path: '/app/realtime', access: { kind: 'account' }, ok: 404 },
  // Webhook relays: the secret in the path is the only credential.
  { method: 'POST', path: '/relay/:token', access: { kind: 'public', status: 200 }, request: async (fx) => ({ path: new URL((await relay(fx)).url).pathname, body: { text: 'hello' } }) },
  { method: 'POST', path: '/app/reaction.add', access: { kind: 'account' }, request: async (fx) => ({ body: { chat: fx.shared.chatAddress, timestamp: await messageOf(fx, 'pat'), name: '100' } }) },
  {
    method: 'POST',
    path: '/app/item.upload',
    access: { kind: 'account' },
    request: () => ({ headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' }, raw: Buffer.from('notes') }),
  },
]

/** Paths of the web client (index.html for its client-side routes, hashed assets): public, no auth. */
const isWebClient = (url: string): boolean => (CLIENT_ROUTES as readonly string[]).includes(url) || /^\/(assets\/|[^/]+\.[A-Za-z0-9]+$)/.test(url)

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
  if (a.kind === 'admin') return adminExpected(a.scope, kind, ok)
  if (a.kind === 'account') return kind === 'session' ? ok : 403
  if (kind === 'session') {
    // The web client: a signed-in session acts as a personal token of its user on the v0 methods
    // that accept personal access (access.sessionOnPersonalApi). Elsewhere in the API a cookie is
    // no credential at all: the bearer token is missing.
    if (a.kind === 'v0' && !a.models.includes('personal')) return 401
    return a.models.includes('personal') ? ok : 403
  }
  if (kind === 'invalid' || kind === 'revoked') return 401
  if (kind === 'patPending') return 403
  const personal = kind === 'personalOAuth' || kind === 'pat' || kind === 'adminPat'
  if (!a.models.includes(personal ? 'personal' : 'organization')) return 403
  if (kind === 'missingScope' && a.scopes.length > 0) return 403
  return ok
}

/**
 * The admin API (access.requireOrgAdmin): an administrator's signed-in session, or the
 * administrator's own personal access token holding the route's admin scope (`admin:read` for
 * reads, `admin:write` for changes, neither implying the other). Everything else is refused:
 * no credential or a dead one 401, any other 403.
 */
function adminExpected(scope: 'admin:read' | 'admin:write', kind: Kind, ok: number): number {
  switch (kind) {
    case 'none':
    case 'invalid':
    case 'revoked':
      return 401
    case 'adminSession':
    case 'adminPat':
      return ok
    case 'adminPatRead':
      return scope === 'admin:read' ? ok : 403
    case 'adminPatWrite':
      return scope === 'admin:write' ? ok : 403
    default:
      return 403
  }
}

/** Each row gets a world of its own (rows run concurrently: most of their time is database round trips). */
async function withEnv(test: (env: TestEnv) => Promise<void>): Promise<void> {
  // Webhook and Interactivity URLs in the rows point at a closed local port.
  const env = await TestEnv.create({ allowPrivateUrls: true })
  try {
    await test(env)
  } finally {
    await env.close()
  }
}

describe('authorization matrix', () => {
  it('every registered route has exactly one row, and each row declares what the route declares', () => withEnv(async (env) => {
    const rows = new Map(ROWS.map((r) => [`${r.method} ${r.path}`, r]))
    const missing: string[] = []
    const mismatched: string[] = []
    for (const route of env.app.routeTable) {
      if (route.method === 'HEAD' || route.method === 'OPTIONS') continue
      const key = `${route.method} ${route.url}`
      const row = rows.get(key)
      if (!row) {
        if (route.method === 'GET' && !route.auth && isWebClient(route.url)) continue
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
  }))

  for (const row of ROWS) {
    it.concurrent(`${row.method} ${row.path}`, ({ expect }) => withEnv(async (env) => {
      const fx = await fixture(env, row.access.kind === 'admin')
      const results: Record<string, string> = {}
      const wanted: Record<string, string> = {}
      for (const kind of kindsFor(row)) {
        // Fresh fixtures per caller would be slow; requests that change state are made last.
        const res = await call(env, row, fx.callers[kind], (await row.request?.(fx, kind)) ?? {})
        results[kind] = String(res.statusCode)
        wanted[kind] = String(expected(row, kind))
        if (res.statusCode !== expected(row, kind)) results[kind] += ` ${res.body.slice(0, 160)}`
        if (row.access.kind !== 'public' && (res.statusCode === 401 || res.statusCode === 403)) expect(Object.keys(res.json())).toContain(row.errorKey ?? 'error')
      }
      expect(results).toEqual(wanted)
      for (const [name, resource] of Object.entries(row.resources ?? {})) {
        for (const [kind, status] of Object.entries(resource.expect)) {
          const res = await call(env, row, fx.callers[kind as Kind], await resource.request(fx, kind as Kind))
          expect(`${name} as ${kind}: ${res.statusCode}`, res.body).toBe(`${name} as ${kind}: ${status}`)
        }
      }
    }))
  }

  it('missing scopes are named; personal tokens on organization-only methods get access_mode_not_supported', () => withEnv(async (env) => {
    const user = await env.user()
    const { apiKey } = await env.apiClient({ scopes: [] })
    // An organization-only admin route reached by an organization key.
    const org = await env.get('/admin/settings.info', { token: apiKey })
    expect(org.json()).toMatchObject({ error: 'access_mode_not_supported', code: 'access_mode_not_supported' })
    const pat = await env.personalToken(user, ['chat:read'])
    expect((await env.get('/v0/token.info', { token: pat })).json().scopes).toEqual(['chat:read'])
  }))
})

function declaredAccess(auth: RouteAuth | undefined): Access | { kind: 'public' } {
  if (!auth) return { kind: 'public' }
  if (auth.admin) return { kind: 'admin', scope: auth.scopes[0]?.[0] === 'admin:read' ? 'admin:read' : 'admin:write' }
  if (auth.session === 'only') return { kind: 'account' }
  return { kind: 'v0', scopes: auth.scopes, models: auth.models as Array<'organization' | 'personal'> }
}

type Caller = { token?: string; browser?: Browser }

/** `adminApi`: also the admin API's own callers (only its rows call them). */
async function fixture(env: TestEnv, adminApi = false): Promise<Fixture> {
  const user = await env.userWithPassword()
  const admin = await env.userWithPassword({ isAdmin: true })
  const other1 = await env.user()
  const other2 = await env.user()
  const client = await env.apiClient({ scopes: ['chat:read'] })
  const pending = await env.personalToken(other1, ['chat:read'], 'pending')
  const active = await env.personalToken(other2, ['chat:read'])
  const publicGroup = await env.group({ members: [`U-${other1.id}`] })
  const privateGroup = await env.group({ private: true, members: [`U-${other1.id}`] })
  const otherDm = await env.dm(`U-${other1.id}`, `U-${other2.id}`)

  const all = [...SCOPES]
  const apiKey = await env.apiClient({ scopes: all })
  const missingScope = await env.apiClient({ scopes: [] })
  const interactive = await env.apiClient({ scopes: all, interactivityUrl: 'http://127.0.0.1:9/matrix-interactivity' })
  const oauthApp = (await env.oauthClient()).app
  const orgOAuth = (await env.oauthToken({ model: 'organization', user: admin, app: oauthApp })).token
  const personalOAuth = (await env.oauthToken({ model: 'personal', user, app: oauthApp })).token
  const pat = await env.personalToken(user, all)
  const patPending = await env.personalToken(user, all, 'pending')
  const revoked = await env.personalToken(user, all, 'revoked')
  const adminPat = await env.personalToken(admin, [...all, ...ADMIN_SCOPES])
  const browser = await env.signedIn(user)
  browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
  const callers: Record<Kind, Caller> = {
    none: {},
    invalid: { token: 'rmk-AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    revoked: { token: revoked },
    apiKey: { token: apiKey.apiKey },
    orgOAuth: { token: orgOAuth },
    personalOAuth: { token: personalOAuth },
    pat: { token: pat },
    patPending: { token: patPending },
    missingScope: { token: missingScope.apiKey },
    session: { browser },
    adminPat: { token: adminPat },
    ...(adminApi ? await adminApiCallers(env, admin, oauthApp) : { adminSession: {}, adminPatRead: {}, adminPatWrite: {}, adminPatNoAdmin: {}, adminOAuth: {} }),
  }
  const shared = await env.group({
    members: [`U-${user.id}`, `U-${admin.id}`, `U-${other1.id}`, apiKey.bot, `B-${oauthApp.botId}`, missingScope.bot, interactive.bot],
  })
  const adminToken = adminPat
  const imported = await env.post('/admin/meetings.import', {
    token: adminToken,
    body: { title: 'Matrix', start: '2026-01-05T10:00:00Z', participants: [user.email, admin.email], format: 'vtt', content: VTT },
  })
  const link = await env.post('/v0/meetinglink.create', { token: adminToken, body: { name: 'Matrix link' } })
  await env.user({ email: `host-${other2.id}@example.com` })
  const lobbyHandle = `matrix${Date.now()}`
  const lobby = await env.post('/admin/lobbies.create', { token: adminToken, body: { handle: lobbyHandle, name: 'Matrix lobby', host: admin.email, duration: 30 } })
  const room = (roomKey: string, isPrivate: boolean) => env.post('/admin/room.create', { token: adminToken, body: { roomKey, name: roomKey, private: isPrivate } })
  await room('matrix-room', false)
  await room('matrix-private-room', true)
  return {
    env,
    user,
    admin,
    other: other2,
    roomKey: 'matrix-room',
    lobbyHandle,
    privateRoomKey: 'matrix-private-room',
    pendingPatId: await credentialId(env, pending),
    activePatId: await credentialId(env, active),
    clientId: client.app.clientId,
    shared: { address: shared.address, chatAddress: shared.chatAddress, chatId: shared.chatId },
    publicGroup: publicGroup.address,
    privateGroup: privateGroup.address,
    privateGroupChat: { address: privateGroup.chatAddress, id: privateGroup.chatId },
    otherDm: otherDm.address,
    transcriptId: imported.json().transcriptId,
    meetingLinkId: link.json().id,
    lobbyId: lobby.json().id,
    interactiveBot: interactive.bot,
    callers,
    as: (kind, method, url, body) => call(env, { method, path: url, access: { kind: 'public', status: 0 } }, callers[kind], method === 'GET' ? { query: body as Record<string, string> } : { body: body ?? {} }),
  }
}

/** The administrator's session and tokens that only the admin API's rows call. */
async function adminApiCallers(env: TestEnv, admin: User & { password: string }, oauthApp: App): Promise<Record<'adminSession' | 'adminPatRead' | 'adminPatWrite' | 'adminPatNoAdmin' | 'adminOAuth', Caller>> {
  const browser = await env.signedIn(admin)
  browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
  return {
    adminSession: { browser },
    adminPatRead: { token: await env.personalToken(admin, ['admin:read']) },
    adminPatWrite: { token: await env.personalToken(admin, ['admin:write']) },
    adminPatNoAdmin: { token: await env.personalToken(admin, [...SCOPES]) },
    adminOAuth: { token: (await env.oauthToken({ model: 'personal', user: admin, app: oauthApp, scopes: ['user:read'] })).token },
  }
}

/** The stored id of a bearer token made by the fixtures. */
async function credentialId(env: TestEnv, token: string): Promise<string> {
  const ids = await env.db.selectFrom('credentials').select(['id', 'lookup']).execute()
  return ids.find((r) => token.includes(`${r.lookup}.`))!.id
}

/** A personal access token waiting for approval (each caller decides one of its own). */
async function pendingPat(fx: Fixture): Promise<string> {
  return credentialId(fx.env, await fx.env.personalToken(fx.other, ['chat:read'], 'pending'))
}

const VTT = `WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ada>We ship on Friday.

00:00:05.000 --> 00:00:08.000
<v Bob>I will write the notes.
`

/** A message in the shared chat sent by `kind` (callers that cannot post get one of the user's). */
/**
 * A message `kind` may edit: its own if it may post, else the personal token's. Posted on the surface
 * that will edit it: on /v1 a personal access token writes as its bot persona, on v0 as its person.
 */
async function messageOf(fx: Fixture, kind: Kind, surface: 'v0' | 'v1' = 'v0'): Promise<number> {
  const post = (as: Kind) =>
    surface === 'v0'
      ? fx.as(as, 'POST', '/v0/chat.post', { chat: fx.shared.address, text: `from ${as}`, sync: true })
      : fx.as(as, 'POST', '/v1/chat.post', { chatId: fx.shared.address, text: `from ${as}`, sync: true })
  const own = await post(kind)
  const res = own.statusCode === 200 ? own : await post('pat')
  return res.json().timestamp as number
}

/** An open stream in the shared chat started by `kind` (by the PAT when `kind` may not start one). */
async function streamOf(fx: Fixture, kind: Kind): Promise<string> {
  const start = (as: Kind) => fx.as(as, 'POST', '/v1/chat.startStream', { chatId: fx.shared.address, kind: 'text' })
  const own = await start(kind)
  const res = own.statusCode === 200 ? own : await start('pat')
  return res.json().streamId as string
}

/** A message with an interactive button from the app that has an Interactivity URL. */
async function buttonMessage(fx: Fixture, chatId = fx.shared.chatId): Promise<number> {
  const ts = monotonicMicros()
  const blocks = [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'approve', value: 'yes' }] }]
  await fx.env.db
    .insertInto('messages')
    .values({ chat_id: chatId, ts, sender: fx.interactiveBot, thread_ts: null, reply_ts: null, content_type: 'block', text: null, blocks: JSON.stringify(blocks), color: null, poll: null, created_at: ts })
    .execute()
  return ts
}

/** A new poll in the shared chat. */
async function poll(fx: Fixture): Promise<{ chat: string; timestamp: number; options: string[] }> {
  const posted = await fx.as('pat', 'POST', '/v0/chat.post', { chat: fx.shared.address, poll: { question: 'Lunch?', options: ['Pizza', 'Sushi'] }, sync: true })
  const timestamp = posted.json().timestamp as number
  const history = await fx.as('pat', 'GET', '/v0/chat.history', { chat: fx.shared.address, limit: '1' })
  const options = (history.json().messages[0].poll.options as Array<{ id: string }>).map((o) => o.id)
  return { chat: fx.shared.chatAddress, timestamp, options }
}

/** A webhook relay into the public group, made by the admin. */
/** A fresh group with a fresh person in it, for the group-settings rows. */
async function groupWithMember(fx: Fixture): Promise<{ group: string; member: string }> {
  const user = await fx.env.user()
  return { group: (await fx.env.group({ members: [`U-${user.id}`] })).address, member: `U-${user.id}` }
}

async function relay(fx: Fixture): Promise<{ id: string; url: string }> {
  const res = await fx.as('adminPat', 'POST', '/admin/relays.create', { name: 'matrix relay', group: fx.publicGroup })
  return { id: res.json().relay.id as string, url: res.json().url as string }
}

/** An active webhook subscription of the organization app. */
async function subscription(fx: Fixture): Promise<string> {
  return (await fx.as('apiKey', 'POST', '/v0/webhook.subscribe', { event: 'chat.message.channel', url: HOOK_URL })).json().id as string
}

/** The transcript of a meeting that is still running. */
async function liveTranscript(fx: Fixture): Promise<string> {
  return (await fx.as('adminPat', 'POST', '/admin/meetings.start', { title: 'Live', participants: [fx.user.email] })).json().transcriptId as string
}

/** A meeting that has ended (an imported one). */
async function endedMeeting(fx: Fixture): Promise<string> {
  const body = { title: 'Ended', start: '2026-01-08T10:00:00Z', participants: [fx.user.email], format: 'vtt', content: VTT }
  return (await fx.as('adminPat', 'POST', '/admin/meetings.import', body)).json().meetingId as string
}

/** A transcript of a meeting neither the user nor the admin attended. */
async function unattendedTranscript(fx: Fixture): Promise<string> {
  const res = await fx.env.post('/admin/meetings.import', {
    token: fx.callers.adminPat.token!,
    body: { title: 'Elsewhere', start: '2026-01-06T10:00:00Z', participants: [fx.other.email], format: 'vtt', content: VTT },
  })
  return res.json().transcriptId as string
}

async function call(env: TestEnv, row: Row, caller: Caller, req: Request): Promise<LightMyRequestResponse> {
  const url = req.path ?? concretePath(row)
  const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : ''
  if (caller.browser) {
    if (row.method === 'GET') return caller.browser.get(url + query)
    if (req.form) return caller.browser.submit(url + query, req.form)
    return caller.browser.postJson(url + query, req.raw ?? req.body ?? {}, { method: row.method, ...(req.headers ? { headers: req.headers } : {}) })
  }
  const headers: Record<string, string> = { ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}), ...req.headers }
  if (req.raw) return env.inject({ method: row.method, url: url + query, headers, payload: req.raw })
  if (req.form) {
    return env.inject({
      method: row.method,
      url: url + query,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(req.form).toString(),
    })
  }
  return env.inject({ method: row.method, url: url + query, headers, ...(row.method === 'GET' ? {} : { payload: (req.body ?? {}) as object }) })
}
