/**
 * `npm run bench`: load benchmarks of a real Atrium process against a bare Fastify baseline, on
 * SQLite and PostgreSQL. Not part of the test suite: numbers depend on the machine.
 *
 *   npm run bench                       full run (a few minutes)
 *   npm run bench -- --quick            short windows, shallow chats only
 *   npm run bench -- --deep             also chat.history at 10⁷ messages
 *   npm run bench -- --dialects sqlite  one database only
 *   npm run bench -- --only history     scenarios whose name matches the pattern
 *   npm run bench -- --profile          write a V8 CPU profile of each Atrium process and summarise it
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { connectStore, createClient, freePort, freshStore, repoRoot, seedGroup, startAtrium, type AtriumProcess } from '../test/servers.js'
import type { Context } from '../src/context.js'
import { load, type LoadResult, type LoadSpec } from './load.js'
import { seedMessages } from './seed.js'
import { backfillSearchIndex } from '../src/store/repos/messages.js'
import { summariseProfile } from './profile.js'
import { webhookLatency } from './webhook.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    deep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    only: { type: 'string' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string' },
  },
})

const quick = args.quick!
const duration = Number(args.duration ?? (quick ? 3 : 8))
const warmup = quick ? 1 : 2
const connections = Number(args.connections)
const dialects = args.dialects!.split(',').map((d) => d.trim()) as Array<'sqlite' | 'postgres'>
const only = args.only ? new RegExp(args.only) : undefined
const depths = quick ? [1e3, 1e5] : [1e3, 1e5, 1e6, ...(args.deep ? [1e7] : [])]
const resultsDir = path.join(repoRoot, 'bench', 'results')
const profileDir = path.join(resultsDir, 'profiles')

interface Row {
  scenario: string
  dialect: 'sqlite' | 'postgres' | 'baseline'
  result?: LoadResult & { ratio?: number }
  /** The baseline window measured just before this scenario. */
  baselineRps?: number
  /**
   * CPU time the Atrium process spent per request during the measured window (user + system,
   * from /proc on Linux): unlike req/s it hardly depends on what else the machine is running.
   */
  cpuMsPerRequest?: number
  /** One-minute load average when the scenario started. */
  loadAverage?: number
  /** For latency-only scenarios (webhook delivery). */
  latency?: { p50: number; p99: number; samples: number }
  skipped?: string
  note?: string
}

const rows: Row[] = []
const wanted = (name: string) => !only || only.test(name)
const log = (msg: string) => process.stdout.write(`${msg}\n`)
const runId = Date.now().toString(36)

/** CPU time (user + system) a process has used so far, in ms; undefined where /proc is missing. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz on Linux).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/**
 * The baseline server runs for the whole benchmark. The machine is shared and its load varies, so
 * every Atrium scenario is compared with a baseline window measured just before it, not with one
 * figure from the start of the run.
 */
class Baseline {
  private constructor(
    private readonly url: string,
    private readonly stop: () => void,
  ) {}
  readonly samples: LoadResult[] = []

  static async start(): Promise<Baseline> {
    const port = await freePort()
    const child = spawn(process.execPath, [path.join(repoRoot, 'bench', 'hello.mjs')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve())
      child.once('exit', () => reject(new Error('baseline server exited')))
    })
    const b = new Baseline(`http://127.0.0.1:${port}/`, () => child.kill('SIGKILL'))
    await load({ url: b.url, connections, duration: warmup, warmup: 0 })
    return b
  }

  async measure(): Promise<LoadResult> {
    const r = await load({ url: this.url, connections, duration: Math.max(2, Math.round(duration / 2)), warmup: 0 })
    this.samples.push(r)
    return r
  }

  /** Mean of every window measured in this run. */
  summary(): LoadResult {
    const n = this.samples.length || 1
    const mean = (f: (r: LoadResult) => number) => Math.round((this.samples.reduce((s, r) => s + f(r), 0) / n) * 100) / 100
    return {
      rps: Math.round(mean((r) => r.rps)),
      p50: mean((r) => r.p50),
      p99: mean((r) => r.p99),
      requests: this.samples.reduce((s, r) => s + r.requests, 0),
      errors: this.samples.reduce((s, r) => s + r.errors, 0),
      non2xx: this.samples.reduce((s, r) => s + r.non2xx, 0),
    }
  }

  close(): void {
    this.stop()
  }
}

const blocks5 = [
  { type: 'header', text: { type: 'plain_text', text: 'Deploy finished' } },
  { type: 'section', text: { type: 'mrkdwn', text: '*atrium* `v1.4.2` is live on *production*.' } },
  { type: 'divider' },
  { type: 'section', text: { type: 'mrkdwn', text: '*Duration* 3m 12s · *Commit* `a1b2c3d` · <https://example.com/deploys/42|details>' } },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'Triggered by the release pipeline' }] },
]

