/** Domain objects shared by actions and the API layer. Repositories map rows to these. */

export type PersonalAccessPolicy = 'disabled' | 'approval' | 'auto'

export interface Organization {
  id: string
  externalId: string
  name: string
  imageUrl: string | null
  iconUrl: string | null
  personalAccessPolicy: PersonalAccessPolicy
  createdAt: number
}

export interface User {
  id: string
  orgId: string
  email: string
  name: string
  imageUrl: string | null
  jobTitle: string | null
  location: string | null
  isAdmin: boolean
  status: 'checkedIn' | 'checkedOut'
  available: boolean
  active: boolean
  createdAt: number
  /** Structured name (SCIM `name.givenName` / `name.familyName`), when provisioned. */
  givenName: string | null
  familyName: string | null
  /** The identity provider's id for this user (SCIM `externalId`). */
  externalId: string | null
  updatedAt: number
  deactivatedAt: number | null
}

export type AccessModel = 'organization' | 'personal'
/** `relay`: a webhook relay's own app, which has no credentials; its bot posts the relay's messages. */
/**
 * How an app's credentials come about: an API key, OAuth, a webhook relay's inbox, or `personal`:
 * the bot persona of one personal access token (no credentials of its own).
 */
export type AuthType = 'api_key' | 'oauth' | 'relay' | 'personal'

export interface App {
  id: string
  orgId: string
  clientId: string
  botId: string
  name: string
  description: string | null
  imageUrl: string | null
  authType: AuthType
  accessModels: AccessModel[]
  scopes: string[]
  redirectUris: string[]
  interactivityUrl: string | null
  webhookUrl: string | null
  createdAt: number
  /** Per-client rate limit; null fields fall back to the server's defaults. */
  rateLimit?: { burst: number | null; perSecond: number | null }
  /** OAuth clients with a client secret (confidential); public clients rely on PKCE. */
  confidential?: boolean
  /** The `/v1` dated version an administrator pinned the client to; null: the baseline. */
  apiVersion?: string | null
}

/**
 * `session` is a signed-in browser (cookie) and `relay` a webhook relay's secret URL; neither is
 * stored in `credentials`.
 */
export type CredentialKind = 'api_key' | 'pat' | 'oauth_access' | 'oauth_refresh' | 'session' | 'relay'
export type CredentialStatus = 'active' | 'pending' | 'rejected' | 'revoked'

export interface Credential {
  id: string
  orgId: string
  kind: CredentialKind
  appId: string | null
  userId: string | null
  model: AccessModel
  scopes: string[]
  status: CredentialStatus
  name: string | null
  grantId: string | null
  createdAt: number
  expiresAt: number | null
  revokedAt: number | null
  /** A personal access token's bot persona (`B-<botId>`), which it posts as on `/v1`. */
  botId: string | null
}

/**
 * Who is calling. Organization credentials act as the app's bot (`B-…`); personal credentials act
 * as the user (`U-…`). `address` is the tagged chat address the principal speaks as; `author`,
 * when set, is the one its messages carry (`authorOf`).
 */
export type Principal =
  | {
      model: 'organization'
      orgId: string
      credential: Credential
      app: App
      address: string
      /**
       * Who messages are posted as, when not `address`: a personal access token's bot on `/v1`.
       * Access (membership, who may read or write a chat) is always `address`'s.
       */
      author?: string
      scopes: ReadonlySet<string>
      /** The organization as read while authenticating the request, when it was. */
      organization?: Organization
    }
  | {
      model: 'personal'
      orgId: string
      credential: Credential
      app: App | null
      user: User
      address: string
      /**
       * Who messages are posted as, when not `address`: a personal access token's bot on `/v1`.
       * Access (membership, who may read or write a chat) is always `address`'s.
       */
      author?: string
      scopes: ReadonlySet<string>
      /** The organization as read while authenticating the request, when it was. */
      organization?: Organization
    }

export type ChatKind = 'channel' | 'dm' | 'multi'

export interface Chat {
  id: string
  orgId: string
  kind: ChatKind
  /** UUID of the group, for channel chats. */
  groupId: string | null
  startedAt: number
}

