import type { Kysely } from 'kysely'

/**
 * Access: signed-in browser sessions, OAuth authorization codes and grants (one grant per
 * consent; its access and refresh tokens are credentials with `grant_id`), and per-client rate
 * limit overrides.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    // SHA-256 of the session cookie's value; the cookie itself is never stored.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id']).execute()

  await db.schema
    .createTable('oauth_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema.createIndex('oauth_grants_app').on('oauth_grants').columns(['app_id']).execute()
  await db.schema.createIndex('oauth_grants_org_status').on('oauth_grants').columns(['org_id', 'status', 'created_at']).execute()

  await db.schema
    .createTable('oauth_codes')
    // SHA-256 of the authorization code.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text')
    .addColumn('code_challenge_method', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema.alterTable('apps').addColumn('rate_limit_burst', 'integer').execute()
  await db.schema.alterTable('apps').addColumn('rate_limit_per_second', 'double precision').execute()
  await db.schema.alterTable('credentials').addColumn('decided_by', 'text').execute()
  await db.schema.alterTable('credentials').addColumn('decided_at', 'bigint').execute()
  await db.schema.createIndex('credentials_org_kind_status').on('credentials').columns(['org_id', 'kind', 'status', 'created_at']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('credentials_org_kind_status').ifExists().execute()
  await db.schema.alterTable('credentials').dropColumn('decided_at').execute()
  await db.schema.alterTable('credentials').dropColumn('decided_by').execute()
  await db.schema.alterTable('apps').dropColumn('rate_limit_per_second').execute()
  await db.schema.alterTable('apps').dropColumn('rate_limit_burst').execute()
  for (const table of ['oauth_codes', 'oauth_grants', 'sessions']) await db.schema.dropTable(table).ifExists().execute()
}
