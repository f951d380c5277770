import type { Generated } from 'kysely'

/**
 * Row types of every table, as Kysely sees them. Conventions shared by both dialects:
 * - ids are lower-case UUID text; chat participants are stored as tagged addresses (`U-…`, `B-…`);
 * - instants are integer Unix microseconds (`*_at`, `ts`);
 * - flags are integers 0/1; structured values are JSON text.
 * Repositories map rows to domain objects; nothing outside `store/` sees these types.
 */
export interface Database {
  organizations: OrganizationsTable
  users: UsersTable
  apps: AppsTable
  credentials: CredentialsTable
  chats: ChatsTable
  chat_members: ChatMembersTable
  groups: GroupsTable
  group_members: GroupMembersTable
  messages: MessagesTable
  message_search: MessageSearchTable
  message_mentions: MessageMentionsTable
  items: ItemsTable
  message_items: MessageItemsTable
  reactions: ReactionsTable
  thread_keys: ThreadKeysTable
  idempotency_keys: IdempotencyKeysTable
  outbox: OutboxTable
  audit_log: AuditLogTable
  sessions: SessionsTable
  signin_links: SigninLinksTable
  server_secrets: ServerSecretsTable
  oauth_grants: OAuthGrantsTable
  oauth_codes: OAuthCodesTable
  file_blobs: FileBlobsTable
  office_rooms: OfficeRoomsTable
  office_presence: OfficePresenceTable
  chat_reads: ChatReadsTable
  poll_votes: PollVotesTable
  notification_settings: NotificationSettingsTable
  chat_mutes: ChatMutesTable
  message_streams: MessageStreamsTable

  webhook_subscriptions: WebhookSubscriptionsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
  event_cursors: EventCursorsTable
  interactivity_clicks: InteractivityClicksTable
  relays: RelaysTable
  meeting_links: MeetingLinksTable
  meetings: MeetingsTable
  meeting_participants: MeetingParticipantsTable
  transcripts: TranscriptsTable
  transcript_cues: TranscriptCuesTable
  transcript_action_items: TranscriptActionItemsTable
  recordings: RecordingsTable
  lobbies: LobbiesTable
  lobby_availability: LobbyAvailabilityTable
  lobby_bookings: LobbyBookingsTable
}

export interface OrganizationsTable {
  id: string
  external_id: string
  name: string
  image_url: string | null
  icon_url: string | null
  /** 'disabled' | 'approval' | 'auto' */
  personal_access_policy: Generated<string>
  created_at: number
}

export interface UsersTable {
  id: string
  org_id: string
  email: string
  name: string
  image_url: string | null
  job_title: string | null
  location: string | null
  is_admin: Generated<number>
  /** 'checkedIn' | 'checkedOut' */
  presence_status: Generated<string>
  available: Generated<number>
  active: Generated<number>
  password_hash: string | null
  scim_external_id: string | null
  /** Structured name as provisioned through SCIM (0003); `name` is the display name. */
  given_name: string | null
  family_name: string | null
  created_at: number
  updated_at: number
  deactivated_at: number | null
}

export interface AppsTable {
  id: string
  org_id: string
  /** Public client id (Roam's `integrationId`). */
  client_id: string
  /** UUID of the app's bot address (`B-…`). */
  bot_id: string
  name: string
  description: string | null
  image_url: string | null
  /** 'api_key' | 'oauth' */
  auth_type: string
  /** JSON array of 'organization' | 'personal'. */
  access_models: string
  /** Space-separated scopes the client may hold. */
  scopes: string
  /** JSON array of exact redirect URIs. */
  redirect_uris: string
  interactivity_url: string | null
  webhook_url: string | null
  signing_secret: string | null
  client_secret_hash: string | null
  created_by: string | null
  created_at: number
  deleted_at: number | null
  /** Per-client rate limit override (null: the server default). */
  rate_limit_burst: number | null
  rate_limit_per_second: number | null
  /** The `/v1` version an administrator pinned the client to (null: the baseline). */
  api_version: Generated<string | null>
}

