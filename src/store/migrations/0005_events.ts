import type { Kysely } from 'kysely'

/**
 * Events: webhook subscriptions (static and dynamic), one delivery per (event, subscription) with
 * its attempts, the dispatcher's outbox cursor, interactivity clicks and webhook relays.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    // Who owns it: `app:<appId>` for an organization app, `user:<userId>:<app id or credential id>` for a personal grant.
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('credential_id', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('filter', 'text')
    .addColumn('signing_secret', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_subscriptions_owner').on('webhook_subscriptions').columns(['owner', 'event', 'url']).unique().execute()
  await db.schema.createIndex('webhook_subscriptions_org').on('webhook_subscriptions').columns(['org_id', 'event']).execute()

  await db.schema
    .createTable('webhook_deliveries')
    // The delivery id is the `webhook-id` header: the same on every attempt and replay.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // 'pending' | 'delivered' | 'failed'
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_deliveries_event_sub').on('webhook_deliveries').columns(['event_id', 'subscription_id']).unique().execute()
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('webhook_deliveries_sub_created').on('webhook_deliveries').columns(['subscription_id', 'created_at', 'id']).execute()
  await db.schema.createIndex('webhook_deliveries_org_created').on('webhook_deliveries').columns(['org_id', 'created_at', 'id']).execute()

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    // 'ok' | 'http_error' | 'timeout' | 'network' | 'blocked'
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute()

  await db.schema
    .createTable('event_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('interactivity_clicks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('block_id', 'text', (c) => c.notNull())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // 'clicked' | 'timeout' | 'no_response' | 'error'
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('interactivity_clicks_message').on('interactivity_clicks').columns(['chat_id', 'ts', 'user_id', 'created_at']).execute()

  await db.schema
    .createTable('relays')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    // The app whose bot posts the relay's messages (auth_type 'relay').
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['relays', 'interactivity_clicks', 'event_cursors', 'webhook_attempts', 'webhook_deliveries', 'webhook_subscriptions']) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
