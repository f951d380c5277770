import type { Redis } from 'ioredis'
import type { Context } from '../context.js'
import { pingDatabase } from '../store/db.js'
import { migrationStatus, SchemaTooNewError } from '../store/migrate.js'

export interface Readiness {
  ok: boolean
  /** One entry per dependency: `ok`, or what is wrong with it. */
  checks: { database: string; migrations: string; redis?: string }
}

const CHECK_TIMEOUT_MS = 2_000

/**
 * Whether this process can serve traffic: the database answers, every migration this code knows is
 * applied and none it does not know (a newer Atrium's), and Redis answers when one is configured.
 * Each check is bounded by a timeout so a hung dependency makes the answer "not ready", never a
 * hung probe.
 */
export async function readiness(ctx: Context, redis: Redis | undefined): Promise<Readiness> {
  const database = await check(() => pingDatabase(ctx.db))
  const migrations =
    database === 'ok'
      ? await check(async () => {
          const status = await migrationStatus(ctx.db)
          // Migrated by a newer Atrium (another process upgraded the shared database): this code may misread it.
          if (status.unknown.length > 0) throw new SchemaTooNewError(status)
          if (status.pending.length > 0) throw new Error(`pending: ${status.pending.join(', ')}`)
        })
      : 'not checked: database unreachable'
  const checks: Readiness['checks'] = { database, migrations }
  if (redis) {
    checks.redis = await check(async () => {
      const pong = await redis.ping()
      if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`)
    })
  }
  return { ok: Object.values(checks).every((c) => c === 'ok'), checks }
}

async function check(probe: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([probe(), timeout])
    return 'ok'
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  } finally {
    clearTimeout(timer)
  }
}
