import type { Kysely } from 'kysely'

/**
 * Webhook relays: a secret inbound URL whose JSON payloads become chat messages. Replaces the
 * placeholder `relays` table of 0005, which nothing ever wrote, with the shape relays need: a group
 * or a list of recipients as target, a filter and color rules as expressions, a link button, an
 * on/off switch and delivery counters.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('relays').ifExists().execute()
  await db.schema
    .createTable('relays')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    // The relay's own app (auth_type 'relay'), whose bot posts the messages under the relay's name.
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_group_id', 'text')
    // JSON array of user ids (DM with one, multi-DM with several); [] when the target is a group.
    .addColumn('target_user_ids', 'text', (c) => c.notNull())
    .addColumn('template', 'text')
    .addColumn('filter', 'text')
    // JSON array of {when, color}.
    .addColumn('color_rules', 'text', (c) => c.notNull())
    // JSON {text, urlTemplate}.
    .addColumn('link', 'text')
    // Public half of the URL token (indexed) and the SHA-256 of the secret half.
    .addColumn('lookup', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('received_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('posted_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('filtered_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_received_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute()
  await db.schema.createIndex('relays_org_created').on('relays').columns(['org_id', 'created_at', 'id']).execute()
}

/** Back to the 0005 placeholder table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('relays').ifExists().execute()
  await db.schema
    .createTable('relays')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('target_group_id', 'text')
    .addColumn('target_emails', 'text', (c) => c.notNull())
    .addColumn('template', 'text')
    .addColumn('color', 'text')
    .addColumn('color_rules', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('filter', 'text')
    .addColumn('lookup', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('received_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_received_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute()
  await db.schema.createIndex('relays_org_created').on('relays').columns(['org_id', 'created_at', 'id']).execute()
}
