import fs from 'node:fs'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { openRedis } from '../redis.js'
import { publicUrl } from '../public-url.js'
import { databaseNowMs, openDatabase, pingDatabase, type Db } from '../store/db.js'
import { migrationStatus, SchemaTooNewError } from '../store/migrate.js'
import { explainFailure } from './errors.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface Check {
  name: 'configuration' | 'database' | 'migrations' | 'redis' | 'public URL' | 'private URLs' | 'clock'
  status: CheckStatus
  detail: string
}

/** Each probe waits at most this long, so a hung dependency is a finding, not a hung command. */
const PROBE_TIMEOUT_MS = 5_000
/** Clock difference to the database server beyond which timestamps and expiries go wrong. */
const CLOCK_SKEW_LIMIT_MS = 1_000

/**
 * `atrium doctor`: checks what a running Atrium depends on and prints one line per check, `fail`
 * lines saying what is wrong and what to do. Exit code 1 when any check fails (warnings do not).
 * Never creates anything: a missing SQLite file is reported, not made.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, io: { json: boolean; stdout: (text: string) => void }): Promise<number> {
  const checks = await diagnose(env)
  const ok = checks.every((c) => c.status !== 'fail')
  if (io.json) {
    io.stdout(`${JSON.stringify({ ok, checks })}\n`)
  } else {
    const width = Math.max(...checks.map((c) => c.name.length))
    io.stdout(`${checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`).join('\n')}\n`)
  }
  return ok ? 0 : 1
}

export async function diagnose(env: NodeJS.ProcessEnv): Promise<Check[]> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [String(err)]
    return [{ name: 'configuration', status: 'fail', detail: problems.join('; ') }]
  }
  const checks: Check[] = [{ name: 'configuration', status: 'ok', detail: describeConfig(config) }]

  const db = await openExisting(config, env, checks)
  if (db) {
    try {
      checks.push(await migrationsCheck(db))
      checks.push(await clockCheck(db))
    } finally {
      await db.destroy().catch(() => undefined)
    }
  } else {
    checks.push({ name: 'migrations', status: 'fail', detail: 'not checked: no database' })
  }
  checks.push(await redisCheck(config))
  checks.push(await publicUrlCheck(config))
  checks.push(privateUrlsCheck(config))
  return checks
}

function describeConfig(config: Config): string {
  const database = config.database.dialect === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL'
  return `valid: ${database}, listening on ${config.host}:${config.port}, links at ${config.publicUrl}`
}

/** Opens the configured database if it exists and answers; records the database check either way. */
async function openExisting(config: Config, env: NodeJS.ProcessEnv, checks: Check[]): Promise<Db | undefined> {
  if (config.database.dialect === 'sqlite' && config.database.file !== ':memory:' && !fs.existsSync(config.database.file)) {
    checks.push({ name: 'database', status: 'fail', detail: `no database at ${config.database.file} yet: the first \`npm start\` (or \`atrium init\`) creates it` })
    return undefined
  }
  const db = openDatabase(config.database)
  try {
    await withTimeout(pingDatabase(db), 'the database')
    checks.push({ name: 'database', status: 'ok', detail: config.database.dialect === 'sqlite' ? `${config.database.file} opens` : 'PostgreSQL answers' })
    return db
  } catch (err) {
    await db.destroy().catch(() => undefined)
    checks.push({ name: 'database', status: 'fail', detail: explainFailure(err, env).lines.join('; ') })
    return undefined
  }
}

async function migrationsCheck(db: Db): Promise<Check> {
  try {
    const status = await withTimeout(migrationStatus(db), 'the database')
    if (status.unknown.length > 0) return { name: 'migrations', status: 'fail', detail: new SchemaTooNewError(status).message }
    const pending = status.pending
    if (pending.length === 0) return { name: 'migrations', status: 'ok', detail: 'every migration is applied' }
    return { name: 'migrations', status: 'fail', detail: `${pending.length} pending (${pending.join(', ')}): run \`atrium migrate\`, or start the server, which migrates first` }
  } catch (err) {
    return { name: 'migrations', status: 'fail', detail: err instanceof Error ? err.message : String(err) }
  }
}

