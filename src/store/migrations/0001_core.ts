import { sql, type Kysely } from 'kysely'
import { dialectOf } from '../dialect.js'

/**
 * Core schema for the v0 surface: organization, people, API clients and credentials, chats,
 * groups, messages with their mentions/items/reactions, thread keys, idempotency records, the
 * transactional outbox and the user audit log.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres'

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text')
    .addColumn('icon_url', 'text')
    .addColumn('personal_access_policy', 'text', (c) => c.notNull().defaultTo('approval'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text')
    .addColumn('job_title', 'text')
    .addColumn('location', 'text')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('presence_status', 'text', (c) => c.notNull().defaultTo('checkedOut'))
    .addColumn('available', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('password_hash', 'text')
    .addColumn('scim_external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deactivated_at', 'bigint')
    .execute()
  // Emails are stored lower-cased; one account per address per organization.
  await db.schema.createIndex('users_org_email').on('users').columns(['org_id', 'email']).unique().execute()
  await db.schema.createIndex('users_org_created').on('users').columns(['org_id', 'created_at', 'id']).execute()

  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('bot_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('image_url', 'text')
    .addColumn('auth_type', 'text', (c) => c.notNull())
    .addColumn('access_models', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('interactivity_url', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('signing_secret', 'text')
    .addColumn('client_secret_hash', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute()

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('lookup', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.references('apps.id'))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema.createIndex('credentials_app').on('credentials').columns(['app_id']).execute()
  await db.schema.createIndex('credentials_user').on('credentials').columns(['user_id']).execute()
  await db.schema.createIndex('credentials_grant').on('credentials').columns(['grant_id']).execute()

  await db.schema
    .createTable('chats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text')
    .addColumn('participants_key', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_ts', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('chats_participants').on('chats').columns(['org_id', 'participants_key']).unique().execute()
  await db.schema.createIndex('chats_org_started').on('chats').columns(['org_id', 'started_at', 'id']).execute()

  await db.schema
    .createTable('chat_members')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'address'])
    .execute()
  await db.schema.createIndex('chat_members_address').on('chat_members').columns(['address', 'chat_id']).execute()

  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('chat_id', 'text', (c) => c.notNull().unique().references('chats.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enforce_threads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('group_type', 'text', (c) => c.notNull().defaultTo('group'))
    .addColumn('image_url', 'text')
    .addColumn('room_key', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    .execute()
  await db.schema.createIndex('groups_room_key').on('groups').columns(['org_id', 'room_key']).unique().execute()
  await db.schema.createIndex('groups_org_created').on('groups').columns(['org_id', 'created_at', 'id']).execute()

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'address'])
    .execute()
  await db.schema.createIndex('group_members_address').on('group_members').columns(['address', 'group_id']).execute()

  await db.schema
    .createTable('messages')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id'))
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('thread_ts', 'bigint')
    .addColumn('reply_ts', 'bigint')
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('markdown', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('blocks', 'text')
    .addColumn('color', 'text')
    .addColumn('poll', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('edited_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('messages_pk', ['chat_id', 'ts'])
    .execute()
  // Keyset paging of a thread's replies (and of top-level messages, thread_ts IS NULL).
  await db.schema.createIndex('messages_thread').on('messages').columns(['chat_id', 'thread_ts', 'ts']).execute()
  // Compliance export and other time-ordered scans across chats.
  await db.schema.createIndex('messages_created').on('messages').columns(['created_at']).execute()

  await db.schema
    .createTable('message_mentions')
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_mentions_pk', ['chat_id', 'ts', 'address'])
    .addForeignKeyConstraint('message_mentions_message', ['chat_id', 'ts'], 'messages', ['chat_id', 'ts'])
    .execute()
  await db.schema.createIndex('message_mentions_address').on('message_mentions').columns(['address']).execute()

  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('uploader', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('message_items')
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_items_pk', ['chat_id', 'ts', 'item_id'])
    .addForeignKeyConstraint('message_items_message', ['chat_id', 'ts'], 'messages', ['chat_id', 'ts'])
    .execute()

  await db.schema
    .createTable('reactions')
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['chat_id', 'ts', 'name', 'address'])
    .addForeignKeyConstraint('reactions_message', ['chat_id', 'ts'], 'messages', ['chat_id', 'ts'])
    .execute()

  await db.schema
    .createTable('thread_keys')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('thread_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thread_keys_pk', ['chat_id', 'owner', 'key'])
    .execute()

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['credential_id', 'key'])
    .execute()

  await db.schema
    .createTable('outbox')
    .addColumn('seq', pg ? sql`bigint generated always as identity` : 'integer', (c) =>
      pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('routing', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_log_org_created').on('audit_log').columns(['org_id', 'created_at']).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log', 'outbox', 'idempotency_keys', 'thread_keys', 'reactions', 'message_items', 'items',
    'message_mentions', 'messages', 'group_members', 'groups', 'chat_members', 'chats', 'credentials',
    'apps', 'users', 'organizations',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
