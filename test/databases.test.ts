import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/db.js'
import { knownMigrations } from '../src/store/migrate.js'
import { insertEvent } from '../src/store/repos/outbox.js'
import { nowMicros } from '../src/time.js'
import { leaseSchema, postgresConfigFor } from './databases.js'
import { dialect, freshDatabase, TestEnv } from './helpers.js'

/** Rows in every table of the database's own schema but the migrator's. */
async function rowCounts(db: ReturnType<typeof openDatabase>): Promise<Record<string, number>> {
  const own = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined
  const tables = (await db.introspection.getTables())
    .filter((t) => t.schema === own && !t.isView)
    .map((t) => t.name)
    .filter((n) => !n.startsWith('kysely_'))
    // SQLite's full-text index keeps its own bookkeeping rows (configuration, structure) in shadow tables.
    .filter((n) => !/^message_search_fts_(config|data|docsize|idx|content)$/.test(n))
  expect(tables.length).toBeGreaterThan(20)
  const out: Record<string, number> = {}
  for (const t of tables) {
    const row = (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]!
    if (Number(row.n) > 0) out[t] = Number(row.n)
  }
  return out
}

async function fill(env: TestEnv): Promise<void> {
  await env.user()
  await env.group()
  await env.apiClient()
  await insertEvent(env.db, { orgId: env.org.id, type: 'lobby.booked', payload: {}, routing: { kind: 'org' }, createdAt: nowMicros() })
}

describe(`each test's database (${dialect})`, () => {
  it('is migrated to the latest version and holds no rows', async () => {
    const fresh = await freshDatabase()
    try {
      const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(fresh.db)).rows.map((r) => r.name)
      expect(applied).toEqual(knownMigrations())
      expect(await rowCounts(fresh.db)).toEqual({})
    } finally {
      await fresh.drop()
    }
  })

  it('sees nothing another open test database holds', async () => {
    const a = await TestEnv.create()
    const b = await TestEnv.create()
    try {
      const before = await rowCounts(b.db)
      expect(before).toMatchObject({ organizations: 1 })
      await fill(a)
      expect(await rowCounts(a.db)).toMatchObject({ users: 1, groups: 1, outbox: 1 })
      expect(await rowCounts(b.db)).toEqual(before)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it.skipIf(dialect !== 'postgres')('a pooled schema comes back emptied, its identities restarted', async () => {
    // Fill a schema and give it back; then lease (and hold) schemas until that one comes back.
    const env = await TestEnv.create()
    const schema = env.ctx.config.database.dialect === 'postgres' ? env.ctx.config.database.schema! : ''
    await fill(env)
    await env.close()
    const held: Array<Awaited<ReturnType<typeof leaseSchema>>> = []
    try {
      let again: Awaited<ReturnType<typeof leaseSchema>> | undefined
      for (let i = 0; i < 25 && !again; i++) {
        const lease = await leaseSchema('migrations')
        if (lease.schema === schema) again = lease
        else held.push(lease)
      }
      expect(again, 'the schema given back was leased again').toBeDefined()
      held.push(again!)
      const db = openDatabase(postgresConfigFor(schema).database)
      try {
        expect(await rowCounts(db)).toEqual({})
        await insertEvent(db, { orgId: 'o', type: 'lobby.booked', payload: {}, routing: { kind: 'org' }, createdAt: nowMicros() })
        const seq = await db.selectFrom('outbox').select('seq').executeTakeFirstOrThrow()
        expect(Number(seq.seq)).toBe(1)
      } finally {
        await db.destroy()
      }
    } finally {
      for (const lease of held) await lease.release()
    }
  })
})