async function clockCheck(db: Db): Promise<Check> {
  try {
    const before = Date.now()
    const databaseNow = await withTimeout(databaseNowMs(db), 'the database')
    const after = Date.now()
    if (databaseNow === undefined) return { name: 'clock', status: 'ok', detail: `SQLite shares this machine's clock (${new Date().toISOString()})` }
    const skew = Math.round(databaseNow - (before + after) / 2)
    const detail = `${Math.abs(skew)} ms ${skew > 0 ? 'behind' : 'ahead of'} the database server`
    if (Math.abs(skew) > CLOCK_SKEW_LIMIT_MS) {
      return { name: 'clock', status: 'fail', detail: `this machine's clock is ${detail}: message times, expiries and rate limits go wrong; synchronise both clocks (NTP)` }
    }
    return { name: 'clock', status: 'ok', detail: `this machine's clock is ${detail}` }
  } catch (err) {
    return { name: 'clock', status: 'fail', detail: err instanceof Error ? err.message : String(err) }
  }
}

async function redisCheck(config: Config): Promise<Check> {
  if (!config.redisUrl) return { name: 'redis', status: 'ok', detail: 'not configured: rate limits and realtime stay within one process' }
  const redis = openRedis(config.redisUrl, { lazyConnect: true, connectionName: 'atrium-doctor', retryStrategy: () => null })
  try {
    await withTimeout(redis.connect(), 'Redis')
    const pong = await withTimeout(redis.ping(), 'Redis')
    return pong === 'PONG'
      ? { name: 'redis', status: 'ok', detail: 'answers' }
      : { name: 'redis', status: 'fail', detail: `answered ${pong} to PING` }
  } catch (err) {
    return { name: 'redis', status: 'fail', detail: `cannot reach Redis at ATRIUM_REDIS_URL (${err instanceof Error ? err.message : String(err)}); start it or correct the URL` }
  } finally {
    redis.disconnect()
  }
}

async function publicUrlCheck(config: Config): Promise<Check> {
  const url = new URL(config.publicUrl)
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  const wildcard = config.host === '0.0.0.0' || config.host === '::'
  if (!config.explicitPublicUrl && wildcard) {
    return { name: 'public URL', status: 'warn', detail: `links point at ${config.publicUrl}, which other machines cannot reach; set ATRIUM_PUBLIC_URL to the address people use` }
  }
  if (url.protocol === 'http:' && !loopback) {
    return { name: 'public URL', status: 'warn', detail: `${config.publicUrl} is plain http: sign-in cookies are not marked Secure and tokens cross the network readable; use https (a TLS proxy) beyond local development` }
  }
  // Does an Atrium answer there? If not, the printed links lead nowhere (a server on another PORT?).
  try {
    const res = await fetch(publicUrl(config, '/healthz'), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    if (res.ok) return { name: 'public URL', status: 'ok', detail: `${config.publicUrl}: an Atrium server answers there` }
    return { name: 'public URL', status: 'warn', detail: `${config.publicUrl}/healthz answered ${res.status}: is this Atrium's address?` }
  } catch {
    return {
      name: 'public URL',
      status: 'warn',
      detail: `nothing answers at ${config.publicUrl}: the server is not running, or runs with another PORT/HOST/ATRIUM_PUBLIC_URL than this command sees (links printed here would be wrong)`,
    }
  }
}

function privateUrlsCheck(config: Config): Check {
  if (!config.allowPrivateUrls) return { name: 'private URLs', status: 'ok', detail: 'refused: webhook, interactivity and relay URLs cannot reach private, loopback or link-local addresses' }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(config.publicUrl).hostname)
  return {
    name: 'private URLs',
    status: local ? 'ok' : 'warn',
    detail: local
      ? 'allowed (ATRIUM_ALLOW_PRIVATE_URLS): fine for local development'
      : 'allowed (ATRIUM_ALLOW_PRIVATE_URLS) on a server others reach: any app registering a webhook can make it call internal addresses (metadata services, databases); unset it',
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
