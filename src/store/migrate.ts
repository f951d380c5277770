import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import { dialectOf } from './dialect.js'
import * as m0001 from './migrations/0001_core.js'
import * as m0003 from './migrations/0003_groups_scim.js'
import * as m0004 from './migrations/0004_access.js'
import * as m0005 from './migrations/0005_events.js'
import * as m0006 from './migrations/0006_meetings.js'
import * as m0007 from './migrations/0007_roomlio_v1.js'
import * as m0008 from './migrations/0008_ops.js'
import * as m0009 from './migrations/0009_office.js'
import * as m0010 from './migrations/0010_relays.js'
import * as m0012 from './migrations/0012_v1_send_recordings.js'
import * as m0013 from './migrations/0013_signin_links.js'
import * as m0014 from './migrations/0014_server_secrets.js'
import * as m0015 from './migrations/0015_upload_limits.js'
import * as m0016 from './migrations/0016_search.js'
import * as m0018 from './migrations/0018_notifications.js'
import * as m0019 from './migrations/0019_v1_webhooks.js'
import * as m0020 from './migrations/0020_streams.js'
import * as m0021 from './migrations/0021_personal_bots.js'

/**
 * The one migration set, for both dialects. Listed statically (not read from disk) so the same
 * code runs from TypeScript sources in tests and from dist/ in production.
 */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0003_groups_scim': m0003,
  '0004_access': m0004,
  '0005_events': m0005,
  '0006_meetings': m0006,
  '0007_roomlio_v1': m0007,
  '0008_ops': m0008,
  '0009_office': m0009,
  '0010_relays': m0010,
  '0012_v1_send_recordings': m0012,
  '0013_signin_links': m0013,
  '0014_server_secrets': m0014,
  '0015_upload_limits': m0015,
  '0016_search': m0016,
  '0018_notifications': m0018,
  '0019_v1_webhooks': m0019,
  '0020_streams': m0020,
  '0021_personal_bots': m0021,
}

/** Names of the migrations this code knows, oldest first (the last one is its schema version). */
export function knownMigrations(): string[] {
  return Object.keys(migrations).sort()
}

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function migratorFor(db: Kysely<any>): Promise<Migrator> {
  // On PostgreSQL the bookkeeping tables live in the connection's own schema; left unqualified,
  // Kysely would find another schema's tables and then fail to read them.
  const migrationTableSchema =
    dialectOf(db) === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined
  // Numbers are allocated per area and land in any order; a database that already applied a
  // higher number still takes a lower one that arrives later.
  return new Migrator({
    db,
    provider: new StaticProvider(),
    allowUnorderedMigrations: true,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  })
}

/**
 * The database was migrated by a newer Atrium: it has applied migrations this code does not know.
 * Running older code on it (or migrating it "back") could misread or damage data, so nothing runs;
 * the way back is the backup taken before the upgrade.
 */
export class SchemaTooNewError extends Error {
  /** `source`, when given, names the database in the message (a backup file). */
  constructor(readonly status: MigrationStatus, source?: string) {
    super(
      `${source === undefined ? '' : `${source}: `}the database schema is at ${status.current} (applied by a newer Atrium: ${status.unknown.join(', ')}); ` +
        `this Atrium knows schema versions up to ${status.latest} and does not run on a newer database. ` +
        'Run the newer Atrium again, or restore the backup taken before the upgrade (see README, Upgrading).',
    )
    this.name = 'SchemaTooNewError'
  }
}

export interface MigrationStatus {
  /** The newest migration the database has applied (its schema version), or null on an empty database. */
  current: string | null
  /** The newest migration this code knows. */
  latest: string
  applied: string[]
  /** Known here, not yet applied. */
  pending: string[]
  /** Applied to the database but unknown here: the database was migrated by a newer Atrium. */
  unknown: string[]
}

/**
 * Where the database stands against this code's migrations; changes nothing. Reads Kysely's
 * bookkeeping table directly (cheap enough for a readiness probe) instead of going through the
 * migrator, which introspects every schema.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus> {
  const applied = (await appliedMigrations(db)).sort()
  const known = knownMigrations()
  const done = new Set(applied)
  return {
    current: applied[applied.length - 1] ?? null,
    latest: known[known.length - 1]!,
    applied,
    pending: known.filter((name) => !done.has(name)),
    unknown: applied.filter((name) => !(name in migrations)),
  }
}

/** Applies pending migrations; refuses (SchemaTooNewError, nothing changed) a database newer than this code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const status = await migrationStatus(db)
  if (status.unknown.length > 0) throw new SchemaTooNewError(status)
  if (status.pending.length === 0) return []
  const migrator = await migratorFor(db)
  const result: MigrationResultSet = await retryVanishedSchema(() => migrator.migrateToLatest())
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    const err = result.error instanceof Error ? result.error : new Error(String(result.error))
    err.message = `migration ${failed?.migrationName ?? '?'} failed: ${err.message}`
    throw err
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const exists =
    dialectOf(db) === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db)).rows[0]?.t != null
      : (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)).rows[0]?.n === 1
  return exists ? (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name) : []
}

/**
 * Kysely's migrator looks for its bookkeeping tables by listing the tables of every schema on
 * PostgreSQL; when another schema is dropped during that listing (other databases' test schemas,
 * tenants being removed), PostgreSQL reports that schema, or a table or column of it, as missing
 * (3F000, 42P01, 42703). Nothing of ours is wrong then: list again. A real error of ours with one
 * of those codes fails the same way on every attempt and is thrown after the last.
 */
async function retryVanishedSchema<T extends object>(run: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    let error: unknown
    try {
      const result = await run()
      error = 'error' in result ? result.error : undefined
      if (!isVanishedSchema(error)) return result
    } catch (err) {
      if (!isVanishedSchema(err)) throw err
      error = err
    }
    if (i >= attempts) throw error
    await new Promise((resolve) => setTimeout(resolve, Math.min(20 * i, 250)))
  }
}

function isVanishedSchema(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  return code === '3F000' || code === '42P01' || code === '42703'
}
