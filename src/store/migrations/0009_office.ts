import type { Kysely } from 'kysely'

/**
 * The virtual office: rooms on the floor (arranged by administrators, optionally backed by a
 * group whose chat is the room's chat) and where each person is and whether they are online.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('office_rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    // Roam's audit log identifies rooms by integer (`data.location.roomId`).
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('office_rooms_org_number', ['org_id', 'number'])
    .execute()
  await db.schema.createIndex('office_rooms_org_position').on('office_rooms').columns(['org_id', 'position']).execute()

  await db.schema
    .createTable('office_presence')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('position_number', 'integer')
    /** 'online' | 'away' | 'offline' */
    .addColumn('presence', 'text', (c) => c.notNull().defaultTo('offline'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('office_presence_room').on('office_presence').columns(['org_id', 'room_id']).execute()

  // How far each person has read each chat (unread counts in the client's sidebar).
  await db.schema
    .createTable('chat_reads')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('read_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_reads_pk', ['address', 'chat_id'])
    .execute()

  // Poll votes: one row per (message, voter, option).
  await db.schema
    .createTable('poll_votes')
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('option_id', 'text', (c) => c.notNull())
    .addColumn('voted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('poll_votes_pk', ['chat_id', 'ts', 'address', 'option_id'])
    .execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('poll_votes').execute()
  await db.schema.dropTable('chat_reads').execute()
  await db.schema.dropTable('office_presence').execute()
  await db.schema.dropTable('office_rooms').execute()
}
