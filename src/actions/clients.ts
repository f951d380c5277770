import { randomBytes } from 'node:crypto'
import type { Context } from '../context.js'
import type { AccessModel, App, Credential } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import type { Scope } from '../scopes.js'
import { checkOutboundUrl } from '../net/outbound.js'
import { digest, issueSecret, randomToken } from '../secrets.js'
import type { Executor } from '../store/db.js'
import { findAppByClientId, insertApp, listApps, markAppDeleted, setAppApiVersion, setAppRateLimit, setAppSigningSecret, updateAppUrls } from '../store/repos/apps.js'
import { apiVersionProblem } from '../api-versions.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import { insertCredential, listCredentials, setCredentialStatus } from '../store/repos/credentials.js'
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
  if (input.interactivityUrl) checkUrl('interactivityUrl', input.interactivityUrl)
  if (input.webhookUrl) checkUrl('webhookUrl', input.webhookUrl)
  await checkDestinations(ctx, input)
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

export interface CreateOAuthClientInput {
  name: string
  description?: string | null
  scopes: Scope[]
  redirectUris: string[]
  /** Access models the client may be granted; both by default. */
  accessModels?: AccessModel[]
  /** Public clients (native, single-page) have no secret and must use PKCE. */
  public?: boolean
  createdBy?: string | null
  interactivityUrl?: string | null
  webhookUrl?: string | null
}

export interface CreatedOAuthClient {
  app: App
  /** Shown once; absent for public clients. */
  clientSecret?: string
  signingSecret: string
}

const REDIRECT_URIS_MAX = 10

function checkUrl(field: string, value: string, opts: { redirect?: boolean } = {}): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail('invalid_request', `${field}: "${value}" is not an absolute URL`)
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (loopback || !opts.redirect))) {
    fail('invalid_request', `${field}: must be https (or http on localhost / 127.0.0.1)`)
  }
  if (opts.redirect && url.hash !== '') fail('invalid_request', `${field}: must not contain a fragment`)
}

/**
 * Atrium calls a client's Interactivity and webhook URLs itself, so they pass the outbound guard
 * when they are saved: a private or loopback destination is refused now, with the setting that
 * allows it, rather than failing on every later click or delivery. (A name that does not resolve
 * yet is accepted; the guard checks it again on every request.)
 */
async function checkDestinations(ctx: Context, urls: { interactivityUrl?: string | null; webhookUrl?: string | null }): Promise<void> {
  for (const field of ['interactivityUrl', 'webhookUrl'] as const) {
    const value = urls[field]
    if (!value) continue
    const problem = await checkOutboundUrl(value, ctx.config.allowPrivateUrls, { unresolvable: 'accept' })
    if (problem) fail('invalid_request', `${field}: ${problem}`)
  }
}

/**
 * Creates an API client with authorization type "OAuth": the app and its bot address, a client
 * secret (`rmc-…`, stored as a digest) unless the client is public, and exact redirect URIs.
 */
export async function createOAuthClient(ctx: Context, orgId: string, input: CreateOAuthClientInput): Promise<CreatedOAuthClient> {
  const name = input.name.trim()
  if (name === '' || name.length > 64) fail('invalid_request', 'name: must be 1 to 64 characters')
  if (input.redirectUris.length === 0) fail('invalid_request', 'redirectUris: an OAuth client needs at least one redirect URI')
  if (input.redirectUris.length > REDIRECT_URIS_MAX) fail('invalid_request', `redirectUris: at most ${REDIRECT_URIS_MAX}`)
  input.redirectUris.forEach((u) => checkUrl('redirectUris', u, { redirect: true }))
  if (input.interactivityUrl) checkUrl('interactivityUrl', input.interactivityUrl)
  if (input.webhookUrl) checkUrl('webhookUrl', input.webhookUrl)
  await checkDestinations(ctx, input)
  const accessModels = [...new Set(input.accessModels ?? (['organization', 'personal'] as AccessModel[]))]
  if (accessModels.length === 0) fail('invalid_request', 'accessModels: name organization, personal or both')
  const secret = input.public ? undefined : issueSecret('rmc-')
  const signingSecret = newSigningSecret()
  const app = await insertApp(ctx.db, {
    id: newId(),
    orgId,
    clientId: `app_${randomToken(20).toLowerCase()}`,
    botId: newId(),
    name,
    description: input.description ?? null,
    authType: 'oauth',
    accessModels,
    scopes: input.scopes,
    redirectUris: [...new Set(input.redirectUris)],
    interactivityUrl: input.interactivityUrl ?? null,
    webhookUrl: input.webhookUrl ?? null,
    signingSecret,
    clientSecretHash: secret ? digest(secret.token) : null,
    createdBy: input.createdBy ?? null,
    createdAt: nowMicros(),
  })
  return { app: { ...app, confidential: !!secret }, ...(secret ? { clientSecret: secret.token } : {}), signingSecret }
}

/** Every live API client of the organization. */
export async function listClients(ctx: Context, orgId: string): Promise<App[]> {
  return listApps(ctx.db, orgId)
}

