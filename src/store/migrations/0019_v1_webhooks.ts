import type { Kysely } from 'kysely'

/**
 * Roam's `/v1` webhooks and dated versions:
 * - `messages.version`: 1 when posted, one more on every edit and on the deletion (the v1
 *   `chat.message` event carries it, so a receiver can tell create, edit and delete apart);
 * - `webhook_subscriptions.api_version`: the dated version a `/v1` subscription was made with
 *   (its deliveries' wire format); null for `/v0` and static subscriptions (bare objects);
 * - `apps.api_version`: the version an administrator pinned the client to; null follows the
 *   baseline.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute()
  await db.schema.alterTable('webhook_subscriptions').addColumn('api_version', 'text').execute()
  await db.schema.alterTable('apps').addColumn('api_version', 'text').execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('api_version').execute()
  await db.schema.alterTable('webhook_subscriptions').dropColumn('api_version').execute()
  await db.schema.alterTable('messages').dropColumn('version').execute()
}
