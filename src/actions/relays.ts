import type { Context } from '../context.js'
import type { ColorRule, Credential, Group, Principal, Relay, RelayLink } from '../domain.js'
import { AppError, fail } from '../errors.js'
import { checkColorRules, checkLink, checkTemplate, compileCondition, passesRelayFilter, RELAY_LIMITS, renderRelayMessage } from '../events/relays.js'
import { isUuid, newId, parseTagged } from '../ids.js'
import { literalUrlProblem } from '../net/outbound.js'
import { digest, randomToken, secretMatches } from '../secrets.js'
import type { Executor } from '../store/db.js'
import { findApp, insertApp, setAppName } from '../store/repos/apps.js'
import { deleteGroupMembers, findGroup, findGroupsByName, insertGroupMembersIfAbsent } from '../store/repos/groups.js'
import { countRelayOutcome, findRelay, findRelayByLookup, insertRelay, listRelays, markRelayDeleted, setRelaySecret, updateRelayRow, type RelayPatch } from '../store/repos/relays.js'
import { findUser, findUserByEmail } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { postMessage } from './messages.js'
import { publicUrl } from '../public-url.js'

/**
 * Webhook relays: an administrator names a target (a group's channel, or recipients who get a DM
 * or multi-DM) and Atrium issues a secret URL; JSON POSTed to it becomes a message there. Each
 * relay has its own bot (an app of auth type `relay`, without credentials) named after the relay,
 * so its messages show where they came from; a group target gets that bot as a member. Messages
 * go through chat.post's action, so events, webhooks and realtime follow as for any message.
 */

/** A relay as the admin API shows it; never the URL or its secret. */
export interface RelayView {
  id: string
  name: string
  /** The bot that posts the relay's messages. */
  bot: string
  group?: string
  to?: string[]
  template?: string
  filter?: string
  colorRules: ColorRule[]
  link?: RelayLink
  enabled: boolean
  receivedCount: number
  postedCount: number
  filteredCount: number
  failedCount: number
  lastReceivedAt?: string
  lastError?: string
  createdBy?: string
  createdAt: string
  updatedAt: string
}

export function relayView(relay: Relay): RelayView {
  return {
    id: relay.id,
    name: relay.name,
    bot: `B-${relay.botId}`,
    ...(relay.targetGroupId ? { group: `G-${relay.targetGroupId}` } : { to: relay.targetUserIds.map((id) => `U-${id}`) }),
    ...(relay.template !== null ? { template: relay.template } : {}),
    ...(relay.filter !== null ? { filter: relay.filter } : {}),
    colorRules: relay.colorRules,
    ...(relay.link ? { link: relay.link } : {}),
    enabled: relay.enabled,
    receivedCount: relay.receivedCount,
    postedCount: relay.postedCount,
    filteredCount: relay.filteredCount,
    failedCount: relay.failedCount,
    ...(relay.lastReceivedAt !== null ? { lastReceivedAt: microsToIso(relay.lastReceivedAt) } : {}),
    ...(relay.lastError !== null ? { lastError: relay.lastError } : {}),
    ...(relay.createdBy !== null ? { createdBy: `U-${relay.createdBy}` } : {}),
    createdAt: microsToIso(relay.createdAt),
    updatedAt: microsToIso(relay.updatedAt),
  }
}

export interface RelaySettings {
  name?: string
  /** `G-…` id or the exact name of a group. */
  group?: string
  /** Recipients by e-mail or `U-…` id: a DM with one, a multi-DM with several. */
  to?: string[]
  template?: string | null
  filter?: string | null
  colorRules?: ColorRule[]
  link?: RelayLink | null
  enabled?: boolean
}

export interface IssuedRelay {
  relay: RelayView
  /** The relay's URL with its secret; shown on creation and rotation only. */
  url: string
}

// ---- secrets -----------------------------------------------------------------------------------

const LOOKUP_LENGTH = 16
const SECRET_LENGTH = 40
const tokenRe = new RegExp(`^[A-Za-z0-9]{${LOOKUP_LENGTH + SECRET_LENGTH}}$`)