export interface CredentialsTable {
  id: string
  org_id: string
  /** 'api_key' | 'pat' | 'oauth_access' | 'oauth_refresh' */
  kind: string
  /** Public half of the bearer secret; unique. */
  lookup: string
  secret_hash: string
  app_id: string | null
  user_id: string | null
  /** 'organization' | 'personal' */
  model: string
  scopes: string
  /** 'active' | 'pending' | 'rejected' | 'revoked' */
  status: string
  name: string | null
  /** Ties an OAuth access token to its refresh token. */
  grant_id: string | null
  created_at: number
  expires_at: number | null
  last_used_at: number | null
  revoked_at: number | null
  /** Administrator who approved or rejected a personal access token, and when. */
  decided_by: string | null
  decided_at: number | null
  /** A personal access token's bot persona: the `bot_id` of its app row (auth_type 'personal'). */
  bot_id: string | null
}

export interface ChatsTable {
  id: string
  org_id: string
  /** 'channel' | 'dm' | 'multi' */
  kind: string
  group_id: string | null
  /** Sorted participant addresses for DMs and multi-DMs, so each set has one chat. */
  participants_key: string | null
  started_at: number
  /** Highest message key handed out in this chat (allocation of increasing µs keys). */
  last_ts: Generated<number>
}

export interface ChatMembersTable {
  chat_id: string
  address: string
  joined_at: number
}

export interface GroupsTable {
  id: string
  org_id: string
  chat_id: string
  name: string
  description: string | null
  private: Generated<number>
  enforce_threads: Generated<number>
  /** 'group' | 'roam' (all-hands) */
  group_type: Generated<string>
  image_url: string | null
  /** Roomlio's external room key, unique per organization. */
  room_key: string | null
  created_by: string | null
  created_at: number
  archived_at: number | null
}

export interface GroupMembersTable {
  group_id: string
  address: string
  /** 'member' | 'admin' */
  role: string
  added_at: number
}

export interface MessagesTable {
  chat_id: string
  /** Message key: Unix µs, unique and increasing within the chat. */
  ts: number
  sender: string
  thread_ts: number | null
  reply_ts: number | null
  /** 'text' | 'block' | 'voice' | 'poll' | 'system' */
  content_type: string
  text: string | null
  markdown: Generated<number>
  blocks: string | null
  color: string | null
  poll: string | null
  /** JSON MessagePersona: the bot persona of an HQ v1 message, or null. */
  persona: string | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
  /** 1 when posted, +1 on every edit and on the deletion. */
  version: Generated<number>
}

/**
 * The search index's row per live message (migration 0016). On SQLite `id` is the rowid of the
 * message's words in the FTS5 table `message_search_fts`; on PostgreSQL `words` is the tsvector
 * (GIN-indexed) and there is no `id`. Only repos/messages.ts reads or writes it.
 */
export interface MessageSearchTable {
  chat_id: string
  ts: number
}

export interface MessageMentionsTable {
  chat_id: string
  ts: number
  /** Tagged address, or 'all'. */
  address: string
}

export interface ItemsTable {
  id: string
  org_id: string
  uploader: string
  /** 'photo' | 'blob' */
  type: string
  mime: string
  name: string
  size: number
  width: number | null
  height: number | null
  storage_key: string
  created_at: number
}

export interface MessageItemsTable {
  chat_id: string
  ts: number
  item_id: string
  position: number
}

export interface ReactionsTable {
  chat_id: string
  ts: number
  name: string
  address: string
  created_at: number
}

export interface ThreadKeysTable {
  chat_id: string
  /** Address that owns the key (the posting bot or user). */
  owner: string
  key: string
  thread_ts: number
}

export interface IdempotencyKeysTable {
  credential_id: string
  key: string
  request_hash: string
  status: number
  body: string
  created_at: number
}

export interface OutboxTable {
  seq: Generated<number>
  id: string
  org_id: string
  /** Dotted event name, e.g. 'chat.message.channel'. */
  type: string
  payload: string
  /** JSON with what routing needs (chat, audience addresses, mentions, lobby id…). */
  routing: string
  created_at: number
}

export interface AuditLogTable {
  id: string
  org_id: string
  user_id: string | null
  event_type: string
  data: string
  created_at: number
}

