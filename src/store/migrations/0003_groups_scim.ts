import type { Kysely } from 'kysely'

/**
 * Directory and provisioning: the structured name SCIM provisions (given and family name; the
 * display name stays `users.name`), a lookup index for SCIM `externalId`, and an index for the
 * audit log's per-user reads.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('given_name', 'text').execute()
  await db.schema.alterTable('users').addColumn('family_name', 'text').execute()
  await db.schema.createIndex('users_org_external').on('users').columns(['org_id', 'scim_external_id']).execute()
  await db.schema.createIndex('audit_log_user').on('audit_log').columns(['user_id', 'created_at']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_user').ifExists().execute()
  await db.schema.dropIndex('users_org_external').ifExists().execute()
  await db.schema.alterTable('users').dropColumn('family_name').execute()
  await db.schema.alterTable('users').dropColumn('given_name').execute()
}