/** A URL token: a public lookup part (indexed) followed by a secret part stored as a SHA-256 digest. */
function issueToken(): { token: string; lookup: string; hash: string } {
  const lookup = randomToken(LOOKUP_LENGTH)
  const secret = randomToken(SECRET_LENGTH)
  return { token: `${lookup}${secret}`, lookup, hash: digest(secret) }
}

export function relayUrl(ctx: Context, token: string): string {
  return publicUrl(ctx.config, `/relay/${token}`)
}

// ---- validation --------------------------------------------------------------------------------

function checkName(value: string): string {
  const name = value.trim()
  if (name === '' || name.length > RELAY_LIMITS.name) fail('invalid_request', `name: must be 1 to ${RELAY_LIMITS.name} characters`)
  return name
}

async function resolveGroup(db: Executor, orgId: string, value: string): Promise<Group> {
  const ref = value.trim()
  const parsed = parseTagged(ref)
  const id = parsed?.tag === 'G' ? parsed.uuid : isUuid(ref) ? ref : undefined
  let group: Group | undefined
  if (id !== undefined) {
    group = await findGroup(db, orgId, id)
    if (!group) fail('invalid_request', `group: no group ${ref} in this Roam`)
  } else {
    const named = await findGroupsByName(db, orgId, ref)
    if (named.length === 0) fail('invalid_request', `group: no group named "${ref}" (give a G-… id or a group's exact name)`)
    if (named.length > 1) fail('invalid_request', `group: several groups are named "${ref}"; give its G-… id`)
    group = named[0]!
  }
  if (group.archivedAt !== null) fail('invalid_request', `group: ${ref} is archived`)
  return group
}

async function resolveRecipients(db: Executor, orgId: string, entries: readonly string[]): Promise<string[]> {
  if (entries.length === 0) fail('invalid_request', 'to: name at least 1 recipient')
  if (entries.length > RELAY_LIMITS.recipients) fail('invalid_request', `to: at most ${RELAY_LIMITS.recipients} recipients`)
  const ids: string[] = []
  for (const [i, raw] of entries.entries()) {
    const entry = raw.trim()
    const parsed = parseTagged(entry)
    const user = entry.includes('@') ? await findUserByEmail(db, orgId, entry) : parsed?.tag === 'U' ? await findUser(db, orgId, parsed.uuid) : undefined
    if (!entry.includes('@') && parsed?.tag !== 'U') fail('invalid_request', `to/${i}: must be an e-mail address or a user id (U-…)`)
    if (!user || !user.active) fail('invalid_request', `to/${i}: no active user ${entry} in this Roam`)
    if (!ids.includes(user.id)) ids.push(user.id)
  }
  return ids
}

function checkDefinition(ctx: Context, input: RelaySettings): void {
  if (input.template !== undefined && input.template !== null) checkTemplate('template', input.template, RELAY_LIMITS.template)
  if (input.filter !== undefined && input.filter !== null) compileCondition('filter', input.filter)
  if (input.colorRules !== undefined) checkColorRules(input.colorRules)
  if (input.link !== undefined && input.link !== null) {
    checkLink(input.link)
    checkLinkHost(ctx, input.link.urlTemplate)
  }
}

/**
 * A link template whose scheme and host are written out (no `{{…}}` before the path) names its
 * destination now, so it passes the outbound guard's address check when saved; a host filled in
 * from the payload is only known per message.
 */
function checkLinkHost(ctx: Context, urlTemplate: string): void {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(urlTemplate.trim())?.[0]
  if (origin === undefined || origin.includes('{{')) return
  const problem = literalUrlProblem(`${origin}/`, ctx.config.allowPrivateUrls)
  if (problem) fail('invalid_request', `link/urlTemplate: ${problem}`)
}

/** The target of the settings, when they name one: exactly one of group and to. */
async function resolveTarget(db: Executor, orgId: string, input: RelaySettings): Promise<{ group: Group | null; userIds: string[] } | undefined> {
  if (input.group !== undefined && input.to !== undefined) fail('invalid_request', 'group, to: give either a group or recipients, not both')
  if (input.group !== undefined) return { group: await resolveGroup(db, orgId, input.group), userIds: [] }
  if (input.to !== undefined) return { group: null, userIds: await resolveRecipients(db, orgId, input.to) }
  return undefined
}

