import { randomBytes, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'

/**
 * Bot personas of personal access tokens. On `/v1` a personal access token posts as its own bot
 * (Roam's `token.info` reports it as `bot`), so its owner can tell the agent's messages from their
 * own and talk to it. The persona is an app row with auth_type `personal` (named, pictured and
 * addressable like every bot, with no credentials of its own); `credentials.bot_id` points to its
 * bot. Tokens made before this get theirs now; revoked ones are never used again and get none.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('bot_id', 'text').execute()
  const tokens = await db
    .selectFrom('credentials as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.org_id', 'c.user_id', 'c.created_at', 'u.name'])
    .where('c.kind', '=', 'pat')
    .where('c.status', '!=', 'revoked')
    .execute()
  for (const t of tokens as Array<{ id: string; org_id: string; user_id: string; created_at: number | string; name: string }>) {
    const botId = randomUUID()
    await db
      .insertInto('apps')
      .values({
        id: randomUUID(),
        org_id: t.org_id,
        client_id: `pbot_${randomBytes(12).toString('hex')}`,
        bot_id: botId,
        name: `${t.name}'s bot`,
        auth_type: 'personal',
        access_models: '[]',
        scopes: '',
        redirect_uris: '[]',
        created_by: t.user_id,
        created_at: Number(t.created_at),
      })
      .execute()
    await db.updateTable('credentials').set({ bot_id: botId }).where('id', '=', t.id).execute()
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('apps').where('auth_type', '=', 'personal').execute()
  await db.schema.alterTable('credentials').dropColumn('bot_id').execute()
}
