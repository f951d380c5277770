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
}

export type AccessModel = 'organization' | 'personal'
export type AuthType = 'api_key' | 'oauth'

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
}

/** `session` is a signed-in browser (cookie), never stored in `credentials`. */
export type CredentialKind = 'api_key' | 'pat' | 'oauth_access' | 'oauth_refresh' | 'session'
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
}

/**
 * Who is calling. Organization credentials act as the app's bot (`B-…`); personal credentials act
 * as the user (`U-…`). `address` is the tagged chat address the principal speaks as.
 */
export type Principal =
  | {
      model: 'organization'
      orgId: string
      credential: Credential
      app: App
      address: string
      scopes: ReadonlySet<string>
    }
  | {
      model: 'personal'
      orgId: string
      credential: Credential
      app: App | null
      user: User
      address: string
      scopes: ReadonlySet<string>
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
