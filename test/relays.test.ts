import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { requestLogSerializer } from '../src/http/logging.js'
import { validateBlocks } from '../src/blockkit/index.js'
import { randomToken } from '../src/secrets.js'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect, TestEnv, type ClientFixture } from './helpers.js'

let env: TestEnv
let admin: string
let reader: ClientFixture

beforeEach(async () => {
  env = await TestEnv.create()
  admin = (await env.admin()).token
  reader = await env.apiClient({ scopes: ['chat:read', 'chat:history', 'groups:read', 'user:read'] })
})
afterEach(async () => env.close())

type RelayView = Record<string, unknown> & { id: string; bot: string }

async function createRelay(body: Record<string, unknown>): Promise<{ relay: RelayView; url: string; path: string }> {
  const res = await env.post('/admin/relays.create', { token: admin, body })
  expect(res.statusCode, res.body).toBe(200)
  const { relay, url } = res.json() as { relay: RelayView; url: string }
  return { relay, url, path: new URL(url).pathname }
}

function send(path: string, payload: string | object, contentType = 'application/json') {
  return env.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
}

async function lastMessage(chat: string, token = reader.apiKey) {
  const res = await env.get('/v0/chat.history', { token, query: { chat, limit: 1 } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().messages[0] as { sender: string; contentType: string; blocks?: Array<{ text: { text: string } }>; color?: string } | undefined
}

async function relays(): Promise<RelayView[]> {
  const res = await env.get('/admin/relays.list', { token: admin })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().relays
}

describe(`webhook relays (${dialect})`, () => {
  it('round trip: created through the admin API, a JSON POST to its URL appears in the group with template, color and link button', async () => {
    const member = await env.user()
    const group = await env.group({ members: [`U-${member.id}`] })
    const { relay, url, path } = await createRelay({
      name: 'Alerts',
      group: group.address,
      template: '*{{alert.name}}* is {{status}} on {{alert.labels.host}}',
      colorRules: [
        { when: 'status == "firing"', color: 'danger' },
        { when: 'status == "resolved"', color: 'good' },
      ],
      link: { text: 'Open alert', urlTemplate: 'https://grafana.example.com/alerts/{{alert.id}}?name={{alert.name}}' },
    })
    expect(url).toMatch(new RegExp(`^${env.ctx.config.publicUrl}/relay/[A-Za-z0-9]{56}$`))
    expect(relay).toMatchObject({ name: 'Alerts', group: group.address, enabled: true, receivedCount: 0, bot: expect.stringMatching(/^B-/) })

    const res = await send(path, { status: 'firing', alert: { id: 42, name: 'Disk & CPU', labels: { host: 'db-1' } } })
    expect(res.statusCode, res.body).toBe(200)
    const result = res.json()
    expect(result).toEqual({ posted: true, chat: group.chatAddress, timestamp: expect.any(Number) })

    const message = await lastMessage(group.chatAddress)
    expect(message).toMatchObject({ sender: relay.bot, contentType: 'block', color: 'danger', timestamp: result.timestamp })
    expect(message!.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Disk & CPU* is firing on db-1' } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: 'https://grafana.example.com/alerts/42?name=Disk%20%26%20CPU' }] },
    ])
    expect(validateBlocks(message!.blocks)).toEqual({ errors: [], interactive: false })

    // Like any chat.post: the channel event is in the outbox, and the bot joined the group.
    const events = await env.db.selectFrom('outbox').select(['type', 'payload']).where('type', '=', 'chat.message.channel').execute()
    expect(events.map((e) => JSON.parse(e.payload).sender)).toEqual([relay.bot])
    const members = await env.get('/v0/group.members', { token: reader.apiKey, query: { group: group.address } })
    expect(members.statusCode, members.body).toBe(200)
    expect(JSON.stringify(members.json())).toContain(relay.bot)
    // The bot speaks under the relay's name.
    const bot = await env.get('/v0/addr.info', { token: reader.apiKey, query: { addr: relay.bot } })
    expect(bot.json()).toMatchObject({ displayName: 'Alerts' })

    // The relay's bot is not an API client: not listed, not deletable as one.
    const clients = await env.get('/admin/clients.list', { token: admin })
    expect(clients.statusCode).toBe(200)
    expect(JSON.stringify(clients.json())).not.toContain(relay.bot)
    const relayApp = { clientId: bot.json().integrationId }
    expect((await env.post('/admin/clients.delete', { token: admin, body: relayApp })).statusCode).toBe(404)
    expect((await env.post('/admin/clients.setRateLimit', { token: admin, body: { ...relayApp, rateLimitBurst: 5, rateLimitPerSecond: 1 } })).statusCode).toBe(404)
    expect((await env.post('/admin/clients.update', { token: admin, body: { ...relayApp, webhookUrl: null } })).statusCode).toBe(404)
    expect((await env.post('/admin/clients.rotateSecret', { token: admin, body: relayApp })).statusCode).toBe(404)

    const [listed] = await relays()
    expect(listed).toMatchObject({ id: relay.id, receivedCount: 1, postedCount: 1, filteredCount: 0, failedCount: 0, lastReceivedAt: expect.any(String) })
    expect(JSON.stringify(await relays())).not.toContain(path.slice('/relay/'.length))
  })

  it('templates reach nested fields and sections; without a template the payload is shown as a JSON code block', async () => {
    const alex = await env.user()
    const sam = await env.user()
    const pat = await env.personalToken(alex)
    const nested = await createRelay({
      name: 'Builds',
      to: [alex.email, `U-${sam.id}`],
      template: '{{repo.owner.login}}/{{repo.name}}:{{#commits}} {{id}}{{/commits}} by {{{author}}} {{meta}}',
    })
    expect(nested.relay.to).toEqual([`U-${alex.id}`, `U-${sam.id}`])
    const res = await send(nested.path, { repo: { name: 'atrium', owner: { login: 'acme' } }, commits: [{ id: 'a1' }, { id: 'b2' }], author: '<Ann>', meta: { n: 1 } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().chat).toMatch(/^M-/)
    const multi = await lastMessage(res.json().chat, pat)
    expect(multi!.blocks![0]!.text.text).toBe('acme/atrium: a1 b2 by <Ann> {"n":1}')
    expect(multi!.color).toBeUndefined()

    const plain = await createRelay({ name: 'Raw', to: [alex.email] })
    const payload = { event: 'ping', data: { ok: true } }
    const raw = await send(plain.path, payload)
    expect(raw.statusCode, raw.body).toBe(200)
    expect(raw.json().chat).toMatch(/^D-/)
    const dm = await lastMessage(raw.json().chat, pat)
    expect(dm!.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`\n${JSON.stringify(payload, null, 2)}\n\`\`\`` } }])

    // A payload far over the section limit is cut to fit, and still passes Block Kit validation.
    const big = await send(plain.path, { text: 'é'.repeat(20_000) })
    expect(big.statusCode, big.body).toBe(200)
    const cut = await lastMessage(big.json().chat, pat)
    expect(validateBlocks(cut!.blocks)).toEqual({ errors: [], interactive: false })
    expect(cut!.blocks![0]!.text.text).toContain('…')

    // A template that renders nothing for a payload is refused and counted as failed.
    const empty = await createRelay({ name: 'Empty', to: [alex.email], template: '{{missing}}' })
    const none = await send(empty.path, { other: 1 })
    expect(none.statusCode).toBe(400)
    expect(none.json().error).toContain('template')
    expect((await relays()).find((r) => r.id === empty.relay.id)).toMatchObject({ receivedCount: 1, failedCount: 1, lastError: expect.stringContaining('template') })
  })

  it('the filter decides whether a payload is posted', async () => {
    const group = await env.group()
    const { relay, path } = await createRelay({ name: 'PRs', group: group.address, filter: 'action == "opened" and pull_request.draft == false', template: '#{{number}}' })
    const opened = await send(path, { action: 'opened', number: 1, pull_request: { draft: false } })
    expect(opened.json()).toMatchObject({ posted: true })
    const draft = await send(path, { action: 'opened', number: 2, pull_request: { draft: true } })
    expect(draft.statusCode).toBe(200)
    expect(draft.json()).toEqual({ posted: false })
    const closed = await send(path, { action: 'closed', number: 3 })
    expect(closed.json()).toEqual({ posted: false })
    const history = await env.get('/v0/chat.history', { token: reader.apiKey, query: { chat: group.chatAddress } })
    expect(history.json().messages.map((m: { blocks: Array<{ text: { text: string } }> }) => m.blocks[0]!.text.text)).toEqual(['#1'])
    expect((await relays()).find((r) => r.id === relay.id)).toMatchObject({ receivedCount: 3, postedCount: 1, filteredCount: 2 })
  })

  it('color rules: the first rule that holds gives the color; none holding means no color', async () => {
    const group = await env.group()
    const { path } = await createRelay({
      name: 'CI',
      group: group.address,
      template: '{{state}}',
      colorRules: [
        { when: 'state == "failed" and attempt > 2', color: '#FF0000' },
        { when: 'state in ("failed", "errored")', color: 'warning' },
        { when: 'state == "failed"', color: 'danger' },
      ],
    })
    const colors: Array<string | undefined> = []
    for (const payload of [{ state: 'failed', attempt: 3 }, { state: 'failed', attempt: 1 }, { state: 'errored' }, { state: 'passed' }]) {
      expect((await send(path, payload)).statusCode).toBe(200)
      colors.push((await lastMessage(group.chatAddress))!.color)
    }
    expect(colors).toEqual(['#FF0000', 'warning', 'warning', undefined])
  })

  it('bad JSON is 400, unknown and malformed URLs are 404, bodies over 256 KiB are 413', async () => {
    const group = await env.group()
    const { path } = await createRelay({ name: 'Hooks', group: group.address, template: '{{a}}' })
    const bad = await send(path, '{"a": ')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'invalid_request', error: expect.stringContaining('JSON') })
    expect((await send(path, '')).statusCode).toBe(400)
    // JSON sent with a loose content type is still JSON.
    expect((await send(path, '{"a":"x"}', 'text/plain')).statusCode).toBe(200)

    const unknown = await send(`/relay/${randomToken(56)}`, { a: 1 })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'not_found' })
    expect((await send(`/relay/${randomToken(56)}`, '{not json')).statusCode).toBe(404)
    expect((await send('/relay/short', { a: 1 })).statusCode).toBe(404)
    // Right lookup half, wrong secret half.
    expect((await send(`${path.slice(0, '/relay/'.length + 16)}${randomToken(40)}`, { a: 1 })).statusCode).toBe(404)

    const limit = 256 * 1024
    const filler = (n: number) => JSON.stringify({ a: 'x'.repeat(n - '{"a":""}'.length) })
    expect(Buffer.byteLength(filler(limit))).toBe(limit)
    expect((await send(path, filler(limit))).statusCode).toBe(200)
    const over = await send(path, filler(limit + 1))
    expect(over.statusCode).toBe(413)
    expect(over.json()).toMatchObject({ code: 'payload_too_large' })
  })

  it('a retried delivery (same Idempotency-Key or webhook-id) is posted once', async () => {
    const group = await env.group()
    const { path } = await createRelay({ name: 'Retries', group: group.address, template: '{{n}}' })
    const post = (body: object, headers: Record<string, string>) =>
      env.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) })
    const first = await post({ n: 1 }, { 'idempotency-key': 'delivery-1' })
    const again = await post({ n: 1 }, { 'idempotency-key': 'delivery-1' })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual(first.json())
    expect((await post({ n: 2 }, { 'idempotency-key': 'delivery-1' })).statusCode).toBe(409)
    const viaWebhookId = await post({ n: 3 }, { 'webhook-id': 'msg_2x' })
    expect((await post({ n: 3 }, { 'webhook-id': 'msg_2x' })).json()).toEqual(viaWebhookId.json())
    expect((await post({ n: 4 }, {})).statusCode).toBe(200)
    const history = await env.get('/v0/chat.history', { token: reader.apiKey, query: { chat: group.chatAddress } })
    expect(history.json().messages.map((m: { blocks: Array<{ text: { text: string } }> }) => m.blocks[0]!.text.text)).toEqual(['4', '3', '1'])
  })

  it('rotation invalidates the old URL; disabling and deleting make the URL 404', async () => {
    const group = await env.group()
    const first = await createRelay({ name: 'Deploys', group: group.address, template: '{{v}}' })
    const rotated = await env.post('/admin/relays.rotate', { token: admin, body: { id: first.relay.id } })
    expect(rotated.statusCode, rotated.body).toBe(200)
    const next = new URL(rotated.json().url).pathname
    expect(next).not.toBe(first.path)
    expect((await send(first.path, { v: 1 })).statusCode).toBe(404)
    expect((await send(next, { v: 2 })).statusCode).toBe(200)

    const disabled = await env.post('/admin/relays.update', { token: admin, body: { id: first.relay.id, enabled: false } })
    expect(disabled.json()).toMatchObject({ enabled: false })
    expect((await send(next, { v: 3 })).statusCode).toBe(404)
    await env.post('/admin/relays.update', { token: admin, body: { id: first.relay.id, enabled: true, name: 'Releases', template: 'v{{v}}' } })
    expect((await send(next, { v: 4 })).statusCode).toBe(200)
    expect((await lastMessage(group.chatAddress))!.blocks![0]!.text.text).toBe('v4')
    expect((await env.get('/v0/addr.info', { token: reader.apiKey, query: { addr: first.relay.bot } })).json()).toMatchObject({ displayName: 'Releases' })

    const deleted = await env.post('/admin/relays.delete', { token: admin, body: { id: first.relay.id } })
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBe('')
    expect((await send(next, { v: 5 })).statusCode).toBe(404)
    expect(await relays()).toEqual([])
    const members = await env.get('/v0/group.members', { token: reader.apiKey, query: { group: group.address } })
    expect(members.statusCode, members.body).toBe(200)
    expect(JSON.stringify(members.json())).not.toContain(first.relay.bot)
    expect((await env.post('/admin/relays.delete', { token: admin, body: { id: first.relay.id } })).statusCode).toBe(404)
    expect((await env.post('/admin/relays.rotate', { token: admin, body: { id: first.relay.id } })).statusCode).toBe(404)
  })

  it('moving a relay to recipients takes its bot out of the group', async () => {
    const group = await env.group()
    const user = await env.user()
    const { relay, path } = await createRelay({ name: 'Mover', group: group.address })
    const moved = await env.post('/admin/relays.update', { token: admin, body: { id: relay.id, to: [user.email] } })
    expect(moved.statusCode, moved.body).toBe(200)
    expect(moved.json()).toMatchObject({ to: [`U-${user.id}`] })
    expect(moved.json().group).toBeUndefined()
    const members = await env.get('/v0/group.members', { token: reader.apiKey, query: { group: group.address } })
    expect(members.statusCode, members.body).toBe(200)
    expect(JSON.stringify(members.json())).not.toContain(relay.bot)
    expect((await send(path, { a: 1 })).json().chat).toMatch(/^D-/)
  })

  it('settings are validated field by field', async () => {
    const group = await env.group({ name: 'ops-room' })
    const user = await env.user()
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', group: group.address, filter: 'status ==' }, 'filter'],
      [{ name: 'x', group: group.address, template: '{{#open}}never closed' }, 'template'],
      [{ name: 'x', group: group.address, colorRules: [{ when: 'a == 1', color: 'purple' }] }, 'colorRules/0/color'],
      [{ name: 'x', group: group.address, colorRules: [{ when: 'a ==', color: 'good' }] }, 'colorRules/0/when'],
      [{ name: 'x', group: group.address, link: { text: 'y'.repeat(76), urlTemplate: 'https://x' } }, 'link/text'],
      [{ name: 'x', group: group.address, to: [user.email] }, 'group, to'],
      [{ name: 'x' }, 'group'],
      [{ name: 'x', group: 'no-such-group' }, 'group'],
      [{ name: 'x', to: ['nobody@example.com'] }, 'to/0'],
      [{ name: 'x', to: [] }, 'to'],
      [{ name: 'n'.repeat(65), group: group.address }, 'name'],
    ]
    for (const [body, field] of cases) {
      const res = await env.post('/admin/relays.create', { token: admin, body })
      expect(`${res.statusCode} ${res.json().error}`).toMatch(new RegExp(`^400 ${field.replace('/', '\\/')}`))
    }
    // A group may be named by its exact name; 64 characters is the longest name.
    const ok = await env.post('/admin/relays.create', { token: admin, body: { name: 'n'.repeat(64), group: 'ops-room' } })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().relay.group).toBe(group.address)
    const missing = await env.post('/admin/relays.update', { token: admin, body: { id: '00000000-0000-4000-8000-000000000000', name: 'x' } })
    expect(missing.statusCode).toBe(404)
  })

  it('only administrators manage relays', async () => {
    const group = await env.group()
    const user = await env.user()
    const pat = await env.personalToken(user)
    const key = (await env.apiClient()).apiKey
    const body = { name: 'x', group: group.address }
    expect((await env.post('/admin/relays.create', { token: pat, body })).statusCode).toBe(403)
    expect((await env.post('/admin/relays.create', { token: key, body })).statusCode).toBe(403)
    expect((await env.get('/admin/relays.list', { token: pat })).statusCode).toBe(403)
    expect((await env.post('/admin/relays.create', { body })).statusCode).toBe(401)
    expect(await relays()).toEqual([])
  })

  it("request logs show a relay's URL without its secret", async () => {
    const { path } = await createRelay({ name: 'Logged', group: (await env.group()).address })
    const lines: string[] = []
    const app = await buildApp(env.ctx.config, { db: env.db, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) }, serializers: { req: requestLogSerializer } } })
    try {
      const res = await app.inject({ method: 'POST', url: `${path}?x=1`, headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
      expect(res.statusCode).toBe(200)
    } finally {
      await app.close()
    }
    const logged = lines.join('')
    expect(logged).toContain('"url":"/relay/[secret]?x=1"')
    expect(logged).not.toContain(path.slice('/relay/'.length))
  })

  it('each relay has the per-credential request budget', async () => {
    const limited = await TestEnv.create({ rateLimit: { enabled: true, burst: 2, perSecond: 0.1, keyPrefix: `atrium:rl:${randomToken(8)}` } })
    try {
      const token = (await limited.admin()).token
      const group = await limited.group()
      const created = await limited.post('/admin/relays.create', { token, body: { name: 'Busy', group: group.address } })
      const path = new URL(created.json().url).pathname
      const post = () => limited.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
      expect((await post()).statusCode).toBe(200)
      const second = await post()
      expect(second.statusCode).toBe(200)
      expect(second.headers['ratelimit-remaining']).toBe('0')
      const third = await post()
      expect(third.statusCode).toBe(429)
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })
})

