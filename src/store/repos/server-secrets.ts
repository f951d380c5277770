import type { Executor } from '../db.js'

/**
 * The stored secret called `name`, storing `candidate` first if there is none. Concurrent callers
 * (several processes starting at once) all get the one value that won the insert.
 */
export async function keepServerSecret(db: Executor, name: string, candidate: string, at: number): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name, value: candidate, created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow()
  return row.value
}