export interface SessionsTable {
  /** SHA-256 of the session cookie value. */
  id: string
  org_id: string
  user_id: string
  created_at: number
  expires_at: number
}

/** Secrets the server generated for itself (e.g. `cookie`), shared by every process on the database. */
export interface ServerSecretsTable {
  name: string
  value: string
  created_at: number
}

export interface SigninLinksTable {
  /** SHA-256 of the link's token. */
  id: string
  org_id: string
  user_id: string
  created_at: number
  expires_at: number
  used_at: number | null
}

export interface OAuthGrantsTable {
  id: string
  org_id: string
  app_id: string
  /** The consenting user (an administrator for organization grants). */
  user_id: string
  /** 'organization' | 'personal' */
  model: string
  scopes: string
  /** 'active' | 'pending' | 'rejected' | 'revoked' */
  status: string
  created_at: number
  decided_at: number | null
  revoked_at: number | null
}

export interface OAuthCodesTable {
  /** SHA-256 of the authorization code. */
  id: string
  org_id: string
  app_id: string
  user_id: string
  model: string
  scopes: string
  redirect_uri: string
  code_challenge: string | null
  code_challenge_method: string | null
  created_at: number
  expires_at: number
}

export interface OfficeRoomsTable {
  id: string
  org_id: string
  number: number
  name: string
  group_id: string | null
  position: number
  created_at: number
}

export interface OfficePresenceTable {
  user_id: string
  org_id: string
  room_id: string | null
  position_number: number | null
  /** 'online' | 'away' | 'offline' */
  presence: Generated<string>
  updated_at: number
}

export interface ChatReadsTable {
  address: string
  chat_id: string
  /** Key of the newest message the person has seen. */
  read_ts: number
}

export interface NotificationSettingsTable {
  /** The person (`U-…`). */
  address: string
  org_id: string
  /** 'all' | 'mentions_and_dms' | 'nothing' */
  level: string
  updated_at: number
}

export interface MessageStreamsTable {
  id: string
  org_id: string
  chat_id: string
  /** Key of the streamed message. */
  ts: number
  /** Who may append and stop: the starting credential's address (`B-…` or `U-…`). */
  owner: string
  /** 'text' | 'thinking' */
  kind: string
  created_at: number
  last_active_at: number
  finished_at: number | null
}

export interface ChatMutesTable {
  address: string
  chat_id: string
  muted_at: number
}

export interface PollVotesTable {
  chat_id: string
  ts: number
  address: string
  option_id: string
  voted_at: number
}

/** Uploaded file bytes by storage key (the file storage on PostgreSQL). */
export interface FileBlobsTable {
  key: string
  bytes: Buffer
  size: number
  created_at: number
}

export interface WebhookSubscriptionsTable {
  id: string
  org_id: string
  /** `app:<appId>` or `user:<userId>:<appId or credentialId>`; unique with (event, url). */
  owner: string
  /** 'organization' | 'personal' */
  model: string
  app_id: string | null
  user_id: string | null
  credential_id: string | null
  grant_id: string | null
  /** Space-separated scopes of the subscribing grant (they gate payload fields). */
  scopes: string
  /** 'static' (the app's webhook URL, every event) | 'dynamic' (webhook.subscribe) */
  kind: string
  /** Dotted event name, or '*' for a static subscription. */
  event: string
  url: string
  filter: string | null
  /** Per-subscription secret when the grant has no app (personal access tokens). */
  signing_secret: string | null
  /** `/v1` subscriptions: the dated version their deliveries follow; null: `/v0` (bare objects). */
  api_version: Generated<string | null>
  /** 'active' | 'disabled' */
  status: Generated<string>
  consecutive_failures: Generated<number>
  disabled_reason: string | null
  disabled_at: number | null
  created_at: number
  updated_at: number
}

