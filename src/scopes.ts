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
 * Parses a scope list given as `all`, or separated by commas and/or spaces.
 * Returns the unknown names separately so callers can report them all at once.
 */
export function parseScopeList(input: string): { scopes: Scope[]; unknown: string[] } {
  const names = input.split(/[\s,]+/).filter((s) => s !== '')
  if (names.length === 1 && names[0] === 'all') return { scopes: [...SCOPES], unknown: [] }
  const scopes: Scope[] = []
  const unknown: string[] = []
  for (const name of names) {
    if (isScope(name)) {
      if (!scopes.includes(name)) scopes.push(name)
    } else unknown.push(name)
  }
  return { scopes, unknown }
}
