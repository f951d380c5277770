import { authorOf, type AccessModel, type Group, type GroupRole, type Principal, type User } from './domain.js'
import { fail } from './errors.js'
import { isAdminScope, SCOPES } from './scopes.js'
import { normalizeEmail } from './email.js'

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

/** Methods that act for a person (a personal token or a signed-in session), never for an app's bot. */
export function requirePersonal(principal: Principal): asserts principal is Principal & { model: 'personal' } {
  if (principal.model !== 'personal') fail('access_mode_not_supported')
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

/**
 * Organization administration (admin API, console). The caller must be a user who is an admin
 * of the Roam, acting either
 * - through their signed-in browser session (writes also carry the session's CSRF token, which
 *   the auth hook checks), or
 * - through their own personal access token holding the route's admin scope (`admin:read` for
 *   reads, `admin:write` for changes; one does not imply the other).
 * Nothing else reaches it: not an app's token (organization or personal OAuth, whatever scopes
 * the user consented to), not a token without the admin scope, not a non-admin's anything.
 * `anyOf` is the route's declared requirement; a route that declares none needs `admin:write`.
 */
export function requireOrgAdmin(principal: Principal, anyOf: ScopeRequirement = [['admin:write']]): void {
  if (principal.model !== 'personal' || !principal.user.isAdmin) fail('forbidden', 'Only organization administrators may do this.')
  if (principal.credential.kind === 'session') return
  if (principal.credential.kind !== 'pat') {
    fail('forbidden', "The admin API takes an administrator's signed-in session or personal access token with an admin scope, never an app's token.")
  }
  requireScopes(principal, anyOf.length > 0 ? anyOf : [['admin:write']])
}

/**
 * An administrator cannot deactivate their own account from the admin API: it would end the very
 * session or token making the change and could leave the organization without an administrator.
 * (Another administrator, or the command line, can.)
 */
export function requireNotSelfDeactivation(actorUserId: string, targetUserId: string): void {
  if (actorUserId === targetUserId) fail('invalid_request', 'id: you cannot deactivate your own account')
}

/**
 * Who may hold the admin scopes: only a personal access token of an organization administrator
 * (created by the admin themself, or by the operator through the CLI). Apps never do (see
 * `appMayHoldScope`). Checked when the token is created; the admin API checks the owner is still
 * an administrator on every request.
 */
export function requireMayHoldScopes(owner: User, scopes: ReadonlyArray<string>): void {
  const admin = scopes.filter(isAdminScope)
  if (admin.length > 0 && !owner.isAdmin) fail('forbidden', `scopes: ${admin.join(', ')} can only be given to an organization administrator's token`)
}

/**
 * Scopes an app may be configured with or granted by consent (API keys, OAuth clients, the OAuth
 * authorize and refresh flows): every Roam scope, never an admin scope.
 */
export function appMayHoldScope(scope: string): boolean {
  return !isAdminScope(scope)
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
 * Who may create a webhook subscription: a token — an organization app's, a personal OAuth
 * grant's, or a personal access token. A subscription lives as long as the credential that made
 * it and is governed with it (the personal access policy, approval, revocation, uninstall), and
 * the dispatcher checks that credential before every fan-out. A browser session is none of
 * these: it is not subject to the personal access policy, and a subscription made through it
 * would keep sending the person's DMs to a URL after sign-out. So the session is refused with a
 * 403 saying what to use instead, rather than storing a subscription nothing would deliver.
 */
export function requireWebhookSubscriber(principal: Principal): void {
  if (principal.credential.kind === 'session') {
    fail('forbidden', 'webhook.subscribe needs a token (an app\'s, or a personal access token from the tokens page), not a browser session: subscriptions belong to the token that made them.')
  }
}

/**
 * What the webhook dispatcher knows about one event and one subscriber (an organization app's
 * bot `B-…` or a personal grant's user `U-…`), gathered from the event's routing and the store.
 */
export interface EventAudienceFacts {
  type: string
  model: AccessModel
  scopes: ReadonlySet<string>
  /** The subscriber is the one who acted (sent the message, reacted, changed status). */
  isActor: boolean
  /** The event happened in a DM or multi-DM chat. */
  inDirectChat: boolean
  /** The subscriber takes part: a participant of the chat, or listed in the event's addresses. */
  participant: boolean
  /** The subscriber is a member of the event's group. */
  groupMember: boolean
  /** The subscriber is @-mentioned (directly, or by @all as a member). */
  mentioned: boolean
  /** The event's chat is the channel of a public group (anyone in the organization may read it). */
  publicGroup: boolean
}

/**
 * Whether the subscriber may read the event's chat: the read rule of chat.history (`readsChat`)
 * applied to it. A mention reaches only a subscriber that may read it: being named in a chat the
 * API would not show it delivers nothing.
 */
function mayReadEventChat(f: EventAudienceFacts): boolean {
  const member = f.inDirectChat ? f.participant : f.groupMember
  return readsChat(f.model, { kind: f.inDirectChat ? 'dm' : 'channel', groupPrivate: f.inDirectChat ? null : !f.publicGroup, member })
}

/**
 * Who receives which event. Organization apps: DMs to their bot, messages in groups their bot is a
 * member of, mentions of their bot, reactions where their bot takes part, and organization-wide
 * meeting, lobby and status events. Personal grants: only events involving their user (their DMs,
 * group messages that mention them, their meetings, bookings and status). Nobody hears about
 * their own chat activity.
 */
export function mayReceiveEvent(f: EventAudienceFacts): boolean {
  const personal = f.model === 'personal'
  switch (f.type) {
    case 'chat.message.dm':
      return !f.isActor && f.inDirectChat && f.participant
    case 'chat.message.channel':
      return !f.isActor && !f.inDirectChat && f.groupMember && (!personal || f.mentioned)
    case 'chat.message.mention':
      return !f.isActor && f.mentioned && mayReadEventChat(f)
    case 'chat.message.reaction':
      return !f.isActor && (f.participant || f.groupMember)
    case 'transcript.started':
    case 'transcript.saved':
      return f.scopes.has('transcript:read') && (!personal || f.participant)
    case 'user.status.update':
      return f.scopes.has('user:read') && (!personal || f.participant)
    case 'recording.saved':
    case 'lobby.booked':
    case 'meeting.started':
    case 'meeting.ended':
      return !personal || f.participant
    case 'chat.message':
      return mayReceiveV1Message(f)
    default:
      return false
  }
}

/**
 * `/v1` `chat.message` (posts, edits and deletions alike). An organization key's bot: every
 * message in the groups it is a member of and in the DMs and multi-DMs it takes part in. A
 * personal token: messages that @-mention its user or its bot persona, and messages in the DMs
 * and multi-DMs either takes part in. Unlike v0, a subscriber's own messages are delivered too, as
 * Roam delivers them (its clients skip them by their own id, from token.info). Filters apply after
 * this.
 */
export function mayReceiveV1Message(f: EventAudienceFacts): boolean {
  if (f.inDirectChat) return f.participant
  return f.model === 'personal' ? f.mentioned && mayReadEventChat(f) : f.groupMember
}

/**
 * Clicking an interactive button: a person who can see the message (a participant of the chat,
 * a member of its group, or anyone for a public group's messages).
 */
export function mayClickInChat(f: { member: boolean; publicGroup: boolean }): boolean {
  return f.member || f.publicGroup
}

/**
 * Who may click buttons: the person themself, through their signed-in session, or a personal
 * token that may post for them (`chat:send_message` or `chat:write`).
 */
export function requireClicker(principal: Principal): asserts principal is Principal & { model: 'personal' } {
  requirePersonal(principal)
  if (principal.credential.kind === 'session') return
  requireScopes(principal, [['chat:send_message'], ['chat:write']])
}

/**
 * What the chat rules need to know about a chat and the caller. `member` means the caller's
 * address takes part: a DM/multi-DM participant, or a member or admin of the channel's group.
 */
export interface ChatAccessFacts {
  kind: 'channel' | 'dm' | 'multi'
  /** Channels: whether the group is private; null for DMs and multi-DMs. */
  groupPrivate: boolean | null
  groupArchived: boolean
  member: boolean
}

function isPublicChannel(facts: Pick<ChatAccessFacts, 'kind' | 'groupPrivate'>): boolean {
  return facts.kind === 'channel' && facts.groupPrivate === false
}

/**
 * Reading a chat's history. Organization tokens see every public group (Roam's organization data
 * scope) and the chats their bot was added to; personal tokens see only the user's own chats.
 */
export function canReadChat(principal: Principal, facts: ChatAccessFacts): boolean {
  return readsChat(principal.model, facts)
}

/** The read rule for a caller or a webhook subscriber of access model `model`. */
function readsChat(model: AccessModel, facts: Pick<ChatAccessFacts, 'kind' | 'groupPrivate' | 'member'>): boolean {
  if (facts.member) return true
  return model === 'organization' && isPublicChannel(facts)
}

export function requireChatRead(principal: Principal, facts: ChatAccessFacts): void {
  if (!canReadChat(principal, facts)) fail('forbidden', `${principal.address} is not a member of this chat.`)
}

/**
 * Polls (reading results, voting): a poll in a chat the caller cannot read is answered exactly
 * like one that does not exist — an unknown chat, an unknown key, a message that is no poll or was
 * deleted — with one 404, so nobody learns that a poll exists where they cannot see it.
 * `target` is undefined when the chat does not exist.
 */
export function requirePollChatReadable<T extends { facts: ChatAccessFacts }>(principal: Principal, target: T | undefined): asserts target is T {
  if (!target || !canReadChat(principal, target.facts)) pollNotFound()
}

/** The message at the key is a poll that was not deleted; else the same 404 as above. */
export function requirePollExists<P extends object>(poll: P | null | undefined): asserts poll is P {
  if (!poll) pollNotFound()
}

function pollNotFound(): never {
  fail('not_found', 'timestamp: no poll with this key in a chat you can read')
}

/**
 * Posting, reacting, typing, editing and deleting: the caller must be a member of the chat or
 * group. Public groups appear in chat.list for organization tokens, but their bot may post only
 * after it has been added to the group. Archived groups take no new messages.
 */
export function requireChatWrite(principal: Principal, facts: ChatAccessFacts): void {
  if (facts.groupArchived) fail('group_archived')
  if (facts.member) return
  if (isPublicChannel(facts)) fail('forbidden', `${principal.address} is not a member of this group; add it to the group to post.`)
  fail('forbidden', `${principal.address} is not a member of this chat.`)
}

/**
 * HQ v1 `chat.sendMessage`: Roam's documented flow is to pick a destination from `groups.list`
 * (public groups) and send to it, so an organization app may post to any public, non-archived
 * group of its Roam without joining it. Private groups and other chats need membership as above.
 */
export function requireGroupSend(principal: Principal, facts: ChatAccessFacts): void {
  if (facts.groupArchived) fail('forbidden', 'The group is archived.')
  if (principal.model === 'organization' && isPublicChannel(facts)) return
  requireChatWrite(principal, facts)
}

/** Editing or deleting a message: only its sender may. */
export function requireMessageSender(principal: Principal, sender: string): void {
  const author = authorOf(principal)
  if (author !== sender) fail('invalid_request', `timestamp: the message was sent by ${sender}, not by ${author}`)
}

/** Interactive buttons call the app back, so the app needs an Interactivity URL. */
export function requireInteractivityUrl(principal: Principal): void {
  if (!principal.app?.interactivityUrl) {
    fail('invalid_request', 'blocks: interactive buttons (action_id and value, no url) need the app to have an Interactivity URL configured')
  }
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

/**
 * People managing members in the web client (a signed-in person, not an app): organization
 * administrators manage every group's members, anyone else only those of a group they are an
 * admin of. The member list itself is visible to administrators and to whoever the API rule
 * lets see it (public group, or a member of it).
 */
export function canPersonManageGroupMembers(orgAdmin: boolean, role: GroupRole | undefined): boolean {
  return orgAdmin || role === 'admin'
}

export function requirePersonCanManageGroupMembers(orgAdmin: boolean, role: GroupRole | undefined): void {
  if (!canPersonManageGroupMembers(orgAdmin, role)) fail('forbidden', 'Only an administrator or an admin of this group may change its members.')
}

export function requirePersonCanSeeGroupMembers(orgAdmin: boolean, group: Group, role: GroupRole | undefined): void {
  if (!orgAdmin && !canSeeGroupMembers(group, role)) fail('forbidden', 'You are not a member of this group.')
}

/** An archived group is read-only: no new messages, members or settings. */
export function canWriteToGroup(group: Group): boolean {
  return group.archivedAt === null
}

export function requireGroupWritable(group: Group): void {
  if (!canWriteToGroup(group)) fail('group_archived')
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
  const given = host === undefined ? undefined : normalizeEmail(host)
  if (principal.model === 'organization') {
    if (!given) fail('invalid_request', 'host: required for organization tokens')
    return given
  }
  if (!given) return principal.user.email
  if (given !== normalizeEmail(principal.user.email)) fail('forbidden', 'host: a personal token can only create meeting links hosted by its own user')
  return given
}

/**
 * Who may read `/metrics`: a loopback caller (its connection comes from this machine and its
 * request carries no proxy forwarding header: a reverse proxy on the same machine connects from
 * loopback for every remote visitor, so a proxied request never counts as local), or a caller
 * presenting the configured metrics token. Otherwise 401 when a token is configured (present it),
 * 403 when none is (nothing would help).
 */
export function requireMetricsReader(caller: { loopback: boolean; tokenConfigured: boolean; tokenMatches: boolean }): void {
  if (caller.loopback) return
  if (caller.tokenConfigured && caller.tokenMatches) return
  if (caller.tokenConfigured) fail('invalid_auth', 'metrics: present the metrics token as a Bearer token.', { 'www-authenticate': 'Bearer' })
  fail('forbidden', 'metrics: served only to loopback callers, or with the metrics token (ATRIUM_METRICS_TOKEN) as a Bearer token.')
}
