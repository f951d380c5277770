import type { Kysely } from 'kysely'

/**
 * Indexes for upload quotas (stored bytes per organization and per uploader) and for the sweeps:
 * uploads never attached to a message, expired sessions and sign-in links.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('items_org_uploader').on('items').columns(['org_id', 'uploader']).execute()
  await db.schema.createIndex('items_created').on('items').columns(['created_at']).execute()
  await db.schema.createIndex('message_items_item').on('message_items').columns(['item_id']).execute()
  await db.schema.createIndex('sessions_expires').on('sessions').columns(['expires_at']).execute()
  await db.schema.createIndex('signin_links_expires').on('signin_links').columns(['expires_at']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['signin_links_expires', 'sessions_expires', 'message_items_item', 'items_created', 'items_org_uploader']) {
    await db.schema.dropIndex(name).execute()
  }
}
