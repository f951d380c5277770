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

/**
 * Reading a group's messages as a room (Roomlio facade): a public group is readable by anyone in
 * its organization; a private group only by its members. `role` is the caller's membership.
 * (The query form of this rule is rooms.listReadableGroups.)
 */
export function requireRoomReadable(principal: Principal, group: { orgId: string; private: boolean }, role: string | undefined): void {
  if (group.orgId !== principal.orgId) fail('not_found', 'room: not found')
  if (!group.private) return
  if (role !== undefined) return
  fail('forbidden', 'room: the room is private and the caller is not a member')
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
