import { randomBytes } from 'node:crypto'
import type { Context } from '../context.js'
import type { Credential, CredentialStatus, PersonalAccessPolicy, User } from '../domain.js'
import { fail } from '../errors.js'
import { isUuid, newId, tag } from '../ids.js'
import { requireMayHoldScopes } from '../access.js'
import { isAdminScope, isScope } from '../scopes.js'
import { issueSecret } from '../secrets.js'
import type { Executor } from '../store/db.js'
import { findApp, insertApp } from '../store/repos/apps.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import {
  decideCredential,
  findCredential,
  insertCredential,
  listCredentials,
  setCredentialStatus,
  setGrantCredentialsStatus,
} from '../store/repos/credentials.js'
import { findGrant, listGrants, setGrantStatus, type Grant } from '../store/repos/oauth.js'
import { findOrganization } from '../store/repos/organizations.js'
import { microsToIso, nowMicros } from '../time.js'

/**
 * Personal access: personal access tokens (`rmp-…`) a user creates for themself, and personal
 * OAuth grants (a user consenting for themself). The organization's policy decides whether new
 * ones are refused (`disabled`), wait for an administrator (`approval`, the default) or work at
 * once (`auto`). Pending and rejected ones are refused by the API with 403.
 */

export const PAT_NAME_MAX = 64

export interface CreatePatInput {
  name?: string | null
  scopes: string[]
}

export interface CreatedPat {
  id: string
  token: string
  status: CredentialStatus
  scopes: string[]
  name: string
}

export async function personalAccessPolicy(ctx: Context, orgId: string, db: Executor = ctx.db): Promise<PersonalAccessPolicy> {
  const org = await findOrganization(db, orgId)
  if (!org) throw new Error(`organization ${orgId} is missing`)
  return org.personalAccessPolicy
}

/** Status a new personal credential starts in under the policy; fails when personal access is disabled. */
export function initialPersonalStatus(policy: PersonalAccessPolicy): 'active' | 'pending' {
  if (policy === 'disabled') fail('forbidden', 'Personal access is disabled in this organization.')
  return policy === 'auto' ? 'active' : 'pending'
}

export async function createPat(ctx: Context, user: User, input: CreatePatInput): Promise<CreatedPat> {
  const name = (input.name ?? '').trim() || 'Personal access token'
  if (name.length > PAT_NAME_MAX) fail('invalid_request', `name: must be at most ${PAT_NAME_MAX} characters`)
  const unknown = input.scopes.filter((s) => !isScope(s) && !isAdminScope(s))
  if (unknown.length > 0) fail('invalid_request', `scopes: unknown scope(s) ${unknown.join(', ')}`)
  const scopes = [...new Set(input.scopes)]
  if (scopes.length === 0) fail('invalid_request', 'scopes: name at least one scope')
  if (!user.active) fail('forbidden', 'The user is deactivated.')
  requireMayHoldScopes(user, scopes)
  return ctx.db.transaction().execute(async (tx) => {
    const status = initialPersonalStatus(await personalAccessPolicy(ctx, user.orgId, tx))
    const secret = issueSecret('rmp-')
    const now = nowMicros()
    const persona = await insertPersona(tx, user, now)
    const credential = await insertCredential(tx, {
      id: newId(),
      orgId: user.orgId,
      kind: 'pat',
      lookup: secret.lookup,
      secretHash: secret.hash,
      appId: null,
      userId: user.id,
      model: 'personal',
      scopes,
      status,
      name,
      grantId: null,
      createdAt: now,
      expiresAt: null,
      botId: persona.botId,
    })
    await insertAuditEntry(tx, { orgId: user.orgId, userId: user.id, eventType: 'PAT_CREATED', data: { id: credential.id, status, scopes }, createdAt: now })
    return { id: credential.id, token: secret.token, status, scopes, name }
  })
}

/**
 * The bot persona of a new personal access token: on `/v1` the token posts as this bot (Roam's
 * personal agents), so the owner can tell the agent's messages from their own and talk to it. An
 * app row with auth_type `personal`: named, pictured and addressable like any bot, never listed
 * among API clients, and with no credentials of its own.
 */
export async function insertPersona(tx: Executor, user: User, now: number) {
  return insertApp(tx, {
    id: newId(),
    orgId: user.orgId,
    clientId: `pbot_${randomBytes(12).toString('hex')}`,
    botId: newId(),
    name: `${user.name}'s bot`,
    description: null,
    imageUrl: user.imageUrl,
    authType: 'personal',
    accessModels: [],
    scopes: [],
    redirectUris: [],
    interactivityUrl: null,
    webhookUrl: null,
    signingSecret: null,
    clientSecretHash: null,
    createdBy: user.id,
    createdAt: now,
  })
}

/** A personal access token or a personal OAuth grant, as administrators and owners see it. */
export interface PersonalAccessItem {
  id: string
  kind: 'pat' | 'oauth'
  user: string
  name: string
  app?: { clientId: string; name: string }
  scopes: string[]
  status: CredentialStatus
  createdAt: string
}

function patItem(c: Credential): PersonalAccessItem {
  return {
    id: c.id,
    kind: 'pat',
    user: tag('U', c.userId ?? ''),
    name: c.name ?? 'Personal access token',
    scopes: c.scopes,
    status: c.status,
    createdAt: microsToIso(c.createdAt),
  }
}