async function requireRelay(db: Executor, orgId: string, id: string): Promise<Relay> {
  const relay = isUuid(id) ? await findRelay(db, orgId, id) : undefined
  if (!relay) fail('not_found', `id: no relay ${id}`)
  return relay
}

// ---- administration ----------------------------------------------------------------------------

/** Creates a relay and its bot; returns it with its URL (shown this once). */
export async function createRelay(ctx: Context, orgId: string, createdBy: string | null, input: RelaySettings & { name: string }): Promise<IssuedRelay> {
  const name = checkName(input.name)
  checkDefinition(ctx, input)
  if (input.group === undefined && input.to === undefined) fail('invalid_request', 'group: give a group (G-… id or name) or recipients in to')
  return ctx.db.transaction().execute(async (tx) => {
    const target = (await resolveTarget(tx, orgId, input))!
    const now = nowMicros()
    const app = await insertApp(tx, {
      id: newId(),
      orgId,
      clientId: `relay_${randomToken(20).toLowerCase()}`,
      botId: newId(),
      name,
      description: 'Webhook relay',
      authType: 'relay',
      accessModels: ['organization'],
      scopes: ['chat:send_message'],
      redirectUris: [],
      interactivityUrl: null,
      webhookUrl: null,
      signingSecret: null,
      clientSecretHash: null,
      createdBy,
      createdAt: now,
    })
    if (target.group) await insertGroupMembersIfAbsent(tx, target.group.id, [{ address: `B-${app.botId}`, role: 'member' }], now)
    const token = issueToken()
    const relay = await insertRelay(tx, {
      id: newId(),
      orgId,
      appId: app.id,
      name,
      targetGroupId: target.group?.id ?? null,
      targetUserIds: target.userIds,
      template: input.template ?? null,
      filter: input.filter ?? null,
      colorRules: input.colorRules ?? [],
      link: input.link ?? null,
      lookup: token.lookup,
      secretHash: token.hash,
      createdBy,
      createdAt: now,
    })
    if (input.enabled === false) await updateRelayRow(tx, relay.id, { enabled: false }, now)
    return { relay: relayView({ ...relay, enabled: input.enabled ?? true }), url: relayUrl(ctx, token.token) }
  })
}

export async function listRelayViews(ctx: Context, orgId: string): Promise<RelayView[]> {
  return (await listRelays(ctx.db, orgId)).map(relayView)
}

/** Changes a relay's settings; naming a new group or recipients moves it (and its bot) there. */
export async function updateRelay(ctx: Context, orgId: string, id: string, input: RelaySettings): Promise<RelayView> {
  const name = input.name === undefined ? undefined : checkName(input.name)
  checkDefinition(ctx, input)
  return ctx.db.transaction().execute(async (tx) => {
    const relay = await requireRelay(tx, orgId, id)
    const target = await resolveTarget(tx, orgId, input)
    const now = nowMicros()
    const bot = `B-${relay.botId}`
    const patch: RelayPatch = {
      name,
      template: input.template,
      filter: input.filter,
      colorRules: input.colorRules,
      link: input.link,
      enabled: input.enabled,
    }
    if (target) {
      if (relay.targetGroupId && relay.targetGroupId !== target.group?.id) await deleteGroupMembers(tx, relay.targetGroupId, [bot])
      if (target.group) await insertGroupMembersIfAbsent(tx, target.group.id, [{ address: bot, role: 'member' }], now)
      patch.targetGroupId = target.group?.id ?? null
      patch.targetUserIds = target.userIds
    }
    await updateRelayRow(tx, relay.id, patch, now)
    if (name !== undefined) await setAppName(tx, relay.appId, name)
    return relayView((await findRelay(tx, orgId, relay.id))!)
  })
}

