/**
 * Every scope Atrium knows, from Roam's v0 chat API, events API, HQ v1 and SCIM documents.
 * `all` on the CLI means this whole list.
 */
export const SCOPES = [
  'chat:read',
  'chat:write',
  'chat:send_message',
  'chat:history',
  'item:write',
  'group:write',
  'groups:read',
  'user:read',
  'user:read.email',
  'user:read.status',
  'user:write',
  'userauditlog:read',
  'transcript:read',
  'meetings:read',
  'meeting:write',
  'meetinglink:read',
  'meetinglink:write',
  'lobby:read',
  'webhook:read',
  'webhook:write',
  'recordings:read',
  'admin:compliance:read',
] as const

export type Scope = (typeof SCOPES)[number]

/** What each scope lets a token do, as shown to people (API documents, the API reference). */
export const SCOPE_DESCRIPTIONS: Readonly<Record<Scope, string>> = {
  'chat:read': 'List chats and look up addresses',
  'chat:write': 'Post, edit and delete messages, react, type (also covers chat:send_message)',
  'chat:send_message': 'Post messages and react',
  'chat:history': 'Read the messages of chats',
  'item:write': 'Upload files to attach to messages',
  'group:write': 'Create, rename and archive groups; change their members',
  'groups:read': 'List groups and their members',
  'user:read': 'List and look up people',
  'user:read.email': "Read people's email addresses",
  'user:read.status': "Read people's status",
  'user:write': 'Provision people and groups (SCIM)',
  'userauditlog:read': 'Read the user audit log',
  'transcript:read': 'Read meeting transcripts and ask questions about them',
  'meetings:read': 'List meetings',
  'meeting:write': 'Create meeting links',
  'meetinglink:read': 'Read meeting links',
  'meetinglink:write': 'Create and change meeting links',
  'lobby:read': 'List lobbies and their bookings',
  'webhook:read': 'List webhook subscriptions',
  'webhook:write': 'Subscribe and unsubscribe webhooks',
  'recordings:read': 'List meeting recordings',
  'admin:compliance:read': 'Export all message events (compliance)',
}

const known = new Set<string>(SCOPES)

export function isScope(value: string): value is Scope {
  return known.has(value)
}

/**
 * Atrium's own scopes for the admin API (`/admin/*`): `admin:read` for its reads, `admin:write`
 * for its changes (write does not imply read). Only a personal access token of an organization
 * administrator may hold them (access.requireMayHoldScopes); apps — API keys and OAuth clients —
 * never do, and `all` never includes them. They are not Roam scopes: Roam's
 * `admin:compliance:read` is unrelated and keeps its meaning.
 */
export const ADMIN_SCOPES = ['admin:read', 'admin:write'] as const

export type AdminScope = (typeof ADMIN_SCOPES)[number]

const adminKnown = new Set<string>(ADMIN_SCOPES)

export function isAdminScope(value: string): value is AdminScope {
  return adminKnown.has(value)
}

/**
 * Parses a scope list given as `all`, or separated by commas and/or spaces.
 * Returns the unknown names separately so callers can report them all at once. With `personal`
 * (personal access tokens) the admin scopes are known too, but only when named: `all` is every
 * Roam scope and no admin scope.
 */
export function parseScopeList(input: string): { scopes: Scope[]; unknown: string[] }
export function parseScopeList(input: string, opts: { personal: true }): { scopes: Array<Scope | AdminScope>; unknown: string[] }
export function parseScopeList(input: string, opts: { personal?: boolean } = {}): { scopes: Array<Scope | AdminScope>; unknown: string[] } {
  const names = input.split(/[\s,]+/).filter((s) => s !== '')
  if (names.length === 1 && names[0] === 'all') return { scopes: [...SCOPES], unknown: [] }
  const scopes: Array<Scope | AdminScope> = []
  const unknown: string[] = []
  for (const name of names) {
    if (isScope(name) || (opts.personal && isAdminScope(name))) {
      if (!scopes.includes(name)) scopes.push(name)
    } else unknown.push(name)
  }
  return { scopes, unknown }
}