async function grantItem(db: Executor, g: Grant): Promise<PersonalAccessItem> {
  const app = await findApp(db, g.appId)
  return {
    id: g.id,
    kind: 'oauth',
    user: tag('U', g.userId),
    name: app?.name ?? 'Deleted app',
    ...(app ? { app: { clientId: app.clientId, name: app.name } } : {}),
    scopes: g.scopes,
    status: g.status,
    createdAt: microsToIso(g.createdAt),
  }
}

export interface PersonalAccessFilter {
  status?: CredentialStatus
  userId?: string
}

/** Personal tokens and personal OAuth grants of the organization (or of one user), oldest first. */
export async function listPersonalAccess(ctx: Context, orgId: string, filter: PersonalAccessFilter = {}): Promise<PersonalAccessItem[]> {
  const pats = await listCredentials(ctx.db, orgId, { kind: 'pat', ...filter })
  const grants = (await listGrants(ctx.db, orgId, { model: 'personal', ...(filter.status ? { status: filter.status } : {}) })).filter(
    (g) => !filter.userId || g.userId === filter.userId,
  )
  // Merged on the stored microseconds: the wire's createdAt has second precision, so two tokens made
  // in the same second would otherwise come back in the order of their random ids.
  const stamped = [
    ...pats.map((c) => ({ at: c.createdAt, item: patItem(c) })),
    ...(await Promise.all(grants.map(async (g) => ({ at: g.createdAt, item: await grantItem(ctx.db, g) })))),
  ]
  return stamped.sort((a, b) => a.at - b.at || (a.item.id < b.item.id ? -1 : 1)).map((s) => s.item)
}

type Target = { kind: 'pat'; credential: Credential } | { kind: 'oauth'; grant: Grant }

async function findTarget(orgId: string, id: string, db: Executor): Promise<Target> {
  if (!isUuid(id)) fail('invalid_request', 'id: must be the id of a personal access token or grant')
  const credential = await findCredential(db, orgId, id)
  if (credential && credential.kind === 'pat') return { kind: 'pat', credential }
  const grant = await findGrant(db, orgId, id)
  if (grant && grant.model === 'personal') return { kind: 'oauth', grant }
  fail('not_found', 'id: no personal access token or grant with this id')
}

/** Who acts: a user (admin API, account), or the operator (CLI, `userId` null). */
export interface Actor {
  orgId: string
  userId: string | null
}

/** An administrator approves or rejects a pending personal token or grant. */
export async function decidePersonalAccess(ctx: Context, admin: Actor, id: string, decision: 'approve' | 'reject'): Promise<PersonalAccessItem> {
  const status = decision === 'approve' ? 'active' : 'rejected'
  return ctx.db.transaction().execute(async (tx) => {
    const target = await findTarget(admin.orgId, id, tx)
    const current = target.kind === 'pat' ? target.credential.status : target.grant.status
    if (current === 'revoked') fail('conflict', 'id: this token was revoked')
    if (current !== 'pending' && current !== (status === 'active' ? 'rejected' : 'active')) {
      fail('conflict', `id: this token is already ${current === 'active' ? 'approved' : 'rejected'}`)
    }
    const now = nowMicros()
    if (target.kind === 'pat') await decideCredential(tx, id, status, admin.userId, now)
    else {
      await setGrantStatus(tx, id, status, now)
      await setGrantCredentialsStatus(tx, id, status, now)
    }
    await insertAuditEntry(tx, {
      orgId: admin.orgId,
      userId: admin.userId,
      eventType: decision === 'approve' ? 'PERSONAL_ACCESS_APPROVED' : 'PERSONAL_ACCESS_REJECTED',
      data: { id, kind: target.kind },
      createdAt: now,
    })
    return target.kind === 'pat'
      ? patItem({ ...target.credential, status })
      : grantItem(tx, { ...target.grant, status })
  })
}

/**
 * Revokes a personal token or grant for good. `owner` restricts it to the user's own (a user
 * revoking from their account); administrators may revoke any.
 */
export async function revokePersonalAccess(ctx: Context, actor: Actor, id: string, opts: { ownOnly: boolean }): Promise<PersonalAccessItem> {
  return ctx.db.transaction().execute(async (tx) => {
    const target = await findTarget(actor.orgId, id, tx)
    const ownerId = target.kind === 'pat' ? target.credential.userId : target.grant.userId
    if (opts.ownOnly && ownerId !== actor.userId) fail('not_found', 'id: no personal access token or grant with this id')
    const now = nowMicros()
    if (target.kind === 'pat') await setCredentialStatus(tx, id, 'revoked', now)
    else {
      await setGrantStatus(tx, id, 'revoked', now)
      await setGrantCredentialsStatus(tx, id, 'revoked', now)
    }
    await insertAuditEntry(tx, { orgId: actor.orgId, userId: actor.userId, eventType: 'PERSONAL_ACCESS_REVOKED', data: { id, kind: target.kind }, createdAt: now })
    return target.kind === 'pat'
      ? patItem({ ...target.credential, status: 'revoked' })
      : grantItem(tx, { ...target.grant, status: 'revoked' })
  })
}

