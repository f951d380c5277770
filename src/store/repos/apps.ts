import type { Selectable } from 'kysely'
import type { AccessModel, App, AuthType } from '../../domain.js'
import type { Executor } from '../db.js'
import type { AppsTable } from '../schema.js'

function toApp(row: Selectable<AppsTable>): App {
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
  }
}

export interface NewApp extends Omit<App, 'imageUrl'> {
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
