import type { Selectable } from 'kysely'
import type { AccessModel } from '../../domain.js'
import type { Executor } from '../db.js'
import type { OAuthGrantsTable } from '../schema.js'

export type GrantStatus = 'active' | 'pending' | 'rejected' | 'revoked'

/** One consent: an app installed for the organization (admin) or for one user. */
export interface Grant {
  id: string
  orgId: string
  appId: string
  userId: string
  model: AccessModel
  scopes: string[]
  status: GrantStatus
  createdAt: number
  decidedAt: number | null
  revokedAt: number | null
}

function toGrant(row: Selectable<OAuthGrantsTable>): Grant {
  return {
    id: row.id,
    orgId: row.org_id,
    appId: row.app_id,
    userId: row.user_id,
    model: row.model as AccessModel,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    status: row.status as GrantStatus,
    createdAt: Number(row.created_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  }
}

export async function insertGrant(db: Executor, g: Omit<Grant, 'decidedAt' | 'revokedAt'>): Promise<Grant> {
  const row = await db
    .insertInto('oauth_grants')
    .values({
      id: g.id,
      org_id: g.orgId,
      app_id: g.appId,
      user_id: g.userId,
      model: g.model,
      scopes: g.scopes.join(' '),
      status: g.status,
      created_at: g.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toGrant(row)
}

export async function findGrant(db: Executor, orgId: string, id: string): Promise<Grant | undefined> {
  const row = await db.selectFrom('oauth_grants').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toGrant(row)
}

export async function listGrants(db: Executor, orgId: string, filter: { status?: GrantStatus; model?: AccessModel } = {}): Promise<Grant[]> {
  let q = db.selectFrom('oauth_grants').selectAll().where('org_id', '=', orgId)
  if (filter.status) q = q.where('status', '=', filter.status)
  if (filter.model) q = q.where('model', '=', filter.model)
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toGrant)
}

export async function setGrantStatus(db: Executor, id: string, status: GrantStatus, at: number): Promise<void> {
  await db
    .updateTable('oauth_grants')
    .set({ status, ...(status === 'revoked' ? { revoked_at: at } : { decided_at: at }) })
    .where('id', '=', id)
    .execute()
}

export interface AuthorizationCodeRow {
  id: string
  orgId: string
  appId: string
  userId: string
  model: AccessModel
  scopes: string[]
  redirectUri: string
  codeChallenge: string | null
  codeChallengeMethod: string | null
  createdAt: number
  expiresAt: number
}

export async function insertAuthorizationCode(db: Executor, c: AuthorizationCodeRow): Promise<void> {
  await db
    .insertInto('oauth_codes')
    .values({
      id: c.id,
      org_id: c.orgId,
      app_id: c.appId,
      user_id: c.userId,
      model: c.model,
      scopes: c.scopes.join(' '),
      redirect_uri: c.redirectUri,
      code_challenge: c.codeChallenge,
      code_challenge_method: c.codeChallengeMethod,
      created_at: c.createdAt,
      expires_at: c.expiresAt,
    })
    .execute()
}

export async function findAuthorizationCode(db: Executor, id: string): Promise<AuthorizationCodeRow | undefined> {
  const row = await db.selectFrom('oauth_codes').selectAll().where('id', '=', id).executeTakeFirst()
  return (
    row && {
      id: row.id,
      orgId: row.org_id,
      appId: row.app_id,
      userId: row.user_id,
      model: row.model as AccessModel,
      scopes: row.scopes === '' ? [] : row.scopes.split(' '),
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      codeChallengeMethod: row.code_challenge_method,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }
  )
}

/** Deletes a code; true when this call consumed it (codes are single-use). */
export async function deleteAuthorizationCode(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('oauth_codes').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
