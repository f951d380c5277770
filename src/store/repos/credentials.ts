import { sql, type Selectable } from 'kysely'
import type { AccessModel, App, Credential, CredentialKind, CredentialStatus, Organization, User } from '../../domain.js'
import { prepared, type Executor } from '../db.js'
import type { AppsTable, CredentialsTable, OrganizationsTable, UsersTable } from '../schema.js'
import { toApp } from './apps.js'
import { toOrganization } from './organizations.js'
import { toUser } from './users.js'

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
    botId: row.bot_id ?? null,
  }
}

export interface NewCredential extends Omit<Credential, 'revokedAt' | 'botId'> {
  botId?: string | null
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
      bot_id: cred.botId ?? null,
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

// Every column of the tables joined by findBearer. The checks below fail to compile when a table
// gains a column that is missing here, so the joined rows always map like the single-table reads.
const APP_COLUMNS = [
  'id', 'org_id', 'client_id', 'bot_id', 'name', 'description', 'image_url', 'auth_type', 'access_models', 'scopes',
  'redirect_uris', 'interactivity_url', 'webhook_url', 'signing_secret', 'client_secret_hash', 'created_by', 'created_at',
  'deleted_at', 'rate_limit_burst', 'rate_limit_per_second', 'api_version',
] as const satisfies ReadonlyArray<keyof AppsTable>
const USER_COLUMNS = [
  'id', 'org_id', 'email', 'name', 'image_url', 'job_title', 'location', 'is_admin', 'presence_status', 'available', 'active',
  'password_hash', 'scim_external_id', 'given_name', 'family_name', 'created_at', 'updated_at', 'deactivated_at',
] as const satisfies ReadonlyArray<keyof UsersTable>
const ORG_COLUMNS = [
  'id', 'external_id', 'name', 'image_url', 'icon_url', 'personal_access_policy', 'created_at',
] as const satisfies ReadonlyArray<keyof OrganizationsTable>
type Complete<Listed, All> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>
const columnsComplete: [
  Complete<(typeof APP_COLUMNS)[number], keyof AppsTable>,
  Complete<(typeof USER_COLUMNS)[number], keyof UsersTable>,
  Complete<(typeof ORG_COLUMNS)[number], keyof OrganizationsTable>,
] = [true, true, true]
void columnsComplete

function prefixed(alias: string, columns: readonly string[]) {
  return columns.map((c) => sql.ref(`${alias}.${c}`).as(`${alias}_${c}`))
}

/** The columns of one joined table from a row whose columns carry the `<alias>_` prefix; undefined when the join found nothing. */
function unprefix<T>(row: Record<string, unknown>, alias: string, columns: readonly string[]): T | undefined {
  if (row[`${alias}_id`] === null || row[`${alias}_id`] === undefined) return undefined
  const out: Record<string, unknown> = {}
  for (const c of columns) out[c] = row[`${alias}_${c}`]
  return out as T
}

export interface BearerRecord {
  credential: Credential
  secretHash: string
  organization: Organization
  /** The credential's live app (deleted apps are left out). */
  app: App | undefined
  /** The credential's user in the credential's organization. */
  user: User | undefined
}

/**
 * Everything authenticating a bearer token needs, in one query: the credential whose public half
 * is `lookup`, its organization, its app (unless deleted) and its user. Read on every request, so a
 * revoked credential, a deleted app or a deactivated user stops working at once in every process.
 */
const bearerQuery = prepared((db: Executor, lookup: string) =>
  db
    .selectFrom('credentials as c')
    .innerJoin('organizations as o', 'o.id', 'c.org_id')
    .leftJoin('apps as a', (join) => join.onRef('a.id', '=', 'c.app_id').on('a.deleted_at', 'is', null))
    .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'c.user_id').onRef('u.org_id', '=', 'c.org_id'))
    .selectAll('c')
    .select([...prefixed('o', ORG_COLUMNS), ...prefixed('a', APP_COLUMNS), ...prefixed('u', USER_COLUMNS)])
    .where('c.lookup', '=', lookup),
)

export async function findBearer(db: Executor, lookup: string): Promise<BearerRecord | undefined> {
  const [row] = (await bearerQuery(db, lookup)) as Array<Selectable<CredentialsTable> & Record<string, unknown>>
  if (!row) return undefined
  const app = unprefix<Selectable<AppsTable>>(row, 'a', APP_COLUMNS)
  const user = unprefix<Selectable<UsersTable>>(row, 'u', USER_COLUMNS)
  return {
    credential: toCredential(row),
    secretHash: row.secret_hash,
    organization: toOrganization(unprefix<Selectable<OrganizationsTable>>(row, 'o', ORG_COLUMNS)!),
    app: app && toApp(app),
    user: user && toUser(user),
  }
}

export async function setCredentialStatus(db: Executor, id: string, status: CredentialStatus, at: number): Promise<void> {
  await db
    .updateTable('credentials')
    .set({ status, ...(status === 'revoked' ? { revoked_at: at } : {}) })
    .where('id', '=', id)
    .execute()
}

/**
 * Revokes a credential only if it is still active, in one conditional UPDATE: of two requests
 * racing to use the same single-use credential (a refresh token), exactly one gets true.
 */
export async function revokeIfActive(db: Executor, id: string, at: number): Promise<boolean> {
  const result = await db.updateTable('credentials').set({ status: 'revoked', revoked_at: at }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
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

/** The bot persona (`B-…`) a personal access token posts as on `/v1`, if it has one. */
export async function findCredentialPersona(db: Executor, credentialId: string | null): Promise<string | undefined> {
  if (!credentialId) return undefined
  const row = await db.selectFrom('credentials').select('bot_id').where('id', '=', credentialId).executeTakeFirst()
  return row?.bot_id ? `B-${row.bot_id}` : undefined
}