/** Issues a new URL; the previous one answers 404 from now on. */
export async function rotateRelaySecret(ctx: Context, orgId: string, id: string): Promise<IssuedRelay> {
  return ctx.db.transaction().execute(async (tx) => {
    const relay = await requireRelay(tx, orgId, id)
    const token = issueToken()
    await setRelaySecret(tx, relay.id, token.lookup, token.hash, nowMicros())
    return { relay: relayView((await findRelay(tx, orgId, relay.id))!), url: relayUrl(ctx, token.token) }
  })
}

/**
 * Deletes a relay: its URL answers 404 and its bot leaves the target group. The bot itself stays,
 * so the messages it posted keep their sender's name.
 */
export async function deleteRelay(ctx: Context, orgId: string, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const relay = await requireRelay(tx, orgId, id)
    if (relay.targetGroupId) await deleteGroupMembers(tx, relay.targetGroupId, [`B-${relay.botId}`])
    await markRelayDeleted(tx, relay.id, nowMicros())
  })
}

// ---- receiving ---------------------------------------------------------------------------------

/** The enabled relay a URL token belongs to; anything else (malformed, unknown, rotated, deleted, disabled) is 404. */
export async function relayForToken(ctx: Context, token: string): Promise<Relay> {
  const found = tokenRe.test(token) ? await findRelayByLookup(ctx.db, token.slice(0, LOOKUP_LENGTH)) : undefined
  if (!found || !secretMatches(token.slice(LOOKUP_LENGTH), found.secretHash) || !found.relay.enabled) fail('not_found', 'No relay at this URL.')
  return found.relay
}

export type RelayResult = { posted: false } | { posted: true; chat: string; timestamp: number }

/** Parses a raw body as JSON, or fails with a 400 saying where it breaks. */
export function parseRelayBody(raw: string): unknown {
  if (raw.trim() === '') fail('invalid_request', 'body: must be a JSON value (the body is empty)')
  try {
    return JSON.parse(raw) as unknown
  } catch (err) {
    fail('invalid_request', `body: is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
}

async function relayPrincipal(ctx: Context, relay: Relay): Promise<Principal> {
  const app = await findApp(ctx.db, relay.appId)
  if (!app) throw new Error(`relay ${relay.id} has no app`)
  const credential: Credential = {
    id: `relay:${relay.id}`,
    orgId: relay.orgId,
    kind: 'relay',
    appId: app.id,
    userId: null,
    model: 'organization',
    scopes: app.scopes,
    status: 'active',
    name: relay.name,
    grantId: null,
    createdAt: relay.createdAt,
    expiresAt: null,
    revokedAt: null,
    botId: null,
  }
  return { model: 'organization', orgId: relay.orgId, credential, app, address: `B-${app.botId}`, scopes: new Set(app.scopes) }
}

/**
 * One payload: filtered out (nothing posted), or rendered and posted as the relay's bot through
 * chat.post's action. The relay's counters record the outcome; a failed post keeps its error.
 * With an idempotency key (a sender's retry of the same delivery), a repeated payload answers
 * the first post's result without posting again, as chat.post's Idempotency-Key does.
 */
export async function deliverRelayPayload(ctx: Context, relay: Relay, payload: unknown, opts: { idempotencyKey?: string } = {}): Promise<RelayResult> {
  const now = nowMicros()
  try {
    if (!passesRelayFilter(relay.filter, payload)) {
      await countRelayOutcome(ctx.db, relay.id, 'filtered', now)
      return { posted: false }
    }
    const message = renderRelayMessage(relay, payload)
    const principal = await relayPrincipal(ctx, relay)
    const chat = relay.targetGroupId ? `G-${relay.targetGroupId}` : relay.targetUserIds.map((id) => `U-${id}`)
    const posted = await postMessage(ctx, principal, { chat, blocks: message.blocks, ...(message.color ? { color: message.color } : {}), sync: true }, opts)
    await countRelayOutcome(ctx.db, relay.id, 'posted', now)
    return { posted: true, chat: posted.chat, timestamp: posted.timestamp! }
  } catch (err) {
    // Bookkeeping must not hide the error that made the post fail.
    await countRelayOutcome(ctx.db, relay.id, 'failed', now, err instanceof AppError ? err.message : 'internal error').catch(() => undefined)
    throw err
  }
}