async function runDialect(dialect: 'sqlite' | 'postgres', baseline: Baseline): Promise<void> {
  log(`\n== ${dialect}`)
  const store = await freshStore(dialect, 'bench')
  const nodeArgs = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=atrium-${runId}-${dialect}.cpuprofile`] : []
  let server: AtriumProcess | undefined
  let conn: Awaited<ReturnType<typeof connectStore>> | undefined
  try {
    server = await startAtrium({ store, from: 'dist', nodeArgs, env: { ATRIUM_RATE_LIMIT: 'off', ATRIUM_LOG_LEVEL: 'warn', ATRIUM_ALLOW_PRIVATE_URLS: 'true' }, readyTimeoutMs: 60_000 })
    conn = await connectStore(store)
    const { ctx, org } = conn
    const client = await createClient(ctx, org.id)
    const auth = { authorization: `Bearer ${client.apiKey}` }
    const json = { ...auth, 'content-type': 'application/json' }
    const doc = (await (await fetch(`${server.url}/v0/openapi.json`)).json()) as { paths: Record<string, unknown> }
    const has = (p: string) => p in doc.paths
    const url = server.url

    /** Runs one scenario right after a baseline window and records it as a ratio to that window. */
    const measure = async (scenario: string, spec: Omit<LoadSpec, 'connections' | 'duration' | 'warmup'>) => {
      const loadAverage = Math.round(os.loadavg()[0]! * 100) / 100
      const base = await baseline.measure()
      await load({ ...spec, connections, duration: warmup, warmup: 0 })
      const cpu0 = cpuMs(server!.child.pid)
      const result = await load({ ...spec, connections, duration, warmup: 0 })
      const cpu1 = cpuMs(server!.child.pid)
      const cpuMsPerRequest = cpu0 === undefined || cpu1 === undefined || result.requests === 0 ? undefined : Math.round(((cpu1 - cpu0) / result.requests) * 1000) / 1000
      const row: Row = { scenario, dialect, baselineRps: base.rps, result: { ...result, ratio: result.rps / base.rps }, cpuMsPerRequest, loadAverage }
      rows.push(row)
      log(`${scenario.padEnd(34)} ${String(result.rps).padStart(7)} req/s  ${(row.result!.ratio! * 100).toFixed(0).padStart(3)}% of ${base.rps}  p50 ${result.p50} ms  p99 ${result.p99} ms  cpu ${cpuMsPerRequest ?? '?'} ms/req  load ${loadAverage}${result.errors + result.non2xx ? `  errors ${result.errors} non-2xx ${result.non2xx}` : ''}`)
    }
    const skip = (scenario: string, why: string) => {
      rows.push({ scenario, dialect, skipped: why })
      log(`${scenario.padEnd(34)} skipped: ${why}`)
    }

    if (wanted('token.info')) await measure('token.info', { url: `${url}/v0/token.info`, headers: auth })

    const postChat = await seedGroup(ctx, org.id, 'bench-post', [client.bot])
    if (wanted('chat.post text')) {
      if (!has('/chat.post')) skip('chat.post text', 'chat.post is not in this build')
      else
        await measure('chat.post text', {
          url: `${url}/v0/chat.post`,
          method: 'POST',
          headers: json,
          body: JSON.stringify({ chat: postChat.chatAddress, text: 'Hello from the benchmark, *with* some `markdown`.' }),
        })
    }
    if (wanted('chat.post blocks')) {
      if (!has('/chat.post')) skip('chat.post 5 blocks', 'chat.post is not in this build')
      else
        await measure('chat.post 5 blocks', { url: `${url}/v0/chat.post`, method: 'POST', headers: json, body: JSON.stringify({ chat: postChat.chatAddress, blocks: blocks5 }) })
    }

    for (const depth of depths) {
      const name = `chat.history limit 100 @ 10^${Math.log10(depth)}`
      if (!wanted('chat.history') && !wanted(name)) continue
      if (!has('/chat.history')) {
        skip(name, 'chat.history is not in this build')
        continue
      }
      const chat = await seedGroup(ctx, org.id, `bench-depth-${depth}`, [client.bot])
      const t0 = Date.now()
      await seedMessages(ctx, chat.chatId, client.bot, depth)
      log(`  seeded ${depth} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      await measure(name, { url: `${url}/v0/chat.history?chat=${chat.chatAddress}&limit=100`, headers: auth })
    }

    // Message search (Atrium extension, /atrium) in a chat of 10⁶ messages "Seeded message number N",
    // indexed as the migration indexes stored messages. A rare word (one match: every message has
    // "number", one is 123456) and a word every message contains (newest 20 of 10⁶ matches).
    if (wanted('search.messages')) {
      const names = ['search.messages rare word @ 10^6', 'search.messages common word @ 10^6']
      const atriumDoc = await fetch(`${url}/atrium/openapi.json`)
      const hasSearch = atriumDoc.ok && '/search.messages' in ((await atriumDoc.json()) as { paths: Record<string, unknown> }).paths
      if (!hasSearch) for (const name of names) skip(name, 'search.messages is not in this build')
      else {
        const chat = await seedGroup(ctx, org.id, 'bench-search', [client.bot])
        const t0 = Date.now()
        await seedMessages(ctx, chat.chatId, client.bot, 1e6)
        const t1 = Date.now()
        const indexed = await ctx.db.transaction().execute((tx) => backfillSearchIndex(tx, { chatId: chat.chatId }))
        if (dialect === 'postgres') await sql`analyze message_search`.execute(ctx.db)
        log(`  seeded 1000000 messages in ${((t1 - t0) / 1000).toFixed(1)} s, indexed ${indexed} in ${((Date.now() - t1) / 1000).toFixed(1)} s`)
        await measure(names[0]!, { url: `${url}/atrium/search.messages?query=number%20123456&limit=20`, headers: auth })
        await measure(names[1]!, { url: `${url}/atrium/search.messages?query=seeded&limit=20`, headers: auth })
      }
    }

    if (wanted('RoomHistory')) {
      const room = await roomHistorySetup(ctx, org.id, client.bot, async () =>
        (await fetch(`${url}/rpc/WebAPI/RoomHistory`, { method: 'POST', headers: json, body: JSON.stringify({ roomKey: 'bench-room', limit: 1 }) })).status,
      )
      if (typeof room === 'string') skip('RoomHistory limit 1000', room)
      else await measure('RoomHistory limit 1000', { url: `${url}${room.path}`, method: 'POST', headers: json, body: room.body })
    }

    if (wanted('webhook')) {
      if (!has('/webhook.subscribe') || !has('/chat.post')) skip('webhook delivery (commit → receiver)', 'webhook.subscribe or chat.post is not in this build')
      else {
        const listener = await createClient(ctx, org.id)
        const hookChat = await seedGroup(ctx, org.id, 'bench-webhooks', [client.bot, listener.bot])
        const lat = await webhookLatency({ url, posterKey: client.apiKey, listenerKey: listener.apiKey, chat: hookChat.chatAddress, seconds: duration })
        rows.push({ scenario: 'webhook delivery (commit → receiver)', dialect, latency: lat, loadAverage: Math.round(os.loadavg()[0]! * 100) / 100 })
        log(`${'webhook delivery (commit → receiver)'.padEnd(34)} p50 ${lat.p50} ms  p99 ${lat.p99} ms  (${lat.samples} events)`)
      }
    }
  } finally {
    await conn?.close()
    await server?.stop()
    await store.drop()
  }
}

