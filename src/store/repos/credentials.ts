import type { Selectable } from 'kysely'
import type { AccessModel, Credential, CredentialKind, CredentialStatus } from '../../domain.js'
import type { Executor } from '../db.js'
import type { CredentialsTable } from '../schema.js'

function toCredential(row: Selectable<CredentialsTable>): Credential {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind as CredentialKind,
    appId: row.app_id,
    userId: row.user_id,
    model: row.model as AccessModel,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    status: row.status as CredentialStatus,
    name: row.name,
    grantId: row.grant_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

export interface NewCredential extends Omit<Credential, 'revokedAt'> {
  lookup: string
  secretHash: string
}

export async function insertCredential(db: Executor, cred: NewCredential): Promise<Credential> {
  const row = await db
    .insertInto('credentials')
    .values({
      id: cred.id,
      org_id: cred.orgId,
      kind: cred.kind,
      lookup: cred.lookup,
      secret_hash: cred.secretHash,
      app_id: cred.appId,
      user_id: cred.userId,
      model: cred.model,
      scopes: cred.scopes.join(' '),
      status: cred.status,
      name: cred.name,
      grant_id: cred.grantId,
      created_at: cred.createdAt,
      expires_at: cred.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toCredential(row)
}

/** The credential whose public half is `lookup`, with its stored secret digest. */
export async function findCredentialByLookup(
  db: Executor,
  lookup: string,
): Promise<{ credential: Credential; secretHash: string } | undefined> {
  const row = await db.selectFrom('credentials').selectAll().where('lookup', '=', lookup).executeTakeFirst()
  return row && { credential: toCredential(row), secretHash: row.secret_hash }
}

export async function setCredentialStatus(db: Executor, id: string, status: CredentialStatus, at: number): Promise<void> {
  await db
    .updateTable('credentials')
    .set({ status, ...(status === 'revoked' ? { revoked_at: at } : {}) })
    .where('id', '=', id)
    .execute()
}

export interface CredentialFilter {
  kind?: CredentialKind
  status?: CredentialStatus
  userId?: string
  grantId?: string
  appId?: string
}

/** Credentials of an organization matching the filter, oldest first. */
export async function listCredentials(db: Executor, orgId: string, filter: CredentialFilter = {}): Promise<Credential[]> {
  let q = db.selectFrom('credentials').selectAll().where('org_id', '=', orgId)
  if (filter.kind) q = q.where('kind', '=', filter.kind)
  if (filter.status) q = q.where('status', '=', filter.status)
  if (filter.userId) q = q.where('user_id', '=', filter.userId)
  if (filter.grantId) q = q.where('grant_id', '=', filter.grantId)
  if (filter.appId) q = q.where('app_id', '=', filter.appId)
  const rows = await q.orderBy('created_at').orderBy('id').execute()
  return rows.map(toCredential)
}

export async function findCredential(db: Executor, orgId: string, id: string): Promise<Credential | undefined> {
  const row = await db.selectFrom('credentials').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toCredential(row)
}

/** Records an administrator's approval or rejection of a pending credential. */
export async function decideCredential(db: Executor, id: string, status: 'active' | 'rejected', by: string | null, at: number): Promise<void> {
  await db.updateTable('credentials').set({ status, decided_by: by, decided_at: at }).where('id', '=', id).execute()
}

/** Sets the status of every credential of an OAuth grant that is not already revoked. */
export async function setGrantCredentialsStatus(db: Executor, grantId: string, status: CredentialStatus, at: number): Promise<void> {
  await db
    .updateTable('credentials')
    .set({ status, ...(status === 'revoked' ? { revoked_at: at } : {}) })
    .where('grant_id', '=', grantId)
    .where('status', '!=', 'revoked')
    .execute()
}
