import type { AccessModel, Group, GroupRole, Principal } from './domain.js'
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

/*
 * Group rules (Roam chat API v0 §6). `role` is the caller's role in the group (undefined when the
 * caller is not in it); `hasAdmins` says whether the group runs in "admin only" management mode,
 * which it does as soon as it has at least one admin. Provisioning paths (SCIM, the CLI) act for
 * the organization's administrators and do not go through these checks.
 */

/** A group's member list: readable when the group is public or the caller is in it. */
export function canSeeGroupMembers(group: Group, role: GroupRole | undefined): boolean {
  if (!group.private) return true
  return role !== undefined
}

export function requireCanListGroupMembers(group: Group, role: GroupRole | undefined): void {
  if (!canSeeGroupMembers(group, role)) fail('forbidden', 'App does not have access to this group.')
}

/** Adding members: the group is public or the caller is in it. */
export function requireCanAddGroupMembers(group: Group, role: GroupRole | undefined): void {
  if (group.private && role === undefined) fail('forbidden', 'App does not have permission to add members to this group.')
}

/** Adding admins (or promoting members): only an admin of the group. */
export function requireCanAddGroupAdmins(role: GroupRole | undefined): void {
  if (role !== 'admin') fail('forbidden', 'admins: only an admin of the group may add admins.')
}

/** Removing members: the group is public or the caller is in it (admins cannot be removed). */
export function requireCanRemoveGroupMembers(group: Group, role: GroupRole | undefined): void {
  if (group.private && role === undefined) fail('forbidden', 'App does not have permission to remove members from this group.')
}

/** Removing an admin from a group is not supported. */
export function requireNotGroupAdmin(address: string, role: GroupRole | undefined): void {
  if (role === 'admin') fail('invalid_request', `members: ${address} is an admin of the group; removing admins is not supported`)
}

/**
 * Changing the group's settings (rename, archive): in "admin only" mode (the group has admins)
 * only an admin; otherwise any member.
 */
export function requireCanManageGroup(role: GroupRole | undefined, hasAdmins: boolean): void {
  if (hasAdmins && role !== 'admin') fail('forbidden', 'App does not have admin access to this group.')
  if (role === undefined) fail('forbidden', 'App does not have admin access to this group: it is not a member.')
}

/** An archived group is read-only: no new messages, members or settings. */
export function canWriteToGroup(group: Group): boolean {
  return group.archivedAt === null
}

export function requireGroupWritable(group: Group): void {
  if (!canWriteToGroup(group)) fail('group_archived')
}
