import { randomBytes } from 'node:crypto'
import type { Context } from '../context.js'
import type { AccessModel, App, Credential } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import type { Scope } from '../scopes.js'
import { issueSecret, randomToken } from '../secrets.js'
import type { Executor } from '../store/db.js'
import { insertApp } from '../store/repos/apps.js'
import { insertCredential } from '../store/repos/credentials.js'
import { nowMicros } from '../time.js'

export interface CreateApiKeyClientInput {
  name: string
  description?: string | null
  scopes: Scope[]
  createdBy?: string | null
  interactivityUrl?: string | null
  webhookUrl?: string | null
}

export interface CreatedApiKeyClient {
  app: App
  credential: Credential
  /** The bearer key; shown once, stored only as a digest. */
  apiKey: string
  signingSecret: string
}

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/**
 * Creates an API client with authorization type "API key": the app, its bot address and one
 * organization API key (`rmk-…`) holding the given scopes.
 */
export async function createApiKeyClient(
  ctx: Context,
  orgId: string,
  input: CreateApiKeyClientInput,
  tx?: Executor,
): Promise<CreatedApiKeyClient> {
  const name = input.name.trim()
  if (name === '' || name.length > 64) fail('invalid_request', 'name: must be 1 to 64 characters')
  const run = async (db: Executor): Promise<CreatedApiKeyClient> => {
    const now = nowMicros()
    const signingSecret = newSigningSecret()
    const accessModels: AccessModel[] = ['organization']
    const app = await insertApp(db, {
      id: newId(),
      orgId,
      clientId: `app_${randomToken(20).toLowerCase()}`,
      botId: newId(),
      name,
      description: input.description ?? null,
      authType: 'api_key',
      accessModels,
      scopes: input.scopes,
      redirectUris: [],
      interactivityUrl: input.interactivityUrl ?? null,
      webhookUrl: input.webhookUrl ?? null,
      signingSecret,
      clientSecretHash: null,
      createdBy: input.createdBy ?? null,
      createdAt: now,
    })
    const secret = issueSecret('rmk-')
    const credential = await insertCredential(db, {
      id: newId(),
      orgId,
      kind: 'api_key',
      lookup: secret.lookup,
      secretHash: secret.hash,
      appId: app.id,
      userId: null,
      model: 'organization',
      scopes: input.scopes,
      status: 'active',
      name: `${name} API key`,
      grantId: null,
      createdAt: now,
      expiresAt: null,
    })
    return { app, credential, apiKey: secret.token, signingSecret }
  }
  return tx ? run(tx) : ctx.db.transaction().execute(run)
}
