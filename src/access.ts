import type { AccessModel, Principal } from './domain.js'
import { fail } from './errors.js'
import { SCOPES } from './scopes.js'

/**
 * Every permission rule in one place. Each check throws an AppError naming what is missing;
 * routes declare their needs (scopes, access models) and the auth hook calls these.
 */

/**
 * `anyOf` is a list of alternatives; each alternative is a list of scopes that must all be held.
 * `[['chat:send_message'], ['chat:write']]` means either scope suffices;
 * `[['user:read', 'user:read.email']]` means both are needed.
 */
export type ScopeRequirement = ReadonlyArray<ReadonlyArray<string>>

export function requireScopes(principal: Principal, anyOf: ScopeRequirement): void {
  if (anyOf.length === 0) return
  if (anyOf.some((all) => all.every((s) => principal.scopes.has(s)))) return
  const needed = anyOf.map((all) => all.join(' and ')).join(' or ')
  fail('missing_scope', `This method needs the scope ${needed}.`)
}

export function requireAccessModel(principal: Principal, models: ReadonlyArray<AccessModel>): void {
  if (!models.includes(principal.model)) fail('access_mode_not_supported')
}

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope)
}

/** Organization administration (admin API, console): only a user who is an admin of the Roam. */
export function requireOrgAdmin(principal: Principal): void {
  if (principal.model !== 'personal' || !principal.user.isAdmin) fail('forbidden', 'Only organization administrators may do this.')
}

/** Account pages and personal-token management: a signed-in person, not a token. */
export function requireSignedIn(principal: Principal | undefined): asserts principal is Principal & { model: 'personal' } {
  if (!principal || principal.model !== 'personal' || principal.credential.kind !== 'session') fail('not_authed', 'Sign in first.')
}

/**
 * The web client acts for the signed-in person on the v0 methods that accept personal tokens: a
 * session there counts as a personal token of that user holding every scope except the
 * organization-wide compliance scope. Everything else (membership, senders, admin rights) is
 * checked exactly as for a personal token. Writes still need the session's CSRF token.
 */
export function sessionOnPersonalApi(principal: Principal): Principal {
  if (principal.model !== 'personal') return principal
  return { ...principal, scopes: new Set(SCOPES.filter((s) => s !== 'admin:compliance:read')) }
}

/**
 * Meetings and transcripts. Organization tokens see every meeting of the Roam; personal tokens
 * only meetings the user attended. A meeting the caller may not see is reported as not found.
 */
export function canSeeMeeting(principal: Principal, participantAddresses: ReadonlyArray<string | null>): boolean {
  if (principal.model === 'organization') return true
  return participantAddresses.includes(principal.address)
}

export function requireMeetingVisible(principal: Principal, participantAddresses: ReadonlyArray<string | null>, what: string): void {
  if (!canSeeMeeting(principal, participantAddresses)) fail('not_found', `${what} not found.`)
}

/** The attendee a list must be limited to: the user for personal tokens, nobody for organization ones. */
export function meetingAttendeeFilter(principal: Principal): string | undefined {
  return principal.model === 'personal' ? principal.address : undefined
}

/**
 * Who hosts a new meeting link. Organization tokens must name the host; personal tokens host
 * their own links (host omitted, or equal to the user's own email).
 */
export function meetingLinkHostEmail(principal: Principal, host: string | undefined): string {
  const given = host?.trim().toLowerCase()
  if (principal.model === 'organization') {
    if (!given) fail('invalid_request', 'host: required for organization tokens')
    return given
  }
  if (!given) return principal.user.email
  if (given !== principal.user.email.toLowerCase()) fail('forbidden', 'host: a personal token can only create meeting links hosted by its own user')
  return given
}
