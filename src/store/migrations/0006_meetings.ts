import type { Kysely } from 'kysely'

/**
 * Meetings and what hangs off them: participants, transcripts with cues and action items,
 * recordings, meeting links, lobbies with their weekly availability, and lobby bookings.
 * `(lobby_id, start_at)` is unique on bookings: one booking per slot, also under concurrency.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('meeting_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('host_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('start_at', 'bigint')
    .addColumn('end_at', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('meetings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('title', 'text')
    .addColumn('place', 'text')
    .addColumn('room', 'text')
    .addColumn('room_type', 'text')
    .addColumn('host_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('meeting_link_id', 'text', (c) => c.references('meeting_links.id'))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('meetings_org_start').on('meetings').columns(['org_id', 'started_at', 'id']).execute()

  await db.schema
    .createTable('meeting_participants')
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('address', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('seconds', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('meeting_participants_pk', ['meeting_id', 'position'])
    .execute()
  await db.schema.createIndex('meeting_participants_address').on('meeting_participants').columns(['address', 'meeting_id']).execute()

  await db.schema
    .createTable('transcripts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id'))
    .addColumn('event_name', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('summary', 'text')
    .addColumn('meeting_link_id', 'text', (c) => c.references('meeting_links.id'))
    .addColumn('invitees', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('transcripts_org_start').on('transcripts').columns(['org_id', 'started_at', 'id']).execute()
  await db.schema.createIndex('transcripts_meeting').on('transcripts').columns(['meeting_id']).execute()

  await db.schema
    .createTable('transcript_cues')
    .addColumn('transcript_id', 'text', (c) => c.notNull().references('transcripts.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('speaker', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('start_offset', 'bigint', (c) => c.notNull())
    .addColumn('end_offset', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('transcript_cues_pk', ['transcript_id', 'seq'])
    .execute()
  await db.schema.createIndex('transcript_cues_offset').on('transcript_cues').columns(['transcript_id', 'start_offset', 'seq']).execute()

  await db.schema
    .createTable('transcript_action_items')
    .addColumn('transcript_id', 'text', (c) => c.notNull().references('transcripts.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('assignee', 'text')
    .addPrimaryKeyConstraint('transcript_action_items_pk', ['transcript_id', 'position'])
    .execute()

  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id'))
    .addColumn('transcript_id', 'text', (c) => c.references('transcripts.id'))
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('video_url', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('lobbies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('host_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('horizon_days', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('lobbies_org_handle_slug').on('lobbies').columns(['org_id', 'handle', 'slug']).unique().execute()

  await db.schema
    .createTable('lobby_availability')
    .addColumn('lobby_id', 'text', (c) => c.notNull().references('lobbies.id'))
    .addColumn('weekday', 'integer', (c) => c.notNull())
    .addColumn('start_minute', 'integer', (c) => c.notNull())
    .addColumn('end_minute', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('lobby_availability_pk', ['lobby_id', 'weekday', 'start_minute'])
    .execute()

  await db.schema
    .createTable('lobby_bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('lobby_id', 'text', (c) => c.notNull().references('lobbies.id'))
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('host_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('invitee_name', 'text', (c) => c.notNull())
    .addColumn('invitee_email', 'text', (c) => c.notNull())
    .addColumn('meeting_link_id', 'text', (c) => c.references('meeting_links.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  // One booking per slot: the database, not a read-then-write check, rules out double booking.
  await db.schema.createIndex('lobby_bookings_slot').on('lobby_bookings').columns(['lobby_id', 'start_at']).unique().execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'lobby_bookings',
    'lobby_availability',
    'lobbies',
    'recordings',
    'transcript_action_items',
    'transcript_cues',
    'transcripts',
    'meeting_participants',
    'meetings',
    'meeting_links',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