/** The Roomlio RoomHistory call over a room of 1 000 messages, when this build serves Roomlio; otherwise why not. */
async function roomHistorySetup(
  ctx: Context,
  orgId: string,
  member: string,
  probeRoomHistory: () => Promise<number>,
): Promise<{ path: string; body: string } | string> {
  const room = await seedGroup(ctx, orgId, 'bench-room', [member])
  await ctx.db.updateTable('groups').set({ room_key: 'bench-room' }).where('id', '=', room.groupId).execute()
  await seedMessages(ctx, room.chatId, member, 1000)
  const probe = await probeRoomHistory()
  if (probe !== 200) return `RoomHistory answered ${probe} (the Roomlio Web API is not in this build)`
  return { path: '/rpc/WebAPI/RoomHistory', body: JSON.stringify({ roomKey: 'bench-room', limit: 1000 }) }
}

async function machine(): Promise<Record<string, unknown>> {
  const cpus = os.cpus()
  const info: Record<string, unknown> = {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  }
  try {
    const store = await freshStore('postgres', 'benchinfo')
    const { openDatabase } = await import('../src/store/db.js')
    const db = openDatabase({ dialect: 'postgres', url: store.url })
    info.postgres = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]?.v
    await db.destroy()
    await store.drop()
  } catch {
    info.postgres = 'unavailable'
  }
  const Sqlite = (await import('better-sqlite3')).default
  info.sqlite = (new Sqlite(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v
  return info
}

function markdown(meta: Record<string, unknown>, base: LoadResult): string {
  const lines = [
    `# Atrium benchmark ${meta.date as string}`,
    '',
    `Machine: ${Object.entries(meta.machine as Record<string, unknown>).map(([k, v]) => `${k} ${String(v)}`).join('; ')}.`,
    `Load: autocannon, ${connections} connections, ${duration} s measured after ${warmup} s warm-up per scenario${quick ? ' (quick mode)' : ''}; rate limits off; log level warn.`,
    '',
    `Baseline (bare Fastify hello-world, same machine, same run): mean **${base.rps} req/s**, p50 ${base.p50} ms, p99 ${base.p99} ms.`,
    'Each scenario is compared with a baseline window measured immediately before it (the machine is shared and its load varies).',
    'CPU ms/req is the CPU time of the Atrium process per request in the measured window, which depends little on the load beside it; load is the one-minute load average when the scenario started.',
    '',
    '| scenario | database | req/s | baseline req/s | % of baseline | p50 ms | p99 ms | CPU ms/req | load | errors / non-2xx |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    if (r.result)
      lines.push(
        `| ${r.scenario} | ${r.dialect} | ${r.result.rps} | ${r.baselineRps ?? r.result.rps} | ${((r.result.ratio ?? 1) * 100).toFixed(0)} % | ${r.result.p50} | ${r.result.p99} | ${r.cpuMsPerRequest ?? '—'} | ${r.loadAverage ?? '—'} | ${r.result.errors} / ${r.result.non2xx} |`,
      )
    else if (r.latency) lines.push(`| ${r.scenario} | ${r.dialect} | — | — | — | ${r.latency.p50} | ${r.latency.p99} | — | ${r.loadAverage ?? '—'} | ${r.latency.samples} events |`)
    else lines.push(`| ${r.scenario} | ${r.dialect} | skipped: ${r.skipped ?? ''} | | | | | | | |`)
  }
  for (const dialect of dialects) {
    const hist = (d: number) => rows.find((r) => r.dialect === dialect && r.scenario === `chat.history limit 100 @ 10^${d}`)?.result
    const shallow = hist(3)
    const deep = hist(6) ?? hist(5)
    if (shallow && deep) {
      const exp = hist(6) ? 6 : 5
      lines.push('', `${dialect}: chat.history p99 at 10^${exp} is ${(deep.p99 / Math.max(shallow.p99, 1)).toFixed(2)}× its p99 at 10^3.`)
    }
  }
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first (npm run bench does)')
  fs.mkdirSync(resultsDir, { recursive: true })
  const started = Date.now()
  const meta: Record<string, unknown> = { date: new Date().toISOString(), machine: await machine(), connections, duration, warmup, quick }
  log(`machine: ${JSON.stringify(meta.machine)}`)
  const baseline = await Baseline.start()
  try {
    for (const dialect of dialects) await runDialect(dialect, baseline)
  } finally {
    baseline.close()
  }
  const machineInfo = meta.machine as Record<string, unknown>
  machineInfo.loadAverageAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ')
  const base = baseline.summary()
  rows.unshift({ scenario: 'baseline: Fastify hello-world (mean of all windows)', dialect: 'baseline', result: { ...base, ratio: 1 } })
  log(`\nbaseline (bare Fastify), mean of ${baseline.samples.length} windows: ${base.rps} req/s, p50 ${base.p50} ms, p99 ${base.p99} ms`)

  meta.seconds = Math.round((Date.now() - started) / 1000)
  const stamp = (meta.date as string).replace(/[:.]/g, '-')
  const jsonFile = path.join(resultsDir, `bench-${stamp}.json`)
  const mdFile = path.join(resultsDir, `bench-${stamp}.md`)
  fs.writeFileSync(jsonFile, `${JSON.stringify({ ...meta, baseline: base, rows }, null, 2)}\n`)
  let md = markdown(meta, base)
  if (args.profile) {
    for (const file of fs.readdirSync(profileDir).filter((f) => f.startsWith(`atrium-${runId}-`) && f.endsWith('.cpuprofile'))) {
      md += `\n## CPU profile ${file}\n\n${summariseProfile(path.join(profileDir, file))}\n`
    }
  }
  fs.writeFileSync(mdFile, md)
  fs.copyFileSync(jsonFile, path.join(resultsDir, 'latest.json'))
  fs.copyFileSync(mdFile, path.join(resultsDir, 'latest.md'))
  log(`\nwrote ${path.relative(repoRoot, jsonFile)} and ${path.relative(repoRoot, mdFile)} (${meta.seconds} s)`)
}

await main()
