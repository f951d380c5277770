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