/** Deletes an API client: its keys, tokens and grants stop working at once. */
export async function deleteClient(ctx: Context, orgId: string, clientId: string, by: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const app = await liveClient(tx, orgId, clientId)
    const now = nowMicros()
    await markAppDeleted(tx, app.id, now)
    for (const c of await listCredentials(tx, orgId, { appId: app.id })) {
      if (c.status !== 'revoked') await setCredentialStatus(tx, c.id, 'revoked', now)
    }
    await insertAuditEntry(tx, { orgId, userId: by, eventType: 'API_CLIENT_DELETED', data: { clientId }, createdAt: now })
  })
}

/** Sets (or clears, with nulls) a client's own rate limit. */
export async function setClientRateLimit(ctx: Context, orgId: string, clientId: string, burst: number | null, perSecond: number | null): Promise<App> {
  if (burst !== null && (!Number.isInteger(burst) || burst < 1 || burst > 100_000)) fail('invalid_request', 'rateLimitBurst: must be an integer from 1 to 100000')
  if (perSecond !== null && (!(perSecond > 0) || perSecond > 100_000)) fail('invalid_request', 'rateLimitPerSecond: must be above 0 and at most 100000')
  const app = await liveClient(ctx.db, orgId, clientId)
  await setAppRateLimit(ctx.db, app.id, burst, perSecond)
  return { ...app, rateLimit: { burst, perSecond } }
}

/**
 * Pins a client to a `/v1` dated version (served to its requests without a `Roam-Version`
 * header), or unpins it with null (the baseline).
 */
export async function setClientApiVersion(ctx: Context, orgId: string, clientId: string, version: string | null, by: string | null): Promise<App> {
  if (version !== null) {
    const problem = apiVersionProblem(version, new Date(), 'apiVersion')
    if (problem) fail('invalid_request', problem)
  }
  return ctx.db.transaction().execute(async (tx) => {
    const app = await liveClient(tx, orgId, clientId)
    await setAppApiVersion(tx, app.id, version)
    await insertAuditEntry(tx, { orgId, userId: by, eventType: 'API_CLIENT_VERSION_PINNED', data: { clientId, apiVersion: version }, createdAt: nowMicros() })
    return { ...app, apiVersion: version }
  })
}

export interface ClientUrlsChange {
  /** null clears it. */
  interactivityUrl?: string | null
  webhookUrl?: string | null
  /** OAuth clients only; replaces the whole list. */
  redirectUris?: string[]
}

/**
 * The organization's API client with this id. A relay's own app is managed with its relay (admin
 * relays.*), and a personal access token's bot with its token, not as API clients, so neither is
 * found here.
 */
async function liveClient(db: Executor, orgId: string, clientId: string): Promise<App> {
  const found = await findAppByClientId(db, clientId)
  if (!found || found.app.orgId !== orgId || found.app.authType === 'relay' || found.app.authType === 'personal') fail('not_found', 'clientId: no API client with this id')
  return found.app
}

/** Changes a client's Interactivity URL, webhook URL or (OAuth) redirect URIs; fields left out stay. */
export async function updateClient(ctx: Context, orgId: string, clientId: string, change: ClientUrlsChange, by: string | null): Promise<App> {
  if (change.interactivityUrl) checkUrl('interactivityUrl', change.interactivityUrl)
  if (change.webhookUrl) checkUrl('webhookUrl', change.webhookUrl)
  await checkDestinations(ctx, change)
  return ctx.db.transaction().execute(async (tx) => {
    const app = await liveClient(tx, orgId, clientId)
    let redirectUris: string[] | undefined
    if (change.redirectUris !== undefined) {
      if (app.authType !== 'oauth') fail('invalid_request', 'redirectUris: only OAuth clients have redirect URIs')
      if (change.redirectUris.length === 0) fail('invalid_request', 'redirectUris: an OAuth client needs at least one redirect URI')
      if (change.redirectUris.length > REDIRECT_URIS_MAX) fail('invalid_request', `redirectUris: at most ${REDIRECT_URIS_MAX}`)
      change.redirectUris.forEach((u) => checkUrl('redirectUris', u, { redirect: true }))
      redirectUris = [...new Set(change.redirectUris)]
    }
    const next = {
      ...(change.interactivityUrl !== undefined ? { interactivityUrl: change.interactivityUrl } : {}),
      ...(change.webhookUrl !== undefined ? { webhookUrl: change.webhookUrl } : {}),
      ...(redirectUris ? { redirectUris } : {}),
    }
    await updateAppUrls(tx, app.id, next)
    await insertAuditEntry(tx, { orgId, userId: by, eventType: 'API_CLIENT_UPDATED', data: { clientId, fields: Object.keys(next) }, createdAt: nowMicros() })
    return { ...app, ...next }
  })
}

/**
 * Replaces a client's webhook signing secret. Deliveries signed from now on use the new secret
 * (the old one stops verifying at once); the new secret is returned once.
 */
export async function rotateSigningSecret(ctx: Context, orgId: string, clientId: string, by: string | null): Promise<{ app: App; signingSecret: string }> {
  return ctx.db.transaction().execute(async (tx) => {
    const app = await liveClient(tx, orgId, clientId)
    const signingSecret = newSigningSecret()
    await setAppSigningSecret(tx, app.id, signingSecret)
    await insertAuditEntry(tx, { orgId, userId: by, eventType: 'API_CLIENT_SECRET_ROTATED', data: { clientId }, createdAt: nowMicros() })
    return { app, signingSecret }
  })
}