export interface WebhookDeliveriesTable {
  /** Also the `webhook-id` header. */
  id: string
  org_id: string
  subscription_id: string
  event_id: string
  event_type: string
  url: string
  /** The exact body sent on every attempt. */
  body: string
  /** 'pending' | 'delivered' | 'failed' */
  status: string
  attempts: Generated<number>
  next_attempt_at: number | null
  lease_owner: string | null
  lease_until: number | null
  last_status: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export interface WebhookAttemptsTable {
  id: string
  delivery_id: string
  attempt: number
  /** 'ok' | 'http_error' | 'timeout' | 'network' | 'blocked' */
  outcome: string
  status_code: number | null
  latency_ms: number
  /** Response body, truncated. */
  response: string | null
  error: string | null
  started_at: number
}

export interface EventCursorsTable {
  name: string
  /** Highest outbox seq fanned out. */
  seq: number
  updated_at: number
}

export interface InteractivityClicksTable {
  id: string
  org_id: string
  chat_id: string
  ts: number
  user_id: string
  app_id: string
  block_id: string
  action_id: string
  value: string
  /** 'clicked' | 'timeout' | 'no_response' | 'error' */
  outcome: string
  status_code: number | null
  latency_ms: number
  created_at: number
}

export interface RelaysTable {
  id: string
  org_id: string
  app_id: string
  name: string
  target_group_id: string | null
  /** JSON array of user ids that receive the relay's messages (one: a DM; several: a multi-DM). */
  target_user_ids: string
  template: string | null
  filter: string | null
  /** JSON array of {when, color}. */
  color_rules: string
  /** JSON {text, urlTemplate}. */
  link: string | null
  lookup: string
  secret_hash: string
  enabled: Generated<number>
  received_count: Generated<number>
  posted_count: Generated<number>
  filtered_count: Generated<number>
  failed_count: Generated<number>
  last_received_at: number | null
  last_error: string | null
  created_by: string | null
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface MeetingLinksTable {
  id: string
  org_id: string
  name: string
  host_user_id: string
  start_at: number | null
  end_at: number | null
  /** Tagged address of the creator (`B-…` or `U-…`). */
  created_by: string
  created_at: number
  updated_at: number
}

export interface MeetingsTable {
  id: string
  org_id: string
  title: string | null
  place: string | null
  room: string | null
  room_type: string | null
  host_user_id: string | null
  meeting_link_id: string | null
  started_at: number
  /** Null while the meeting runs. */
  ended_at: number | null
  created_at: number
}

export interface MeetingParticipantsTable {
  meeting_id: string
  position: number
  user_id: string | null
  /** `U-…` for members, null for guests. */
  address: string | null
  name: string
  email: string | null
  /** 'member' | 'guest' */
  kind: string
  seconds: number
}

export interface TranscriptsTable {
  id: string
  org_id: string
  meeting_id: string
  event_name: string | null
  started_at: number
  /** Null while the transcript is live. */
  ended_at: number | null
  summary: string | null
  meeting_link_id: string | null
  /** JSON array of invitee emails. */
  invitees: Generated<string>
  created_at: number
}

export interface TranscriptCuesTable {
  transcript_id: string
  seq: number
  speaker: string
  text: string
  /** Milliseconds from the transcript's start. */
  start_offset: number
  end_offset: number
}

export interface TranscriptActionItemsTable {
  transcript_id: string
  position: number
  title: string
  description: string | null
  /** Tagged user address when known, else the speaker's name. */
  assignee: string | null
}

export interface RecordingsTable {
  id: string
  org_id: string
  meeting_id: string
  transcript_id: string | null
  location: string
  video_url: string
  started_at: number
  ended_at: number
  created_at: number
}

export interface LobbiesTable {
  id: string
  org_id: string
  handle: string
  slug: Generated<string>
  display_name: string
  active: Generated<number>
  host_user_id: string
  duration_minutes: number
  /** IANA zone the weekly availability is expressed in. */
  time_zone: string
  /** How many days ahead slots are offered. */
  horizon_days: number
  created_at: number
}

export interface LobbyAvailabilityTable {
  lobby_id: string
  /** 0 = Sunday … 6 = Saturday, in the lobby's time zone. */
  weekday: number
  /** Minutes after local midnight. */
  start_minute: number
  end_minute: number
}

export interface LobbyBookingsTable {
  id: string
  org_id: string
  lobby_id: string
  start_at: number
  end_at: number
  /** 'active' */
  status: string
  time_zone: string
  notes: string | null
  host_user_id: string
  invitee_name: string
  invitee_email: string
  meeting_link_id: string | null
  created_at: number
}
