import type { Selectable } from 'kysely'
import type { AccessModel, App, AuthType } from '../../domain.js'
import type { Executor } from '../db.js'
import type { AppsTable } from '../schema.js'

export function toApp(row: Selectable<AppsTable>): App {
  return {
    id: row.id,
    orgId: row.org_id,
    clientId: row.client_id,
    botId: row.bot_id,
    name: row.name,
    description: row.description,
    imageUrl: row.image_url,
    authType: row.auth_type as AuthType,
    accessModels: JSON.parse(row.access_models) as AccessModel[],
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    interactivityUrl: row.interactivity_url,
    webhookUrl: row.webhook_url,
    createdAt: row.created_at,
    rateLimit: { burst: row.rate_limit_burst ?? null, perSecond: row.rate_limit_per_second === null || row.rate_limit_per_second === undefined ? null : Number(row.rate_limit_per_second) },
    confidential: row.client_secret_hash !== null,
    apiVersion: row.api_version ?? null,
  }
}

export interface NewApp extends Omit<App, 'imageUrl' | 'rateLimit' | 'confidential' | 'apiVersion'> {
  imageUrl?: string | null
  signingSecret: string | null
  clientSecretHash: string | null
  createdBy: string | null
}

export async function insertApp(db: Executor, app: NewApp): Promise<App> {
  const row = await db
    .insertInto('apps')
    .values({
      id: app.id,
      org_id: app.orgId,
      client_id: app.clientId,
      bot_id: app.botId,
      name: app.name,
      description: app.description,
      image_url: app.imageUrl ?? null,
      auth_type: app.authType,
      access_models: JSON.stringify(app.accessModels),
      scopes: app.scopes.join(' '),
      redirect_uris: JSON.stringify(app.redirectUris),
      interactivity_url: app.interactivityUrl,
      webhook_url: app.webhookUrl,
      signing_secret: app.signingSecret,
      client_secret_hash: app.clientSecretHash,
      created_by: app.createdBy,
      created_at: app.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toApp(row)
}

export async function findApp(db: Executor, id: string): Promise<App | undefined> {
  const row = await db.selectFrom('apps').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
  return row && toApp(row)
}

export async function findAppByBot(db: Executor, orgId: string, botId: string): Promise<App | undefined> {
  const row = await db
    .selectFrom('apps')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('bot_id', '=', botId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row && toApp(row)
}

/**
 * Apps of the organization by their bots' UUIDs (group members `B-…`); unknown bots are simply
 * absent. Deleted apps only with `includeDeleted` (so their bots can still be removed from groups).
 */
export async function findAppsByBots(db: Executor, orgId: string, botIds: readonly string[], opts: { includeDeleted?: boolean } = {}): Promise<App[]> {
  if (botIds.length === 0) return []
  let q = db.selectFrom('apps').selectAll().where('org_id', '=', orgId).where('bot_id', 'in', [...botIds])
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null)
  return (await q.execute()).map(toApp)
}

/** A live app by its public client id, with its client secret digest (OAuth clients). */
export async function findAppByClientId(
  db: Executor,
  clientId: string,
): Promise<{ app: App; clientSecretHash: string | null } | undefined> {
  const row = await db.selectFrom('apps').selectAll().where('client_id', '=', clientId).where('deleted_at', 'is', null).executeTakeFirst()
  return row && { app: toApp(row), clientSecretHash: row.client_secret_hash }
}

/** The organization's API clients (relays' own apps are managed with their relays, not listed here). */
export async function listApps(db: Executor, orgId: string): Promise<App[]> {
  const rows = await db
    .selectFrom('apps')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .where('auth_type', 'not in', ['relay', 'personal'])
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(toApp)
}

/** Every live app's bot of the organization (API clients, OAuth apps, relays): what the web client names them by. */
export async function listBotProfiles(db: Executor, orgId: string): Promise<Array<{ botId: string; name: string; imageUrl: string | null }>> {
  const rows = await db
    .selectFrom('apps')
    .select(['bot_id', 'name', 'image_url'])
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ botId: r.bot_id, name: r.name, imageUrl: r.image_url }))
}

export async function setAppName(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('apps').set({ name }).where('id', '=', id).execute()
}

export async function markAppDeleted(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('apps').set({ deleted_at: at }).where('id', '=', id).execute()
}

export async function setAppApiVersion(db: Executor, id: string, version: string | null): Promise<void> {
  await db.updateTable('apps').set({ api_version: version }).where('id', '=', id).execute()
}

export async function setAppRateLimit(db: Executor, id: string, burst: number | null, perSecond: number | null): Promise<void> {
  await db.updateTable('apps').set({ rate_limit_burst: burst, rate_limit_per_second: perSecond }).where('id', '=', id).execute()
}

/** Changes an app's URLs (only the fields given). */
export async function updateAppUrls(
  db: Executor,
  id: string,
  change: { interactivityUrl?: string | null; webhookUrl?: string | null; redirectUris?: string[] },
): Promise<void> {
  const set: { interactivity_url?: string | null; webhook_url?: string | null; redirect_uris?: string } = {}
  if (change.interactivityUrl !== undefined) set.interactivity_url = change.interactivityUrl
  if (change.webhookUrl !== undefined) set.webhook_url = change.webhookUrl
  if (change.redirectUris !== undefined) set.redirect_uris = JSON.stringify(change.redirectUris)
  if (Object.keys(set).length > 0) await db.updateTable('apps').set(set).where('id', '=', id).execute()
}

export async function setAppSigningSecret(db: Executor, id: string, signingSecret: string): Promise<void> {
  await db.updateTable('apps').set({ signing_secret: signingSecret }).where('id', '=', id).execute()
}
