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