export type GroupRole = 'member' | 'admin'

export interface Group {
  id: string
  orgId: string
  chatId: string
  name: string
  description: string | null
  private: boolean
  enforceThreads: boolean
  roomKey: string | null
  createdAt: number
  archivedAt: number | null
}

export interface WebhookSubscription {
  id: string
  orgId: string
  /** `app:<appId>` or `user:<userId>:<appId or credentialId>`. */
  owner: string
  model: AccessModel
  appId: string | null
  userId: string | null
  credentialId: string | null
  grantId: string | null
  scopes: string[]
  /** 'static': the app's configured webhook URL, every event; 'dynamic': webhook.subscribe. */
  kind: 'static' | 'dynamic'
  /** Dotted event name, or '*' (static). */
  event: string
  url: string
  filter: Record<string, unknown> | null
  signingSecret: string | null
  /** `/v1` subscriptions: the dated version of their deliveries' format; null for `/v0` and static ones. */
  apiVersion: string | null
  status: 'active' | 'disabled'
  consecutiveFailures: number
  disabledReason: string | null
  disabledAt: number | null
  createdAt: number
  updatedAt: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'
export type AttemptOutcome = 'ok' | 'http_error' | 'timeout' | 'network' | 'blocked'

export interface WebhookDelivery {
  /** Also the `webhook-id` header, the same on every attempt. */
  id: string
  orgId: string
  subscriptionId: string
  eventId: string
  eventType: string
  url: string
  body: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: number | null
  lastStatus: number | null
  lastError: string | null
  createdAt: number
  updatedAt: number
}

export interface WebhookAttempt {
  id: string
  deliveryId: string
  attempt: number
  outcome: AttemptOutcome
  statusCode: number | null
  latencyMs: number
  response: string | null
  error: string | null
  startedAt: number
}

export type ClickOutcome = 'clicked' | 'timeout' | 'no_response' | 'error'

export interface InteractivityClick {
  id: string
  orgId: string
  chatId: string
  ts: number
  userId: string
  appId: string
  blockId: string
  actionId: string
  value: string
  outcome: ClickOutcome
  statusCode: number | null
  latencyMs: number
  createdAt: number
}

/** A relay's color rule: the first rule whose filter expression holds for a payload gives the color. */
export interface ColorRule {
  when: string
  color: string
}

/** A URL button under a relay's message; `urlTemplate` is a Mustache template over the payload. */
export interface RelayLink {
  text: string
  urlTemplate: string
}

/**
 * A webhook relay: JSON posted to its secret URL becomes a message from the relay's bot in a
 * group's channel or in a DM / multi-DM with the recipients.
 */
export interface Relay {
  id: string
  orgId: string
  /** The relay's own app; its bot (`B-<botId>`) sends the messages under the relay's name. */
  appId: string
  botId: string
  name: string
  targetGroupId: string | null
  targetUserIds: string[]
  template: string | null
  filter: string | null
  colorRules: ColorRule[]
  link: RelayLink | null
  enabled: boolean
  receivedCount: number
  postedCount: number
  filteredCount: number
  failedCount: number
  lastReceivedAt: number | null
  lastError: string | null
  createdBy: string | null
  createdAt: number
  updatedAt: number
}

/** 'text' | 'block' | 'voice' | 'poll' (Roam's contentType) plus Atrium's 'system'. */
export type MessageContentType = 'text' | 'block' | 'voice' | 'poll' | 'system'

export interface PollOption {
  id: string
  text: string
}

export interface Poll {
  question: string
  options: PollOption[]
  allowMultipleAnswers: boolean
  /** Unix µs, or null when the poll never closes. */
  closesAt: number | null
}

/** A chat message, keyed by (chat, µs timestamp). */
export interface Message {
  chatId: string
  ts: number
  /** Tagged address of the sender (`U-…`, `B-…`). */
  sender: string
  /** Key of the thread's parent (channel threads). */
  threadTs: number | null
  /** Key of the message replied to (DMs and multi-DMs, which have no threads). */
  replyTs: number | null
  contentType: MessageContentType
  text: string | null
  markdown: boolean
  blocks: unknown[] | null
  color: string | null
  poll: Poll | null
  /** The bot persona an app sent the message as (HQ v1 `chat.sendMessage` `sender`), if any. */
  persona: MessagePersona | null
  createdAt: number
  editedAt: number | null
  deletedAt: number | null
  /** 1 when posted, +1 on every edit and on the deletion (v1 `chat.message` `version`). */
  version: number
}

/** A name an app's bot posts under: Roam's `MessageSender` (`id` ≤ 16 characters, `name`, `imageUrl`). */
export interface MessagePersona {
  id: string
  name: string | null
  imageUrl: string | null
}

export type ItemType = 'photo' | 'blob'

/** An uploaded file that messages can attach. */
export interface Item {
  id: string
  orgId: string
  uploader: string
  type: ItemType
  mime: string
  name: string
  size: number
  width: number | null
  height: number | null
  storageKey: string
  createdAt: number
}

export interface MessageReaction {
  chatId: string
  ts: number
  name: string
  /** Who reacted (`U-…`, `B-…`). */
  address: string
  createdAt: number
}

/** Display information about a chat address (a user or an app's bot). */
export interface AddressProfile {
  address: string
  kind: 'user' | 'bot'
  name: string
  imageUrl: string | null
  email: string | null
  /** Bots: the app's client id and description. */
  integrationId: string | null
  detail: string | null
}

export interface MeetingParticipant {
  userId: string | null
  /** `U-…` for members of the Roam; null for guests. */
  address: string | null
  name: string
  email: string | null
  kind: 'member' | 'guest'
  /** Time spent in the meeting. */
  seconds: number
}

export interface Meeting {
  id: string
  orgId: string
  title: string | null
  place: string | null
  room: string | null
  roomType: string | null
  hostUserId: string | null
  meetingLinkId: string | null
  startedAt: number
  /** Null while the meeting runs. */
  endedAt: number | null
  participants: MeetingParticipant[]
}

export interface TranscriptCue {
  speaker: string
  text: string
  /** Milliseconds from the transcript's start. */
  startOffset: number
  endOffset: number
}

export interface TranscriptActionItem {
  title: string
  description: string | null
  assignee: string | null
}

export interface Transcript {
  id: string
  orgId: string
  meetingId: string
  eventName: string | null
  startedAt: number
  /** Null while the transcript is live. */
  endedAt: number | null
  summary: string | null
  meetingLinkId: string | null
  invitees: string[]
  participants: MeetingParticipant[]
}

export interface Recording {
  id: string
  orgId: string
  meetingId: string
  transcriptId: string | null
  location: string
  videoUrl: string
  startedAt: number
  endedAt: number
}

export interface MeetingLink {
  id: string
  orgId: string
  name: string
  hostUserId: string
  startAt: number | null
  endAt: number | null
  createdBy: string
  createdAt: number
}

export interface AvailabilityWindow {
  /** 0 = Sunday … 6 = Saturday, in the lobby's time zone. */
  weekday: number
  /** Minutes after local midnight, end exclusive. */
  startMinute: number
  endMinute: number
}

export interface Lobby {
  id: string
  orgId: string
  handle: string
  slug: string
  displayName: string
  active: boolean
  hostUserId: string
  durationMinutes: number
  timeZone: string
  horizonDays: number
  availability: AvailabilityWindow[]
  createdAt: number
}

export interface LobbyBooking {
  id: string
  orgId: string
  lobbyId: string
  startAt: number
  endAt: number
  status: string
  timeZone: string
  notes: string | null
  hostUserId: string
  inviteeName: string
  inviteeEmail: string
  meetingLinkId: string | null
  createdAt: number
}

/** A date-range page request: `ascending` when `after` was given (oldest first). */
export interface DateRangePage {
  after: number | undefined
  before: number | undefined
  ascending: boolean
  /** Keyset position: the last row of the previous page. */
  from: { at: number; id: string } | undefined
  limit: number
}

/** The address a principal's messages, uploads, typing and thread keys are recorded under. */
export function authorOf(principal: Principal): string {
  return principal.author ?? principal.address
}