describe(`atrium relay CLI (${dialect})`, { timeout: 180_000 }, () => {
  let h: CliHarness
  beforeEach(async () => {
    h = await cliHarness()
  })
  afterEach(async () => h.drop())

  it('relay create --json prints relayId and url; the URL posts; list and delete work', async () => {
    const alex = JSON.parse((await h.cli('user', 'add', '--email', 'alex@example.com', '--name', 'Alex', '--json')).out)
    expect((await h.cli('group', 'create', '--name', 'deploys', '--members', 'alex@example.com', '--json')).code).toBe(0)
    const key = JSON.parse((await h.cli('client', 'create', '--name', 'reader', '--scopes', 'chat:history,chat:read', '--json')).out).apiKey

    const res = await h.cli('relay', 'create', '--name', 'Deploys', '--group', 'deploys', '--template', '{{service}} {{version}}', '--filter', 'env == "prod"',
      '--link-text', 'Changelog', '--link-url', 'https://example.com/{{service}}/{{version}}', '--json')
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    const printed = JSON.parse(res.out)
    expect(printed).toMatchObject({ relayId: expect.stringMatching(/^[0-9a-f-]{36}$/), url: expect.stringMatching(/\/relay\/[A-Za-z0-9]{56}$/) })
    const dm = JSON.parse((await h.cli('relay', 'create', '--name', 'Pager', '--to', 'alex@example.com', '--json')).out)

    const s = await h.server()
    try {
      const post = (url: string, body: object) => s.app.inject({ method: 'POST', url: new URL(url).pathname, headers: { 'content-type': 'application/json' }, payload: body })
      expect((await post(printed.url, { env: 'staging', service: 'api', version: '1.2' })).json()).toEqual({ posted: false })
      const posted = await post(printed.url, { env: 'prod', service: 'api', version: '1.3' })
      expect(posted.statusCode, posted.body).toBe(200)
      const history = await s.app.inject({ method: 'GET', url: `/v0/chat.history?chat=${posted.json().chat}`, headers: { authorization: `Bearer ${key}` } })
      expect(history.json().messages[0].blocks).toEqual([
        { type: 'section', text: { type: 'mrkdwn', text: 'api 1.3' } },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Changelog' }, url: 'https://example.com/api/1.3' }] },
      ])
      const direct = await post(dm.url, { page: true })
      expect(direct.statusCode, direct.body).toBe(200)
      expect(direct.json().chat).toMatch(/^D-/)
    } finally {
      await s.close()
    }

    const listed = JSON.parse((await h.cli('relay', 'list', '--json')).out)
    expect(listed.relays.map((r: { name: string }) => r.name)).toEqual(['Deploys', 'Pager'])
    expect(listed.relays[1].to).toEqual([alex.id])
    expect(JSON.stringify(listed)).not.toContain(new URL(printed.url).pathname.slice('/relay/'.length))
    expect((await h.cli('relay', 'delete', printed.relayId, '--json')).code).toBe(0)
    expect(JSON.parse((await h.cli('relay', 'list', '--json')).out).relays.map((r: { name: string }) => r.name)).toEqual(['Pager'])

    const both = await h.cli('relay', 'create', '--name', 'x', '--group', 'deploys', '--to', 'alex@example.com', '--json')
    expect(both.code).toBe(2)
    expect(both.err).toContain('--group')
    const badFilter = await h.cli('relay', 'create', '--name', 'x', '--group', 'deploys', '--filter', 'env ==', '--json')
    expect(badFilter.code).toBe(2)
    expect(badFilter.err).toContain('filter')
  })
})
