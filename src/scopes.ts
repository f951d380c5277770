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
