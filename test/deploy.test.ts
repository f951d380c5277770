import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { TestEnv } from './helpers.js'

/**
 * The deployment files (Dockerfile, compose.yaml, the systemd unit, the reverse-proxy examples),
 * checked as far as this machine allows: no Docker engine runs here, so images are not built, but
 * every file is parsed and held to what the README promises, and the tools that exist here
 * (systemd-analyze, nginx) verify their files; a missing tool skips only its own check, saying so.
 */

const root = path.resolve(import.meta.dirname, '..')
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8')
const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

interface Instruction {
  op: string
  args: string
}
interface Stage {
  from: string
  name: string | undefined
  instructions: Instruction[]
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.startsWith('#')) continue
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `
      continue
    }
    logical.push(`${pending}${line}`.trim())
    pending = ''
  }
  const stages: Stage[] = []
  for (const line of logical) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(line)
    if (!m) continue
    const op = m[1]!.toUpperCase()
    const args = m[2]!
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!
      stages.push({ from: from[1]!, name: from[2], instructions: [] })
    } else {
      expect(stages.length, `${op} before FROM`).toBeGreaterThan(0)
      stages.at(-1)!.instructions.push({ op, args })
    }
  }
  return stages
}

/** `KEY=value KEY2=value` (ENV's form) → entries. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '')
  }
  return env
}

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'))
  const build = stages[0]!
  const runtime = stages.at(-1)!
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args)

  it('builds in one stage with the commands CI runs, and runs another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    expect(build.name).toBe('build')
    const ciLines = read('.ci/run').split('\n').map((l) => l.trim())
    const npm = runs(build).filter((r) => /^npm (ci|run|install)\b/.test(r))
    expect(npm).toEqual(['npm ci --no-audit --no-fund', 'npm run build'])
    // Each build command is one CI runs, word for word.
    for (const command of npm) expect(ciLines.some((l) => l === command || l.endsWith(`|| ${command}`) || l.startsWith(`if ! ${command};`))).toBe(true)
    // The sources are in place before `npm ci`, whose prepare script builds.
    const copyAll = build.instructions.findIndex((i) => i.op === 'COPY' && i.args === '. .')
    const ci = build.instructions.findIndex((i) => i.op === 'RUN' && i.args.startsWith('npm ci'))
    expect(copyAll).toBeGreaterThanOrEqual(0)
    expect(copyAll).toBeLessThan(ci)
  })

  it('ships production dependencies only, as a non-root user, with the data directory as a volume', () => {
    // Dev dependencies are pruned in the build stage; the runtime installs nothing itself.
    expect(runs(build)).toContain('npm prune --omit=dev --no-audit --no-fund')
    expect(runs(runtime).filter((r) => r.includes('npm '))).toEqual([])
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args)
    for (const wanted of ['/src/node_modules', '/src/dist', '/src/web/dist']) expect(copies.some((c) => c.startsWith(`--from=build ${wanted} `))).toBe(true)
    const env = envOf(runtime)
    expect(env).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production', ATRIUM_DATA_DIR: '/var/lib/atrium' })
    const user = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args)
    expect(user).toHaveLength(1)
    expect(['root', '0']).not.toContain(user[0])
    const volume = runtime.instructions.find((i) => i.op === 'VOLUME')!
    expect(JSON.parse(volume.args)).toEqual([env.ATRIUM_DATA_DIR])
    // The volume's directory belongs to that user before it is declared.
    expect(runs(runtime).some((r) => r.includes(`chown ${user[0]}:${user[0]} ${env.ATRIUM_DATA_DIR}`))).toBe(true)
    const entry = runtime.instructions.find((i) => i.op === 'ENTRYPOINT')!
    expect(JSON.parse(entry.args)).toEqual(['node', 'dist/main.js'])
    expect(JSON.parse(runtime.instructions.find((i) => i.op === 'CMD')!.args)).toEqual(['serve'])
  })

  it("HEALTHCHECK's command passes against a running server and fails when nothing answers", async () => {
    const check = runtime.instructions.find((i) => i.op === 'HEALTHCHECK')!
    const cmd = JSON.parse(check.args.slice(check.args.indexOf('CMD ') + 4)) as string[]
    expect(cmd.join(' ')).toContain('/healthz')
    const env = await TestEnv.create()
    try {
      await env.app.listen({ port: 0, host: '127.0.0.1' })
      const port = (env.app.server.address() as { port: number }).port
      // Run asynchronously: the server answering it lives in this process.
      const exitCode = () =>
        new Promise<number | null>((resolve) => spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' }).on('exit', resolve))
      expect(await exitCode()).toBe(0)
      await env.app.close()
      expect(await exitCode()).toBe(1)
    } finally {
      await env.close()
    }
  })

  it('.dockerignore keeps local state out of the build context and what the build needs in', () => {
    const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    for (const out of ['node_modules', '.git', 'dist', 'web/dist', 'data', '.env']) expect(patterns).toContain(out)
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'web/src', 'web/index.html', 'web/vite.config.ts', 'bin']
    for (const file of needed) expect(patterns.filter((p) => file === p || file.startsWith(`${p}/`)), file).toEqual([])
  })
})

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> }

  it('runs Atrium on PostgreSQL and Redis, each with a healthcheck, Atrium after both are healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['atrium', 'postgres', 'redis'])
    for (const [name, service] of Object.entries(compose.services)) {
      const hc = service.healthcheck as { test: string[] } | undefined
      expect(hc?.test?.length, `${name} healthcheck`).toBeGreaterThan(1)
    }
    const atrium = compose.services.atrium!
    expect(atrium.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    expect((atrium.healthcheck as { test: string[] }).test.join(' ')).toContain('/healthz')
    const env = atrium.environment as Record<string, string>
    expect(env.HOST).toBe('0.0.0.0')
    expect(env.ATRIUM_DATABASE_URL).toMatch(/^postgres:\/\/atrium:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/atrium$/)
    expect(env.ATRIUM_REDIS_URL).toBe('redis://redis:6379')
    expect(env.ATRIUM_COOKIE_SECRET).toMatch(/^\$\{ATRIUM_COOKIE_SECRET:\?/)
    // The data volume is mounted where the image keeps its data directory.
    const dataDir = envOf(parseDockerfile(read('Dockerfile')).at(-1)!).ATRIUM_DATA_DIR
    expect(atrium.volumes).toContain(`atrium-data:${dataDir}`)
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['atrium-data', 'postgres-data']))
    expect((compose.services.postgres!.volumes as string[])[0]).toBe('postgres-data:/var/lib/postgresql/data')
  })

  it("the environment it gives Atrium is a valid configuration", () => {
    const env = { ...(compose.services.atrium!.environment as Record<string, string>) }
    const substituted = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        String(v).replace(/\$\{(\w+)(?::?[-?]([^}]*))?\}/g, (_, name: string, fallback: string | undefined) =>
          name === 'POSTGRES_PASSWORD' ? 'secret' : name === 'ATRIUM_COOKIE_SECRET' ? 'x'.repeat(32) : (fallback ?? ''),
        ),
      ]),
    )
    const config = loadConfig(substituted)
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://atrium:secret@postgres:5432/atrium' })
    expect(config.trustProxy).toEqual(['172.16.0.0/12', '10.0.0.0/8', '192.168.0.0/16'])
  })
})

describe('deploy/atrium.service', () => {
  const unit = read('deploy/atrium.service')
  const settings = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!)

  it('runs the built server as an unprivileged, sandboxed service that restarts on failure', () => {
    expect(settings('DynamicUser')).toEqual(['yes'])
    expect(settings('StateDirectory')).toEqual(['atrium'])
    expect(settings('Environment').join(' ')).toContain('ATRIUM_DATA_DIR=/var/lib/atrium')
    expect(settings('ProtectSystem')).toEqual(['strict'])
    expect(settings('NoNewPrivileges')).toEqual(['yes'])
    expect(settings('Restart')).toEqual(['on-failure'])
    expect(settings('EnvironmentFile')).toEqual(['/etc/atrium/atrium.env'])
    expect(settings('ExecStart')).toEqual(['/usr/bin/node /opt/atrium/dist/main.js serve'])
    // Atrium stops within 10 s of SIGTERM; systemd waits longer than that before killing.
    expect(Number.parseInt(settings('TimeoutStopSec')[0]!, 10)).toBeGreaterThan(10)
  })

  it.skipIf(!onPath('systemd-analyze'))(
    `passes systemd-analyze verify${onPath('systemd-analyze') ? '' : ' (skipped: systemd-analyze is not installed here)'}`,
    () => {
      const res = spawnSync('systemd-analyze', ['verify', path.join(root, 'deploy/atrium.service')], { encoding: 'utf8' })
      // Only the unit's own problems count (the host may lack the ExecStart binary's directory).
      const own = `${res.stdout}${res.stderr}`.split('\n').filter((l) => l.includes('atrium.service') && !/is not executable|No such file or directory/.test(l))
      expect(own).toEqual([])
      expect(res.status).toBe(0)
    },
  )
})

describe('reverse-proxy examples', () => {
  it('the realtime socket path they treat specially is the one the web client uses', async () => {
    const env = await TestEnv.create()
    try {
      expect(env.app.hasRoute({ method: 'GET', url: '/app/realtime' })).toBe(true)
    } finally {
      await env.close()
    }
    expect(read('deploy/nginx.conf')).toContain('location = /app/realtime {')
    expect(read('deploy/Caddyfile')).toContain('@realtime path /app/realtime')
  })

  describe('deploy/nginx.conf', () => {
    const conf = read('deploy/nginx.conf')
    /** The directives of `location <match> { … }` (no nested blocks in ours). */
    const location = (match: string) => conf.slice(conf.indexOf(`location ${match} {`)).split('}')[0]!

    it('terminates TLS, redirects HTTP, passes the WebSocket upgrade and the forwarded headers in every location', () => {
      expect(conf).toMatch(/listen 443 ssl;/)
      expect(conf).toMatch(/ssl_certificate\s+\S+;/)
      expect(conf).toMatch(/return 301 https:\/\/\$host\$request_uri;/)
      expect(conf).toMatch(/client_max_body_size 12m;/)
      const realtime = location('= /app/realtime')
      expect(realtime).toContain('proxy_set_header Upgrade $http_upgrade;')
      expect(realtime).toContain('proxy_set_header Connection $atrium_connection_upgrade;')
      expect(realtime).toContain('proxy_http_version 1.1;')
      // A location's own proxy_set_header replaces the server's list: each sets them all.
      for (const loc of [realtime, location('/')]) {
        for (const header of ['Host $host', 'X-Forwarded-For $proxy_add_x_forwarded_for', 'X-Forwarded-Proto $scheme', 'X-Forwarded-Host $host']) {
          expect(loc).toContain(`proxy_set_header ${header};`)
        }
      }
    })

    it.skipIf(!onPath('nginx'))(`passes nginx -t${onPath('nginx') ? '' : ' (skipped: nginx is not installed here)'}`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-nginx-'))
      try {
        // A throw-away certificate stands in for Let's Encrypt's; the file is included in http {}.
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=chat.example.com', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' })
        const site = conf.replace(/\/etc\/letsencrypt\/live\/chat\.example\.com\/fullchain\.pem/, `${dir}/cert.pem`).replace(/\/etc\/letsencrypt\/live\/chat\.example\.com\/privkey\.pem/, `${dir}/key.pem`)
        fs.writeFileSync(`${dir}/atrium.conf`, site)
        const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n')
        fs.writeFileSync(`${dir}/nginx.conf`, `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  include ${dir}/atrium.conf;\n}\n`)
        const res = spawnSync('nginx', ['-t', '-p', dir, '-c', `${dir}/nginx.conf`], { encoding: 'utf8' })
        expect(res.stderr).toContain('syntax is ok')
        expect(res.status).toBe(0)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe('deploy/Caddyfile', () => {
    /** Caddyfile → tokens per line, comments dropped; braces must balance. */
    function blocks(text: string): { depth0: string[]; lines: Array<{ depth: number; words: string[] }> } {
      const lines: Array<{ depth: number; words: string[] }> = []
      const depth0: string[] = []
      let depth = 0
      for (const raw of text.split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '').trim()
        if (line === '') continue
        const words = line.match(/"[^"]*"|\S+/g)!
        if (words[0] === '}') {
          depth--
          expect(depth, 'closing brace without an opening one').toBeGreaterThanOrEqual(0)
          continue
        }
        lines.push({ depth, words })
        if (depth === 0) depth0.push(words[0]!)
        if (words.at(-1) === '{') depth++
      }
      expect(depth, 'unclosed brace').toBe(0)
      return { depth0, lines }
    }

    it('is a site for a host name (automatic HTTPS) proxying to Atrium, with the realtime socket unbuffered', () => {
      const { depth0, lines } = blocks(read('deploy/Caddyfile'))
      // A global options block, then the site: a host name, so Caddy obtains its certificate.
      expect(depth0).toEqual(['{', 'chat.example.com'])
      const site = lines.filter((l) => l.depth === 1)
      const directives = site.map((l) => l.words[0])
      expect(directives).toEqual(expect.arrayContaining(['reverse_proxy', '@realtime', 'request_body', 'header']))
      const proxies = site.filter((l) => l.words[0] === 'reverse_proxy').map((l) => l.words.slice(1).filter((w) => w !== '{'))
      expect(proxies).toEqual([['@realtime', '127.0.0.1:8080'], ['127.0.0.1:8080']])
      expect(lines.some((l) => l.words.join(' ') === 'flush_interval -1')).toBe(true)
      expect(lines.some((l) => l.words.join(' ') === 'max_size 12MB')).toBe(true)
    })

    it.skipIf(!onPath('caddy'))(`passes caddy adapt${onPath('caddy') ? '' : ' (skipped: caddy is not installed here)'}`, () => {
      const res = spawnSync('caddy', ['adapt', '--adapter', 'caddyfile', '--config', path.join(root, 'deploy/Caddyfile')], { encoding: 'utf8' })
      expect(res.stderr).not.toMatch(/Error/)
      expect(res.status).toBe(0)
      const json = JSON.parse(res.stdout) as { apps: { http: { servers: Record<string, { listen: string[] }> } } }
      expect(Object.values(json.apps.http.servers)[0]!.listen).toEqual([':443'])
    })
  })
})

describe('ATRIUM_TRUST_PROXY', () => {
  it('reads false, true, a number of hops, or proxy addresses and CIDRs, and names anything else', () => {
    const base = { ATRIUM_DATA_DIR: os.tmpdir() }
    expect(loadConfig(base).trustProxy).toBe(false)
    expect(loadConfig({ ...base, ATRIUM_TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ ...base, ATRIUM_TRUST_PROXY: '0' }).trustProxy).toBe(0)
    expect(loadConfig({ ...base, ATRIUM_TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ ...base, ATRIUM_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1'])
    for (const bad of ['yes', '10.0.0.0/33', '127.0.0.1,proxy.local', ',']) {
      expect(() => loadConfig({ ...base, ATRIUM_TRUST_PROXY: bad }), bad).toThrow(ConfigError)
      try {
        loadConfig({ ...base, ATRIUM_TRUST_PROXY: bad })
      } catch (err) {
        expect((err as ConfigError).problems.join('\n')).toContain('ATRIUM_TRUST_PROXY')
      }
    }
  })

  const envs: TestEnv[] = []
  afterEach(async () => {
    for (const env of envs.splice(0)) await env.close()
  })

  /** Failed authentications are charged to the client's address: whose address is it behind a proxy? */
  async function failedAuthsFrom(trustProxy: false | string[], clients: string[]): Promise<number[]> {
    const rateLimit = { enabled: true, burst: 2, perSecond: 0.01, keyPrefix: `atrium-test:${randomBytes(6).toString('hex')}` }
    const env = await TestEnv.create({ rateLimit, trustProxy })
    envs.push(env)
    const statuses: number[] = []
    for (const client of clients) {
      // app.inject connects from 127.0.0.1, where the proxy would be.
      const res = await env.inject({ method: 'GET', url: '/v0/token.info', headers: { authorization: 'Bearer rmk-nope.nope', 'x-forwarded-for': client } })
      statuses.push(res.statusCode)
    }
    return statuses
  }

  it('behind a trusted proxy, each client has its own budget; untrusted, X-Forwarded-For is ignored', async () => {
    const clients = ['203.0.113.1', '203.0.113.1', '203.0.113.1', '198.51.100.7']
    // Trusted: the first client runs out, the second is unaffected.
    expect(await failedAuthsFrom(['127.0.0.1'], clients)).toEqual([401, 401, 429, 401])
    // Not trusted (the default): the header could be forged, so everyone is the proxy's address.
    expect(await failedAuthsFrom(false, clients)).toEqual([401, 401, 429, 429])
  })
})
