import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import { exportMessageEvents, exportMessageId } from '../src/actions/export.js'
import { numericRoamId } from '../src/actions/v1.js'
import { buildApp } from '../src/app.js'
import { runCli } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/store/db.js'
import { contractErrors } from './contract.js'
import { freshDatabase, pgUrl, TestEnv } from './helpers.js'
import { insertMessageRows } from './message-rows.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const DAY = Date.UTC(2026, 0, 21) * 1000
const HOUR = 3_600_000_000

describe('GET /v1/groups.list', () => {
  it('lists public, non-archived groups with bare UUIDs, valid against hq-v1.json', async () => {
    const client = await env.apiClient({ scopes: ['groups:read'] })
    const first = await env.group({ name: 'All Hands' })
    const second = await env.group({ name: 'Engineering', enforceThreads: true })
    await env.group({ name: 'Secret', private: true })
    const archived = await env.group({ name: 'Old' })
    await env.db.updateTable('groups').set({ archived_at: DAY }).where('id', '=', archived.id).execute()
    await env.db.updateTable('groups').set({ group_type: 'roam', image_url: 'https://example.com/a.png' }).where('id', '=', first.id).execute()

    const res = await env.get('/v1/groups.list', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    const roamId = numericRoamId(env.org.id)
    expect(body).toEqual([
      {
        addressId: first.id,
        roamId,
        accountId: roamId,
        groupType: 'roam',
        name: 'All Hands',
        accessMode: 'public',
        groupManagement: 'groupAdminsOnly',
        enforceThreadedMode: false,
        dateCreated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        imageUrl: 'https://example.com/a.png',
      },
      expect.objectContaining({ addressId: second.id, groupType: 'group', name: 'Engineering', enforceThreadedMode: true }),
    ])
    expect(body[0].addressId).toMatch(uuidRe)
    expect(Number.isInteger(roamId) && roamId >= 0).toBe(true)
    expect(contractErrors('hq-v1.json', '/groups.list', 'get', 200, body)).toEqual([])
    expect(contractErrors('hq-v1.json', '/groups.list', 'get', 200, [{ roamId: 'x' }])).not.toEqual([])
  })

  it('needs groups:read and an organization key; other verbs are 405', async () => {
    const other = await env.apiClient({ scopes: ['chat:read'] })
    const res = await env.get('/v1/groups.list', { token: other.apiKey })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({ ok: false, error: 'missing_scope', message: expect.stringContaining('groups:read') })
    const user = await env.user()
    const personal = await env.get('/v1/groups.list', { token: await env.personalToken(user) })
    expect(personal.statusCode).toBe(403)
    expect(personal.json().error).toBe('access_mode_not_supported')
    expect((await env.get('/v1/groups.list')).statusCode).toBe(401)
    const post = await env.post('/v1/groups.list', { token: other.apiKey, body: {} })
    expect(post.statusCode).toBe(405)
    expect(post.json()).toEqual({ ok: false, error: 'method_not_allowed', message: expect.any(String) })
  })
})

describe('GET /v1/test and Magicast', () => {
  it('/v1/test answers 200 "Valid" without authentication', async () => {
    const res = await env.get('/v1/test')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('Valid')
  })

  it('magicast endpoints answer 404 saying Atrium has no Magicast', async () => {
    const client = await env.apiClient()
    for (const url of ['/v1/magicast.list', '/v1/magicast.info']) {
      const res = await env.get(url, { token: client.apiKey, query: { id: '9003ec0e-ea7d-41b4-93cf-ef42d730f771' } })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ ok: false, error: 'not_found', message: `Atrium has no Magicast feature: ${url} is not available` })
      // Also without credentials or query: the feature is absent, whoever asks.
      expect((await env.get(url)).json().message).toContain('Atrium has no Magicast')
    }
  })
})

/** Counts the rows every query returns, to see how much of the day was read so far. */
class RowCounter implements KyselyPlugin {
  rows = 0
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.rows += args.result.rows.length
    return args.result
  }
}

function lines(body: string): Array<Record<string, unknown>> {
  return body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('POST /v1/messageevent.export', () => {
  it('streams the day as NDJSON: sent, edited and deleted events in time order', async () => {
    const client = await env.apiClient({ scopes: ['admin:compliance:read'], name: 'Datadog' })
    const user = await env.user({ name: 'Alex Chen', email: 'alex.chen@example.com' })
    const group = await env.group({ members: [`U-${user.id}`, client.bot] })
    // Day before, the day itself (three messages, one edited, one deleted), the day after.
    await insertMessageRows(env.db, group.chatId, { count: 1, sender: `U-${user.id}`, startTs: DAY - HOUR })
    await insertMessageRows(env.db, group.chatId, {
      count: 3,
      sender: `U-${user.id}`,
      startTs: DAY + HOUR,
      step: HOUR,
      text: (i) => `Good morning ${i}`,
      editedAt: (i) => (i === 0 ? DAY + 10 * HOUR : null),
      deletedAt: (i) => (i === 1 ? DAY + 11 * HOUR : null),
    })
    await insertMessageRows(env.db, group.chatId, { count: 1, sender: client.bot, startTs: DAY + 4 * HOUR, text: () => 'deploy done' })
    await insertMessageRows(env.db, group.chatId, { count: 1, sender: `U-${user.id}`, startTs: DAY + 5 * HOUR, contentType: 'system' })
    await insertMessageRows(env.db, group.chatId, { count: 1, sender: `U-${user.id}`, startTs: DAY + 24 * HOUR })
    // Edited the day before's message today: an edited event today, no sent event.
    await env.db.updateTable('messages').set({ edited_at: DAY + 12 * HOUR }).where('ts', '=', DAY - HOUR).execute()

    const res = await env.post('/v1/messageevent.export', { token: client.apiKey, body: { date: '2026-01-21' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('application/x-ndjson')
    expect(res.body.endsWith('\n')).toBe(true)
    const events = lines(res.body)
    expect(events.map((e) => [e.eventType, e.timestamp])).toEqual([
      ['sent', DAY + HOUR],
      ['sent', DAY + 2 * HOUR],
      ['sent', DAY + 3 * HOUR],
      ['sent', DAY + 4 * HOUR],
      ['edited', DAY + HOUR],
      ['deleted', DAY + 2 * HOUR],
      ['edited', DAY - HOUR],
    ])
    expect(events[0]).toEqual({
      eventType: 'sent',
      chatId: group.chatId,
      timestamp: DAY + HOUR,
      messageId: exportMessageId(group.chatId, DAY + HOUR),
      sender: { participantType: 'email', id: `U-${user.id}`, displayName: 'Alex Chen', email: 'alex.chen@example.com' },
      contentType: 'text',
      content: { text: 'Good morning 0', markdownText: 'Good morning 0', attachments: [] },
    })
    expect(events[0]!.messageId).toMatch(uuidRe)
    expect(events[4]!.messageId).toBe(events[0]!.messageId)
    expect(events[3]!.sender).toEqual({
      participantType: 'bot',
      id: client.bot,
      displayName: 'Datadog',
      roamId: numericRoamId(env.org.id),
      integrationId: client.app.clientId,
      botCode: client.app.id,
    })
  })

  it('answers an empty body for a day without events and 400 for anything but a UTC calendar date', async () => {
    const client = await env.apiClient({ scopes: ['admin:compliance:read'] })
    const empty = await env.post('/v1/messageevent.export', { token: client.apiKey, body: { date: '2026-01-21' } })
    expect(empty.statusCode).toBe(200)
    expect(empty.body).toBe('')
    for (const body of [{ date: '2026-02-30' }, { date: '2026-1-21' }, { date: '2026-01-21T00:00:00Z' }, {}, { date: 20260121 }]) {
      const res = await env.post('/v1/messageevent.export', { token: client.apiKey, body })
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json()).toEqual({ ok: false, error: 'invalid_arguments', message: expect.stringContaining('date') })
      expect(contractErrors('hq-v1.json', '/messageevent.export', 'post', 400, res.json())).toEqual([])
    }
    const reader = await env.apiClient({ scopes: ['chat:history'] })
    const denied = await env.post('/v1/messageevent.export', { token: reader.apiKey, body: { date: '2026-01-21' } })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().error).toBe('missing_scope')
    expect((await env.get('/v1/messageevent.export', { token: client.apiKey })).statusCode).toBe(405)
  })

  it('produces its first lines after reading one page per event kind, not the whole day', async () => {
    const user = await env.user()
    const group = await env.group()
    const count = 2000
    await insertMessageRows(env.db, group.chatId, {
      count,
      sender: `U-${user.id}`,
      startTs: DAY,
      step: 1_000_000,
      editedAt: (i) => (i % 4 === 0 ? DAY + HOUR * 20 + i : null),
    })
    const counter = new RowCounter()
    const ctx = { ...env.ctx, db: env.db.withPlugin(counter) }
    const pageSize = 100
    const chunks = exportMessageEvents(ctx, env.org.id, '2026-01-21', { pageSize })
    expect(counter.rows).toBe(0)
    const first = await chunks.next()
    expect(lines(first.value as string)).toHaveLength(pageSize)
    // One page of each scan (sent, edited; deleted is empty) and the sender: far from the day's 2,500 events.
    expect(counter.rows).toBeLessThanOrEqual(2 * pageSize + 1)
    let total = lines(first.value as string).length
    let chunkCount = 1
    for await (const chunk of chunks) {
      total += lines(chunk).length
      chunkCount++
    }
    expect(total).toBe(count + count / 4)
    expect(chunkCount).toBe((count + count / 4) / pageSize)
  })

  it('exports thousands of events through the API with each event exactly once', async () => {
    const client = await env.apiClient({ scopes: ['admin:compliance:read'] })
    const user = await env.user()
    const a = await env.group()
    const b = await env.group()
    await insertMessageRows(env.db, a.chatId, { count: 1500, sender: `U-${user.id}`, startTs: DAY, step: 10_000_000 })
    await insertMessageRows(env.db, b.chatId, { count: 1500, sender: `U-${user.id}`, startTs: DAY, step: 10_000_000 })
    const res = await env.post('/v1/messageevent.export', { token: client.apiKey, body: { date: '2026-01-21' } })
    expect(res.statusCode).toBe(200)
    const events = lines(res.body)
    expect(events).toHaveLength(3000)
    expect(new Set(events.map((e) => e.messageId)).size).toBe(3000)
    const keys = events.map((e) => ({ ts: e.timestamp as number, chat: e.chatId as string }))
    const sorted = [...keys].sort((x, y) => x.ts - y.ts || (x.chat < y.chat ? -1 : x.chat > y.chat ? 1 : 0))
    expect(keys).toEqual(sorted)
  })
})

type Outbox = { type: string; payload: Record<string, unknown>; routing: Record<string, unknown> }

async function outbox(type: string): Promise<Outbox[]> {
  const rows = await env.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('seq').execute()
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload), routing: JSON.parse(r.routing) }))
}

describe('POST /v1/chat.sendMessage', () => {
  it("sends the spec's example to a public group through chat.post's action: chat.history, outbox event, persona", async () => {
    const member = await env.user()
    const sender = await env.apiClient({ scopes: ['chat:send_message'], name: 'CI' })
    const reader = await env.apiClient({ scopes: ['chat:history'] })
    // The bot is not a member: public groups from groups.list take its messages.
    const group = await env.group({ name: 'Alerts', members: [`U-${member.id}`] })

    const res = await env.post('/v1/chat.sendMessage', {
      token: sender.apiKey,
      body: { recipients: [group.id], sender: { id: 'datadog', name: 'Datadog' }, text: 'Test message' },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ chatId: group.chatId, status: 'ok' })
    expect(res.json().chatId).toMatch(uuidRe)
    expect(contractErrors('hq-v1.json', '/chat.sendMessage', 'post', 200, res.json())).toEqual([])

    const history = await env.get('/v0/chat.history', { token: reader.apiKey, query: { chat: group.chatAddress } })
    expect(history.statusCode).toBe(200)
    const [message] = history.json().messages
    expect(message).toEqual({ type: 'message', contentType: 'text', sender: sender.bot, chat: group.chatAddress, timestamp: expect.any(Number), text: 'Test message' })
    expect(contractErrors('chat.json', '/chat.history', 'get', 200, history.json())).toEqual([])

    const [event] = await outbox('chat.message.channel')
    expect(event!.payload).toEqual(message)
    expect(event!.routing).toMatchObject({ chat: group.chatAddress, group: group.address, sender: sender.bot, addresses: [`U-${member.id}`] })

    const row = await env.db.selectFrom('messages').selectAll().where('chat_id', '=', group.chatId).executeTakeFirstOrThrow()
    expect(JSON.parse(row.persona!)).toEqual({ id: 'datadog', name: 'Datadog', imageUrl: null })
    expect(row.markdown).toBe(1)

    // The compliance export names the persona: displayName and botCode.
    const day = new Date(Number(row.created_at) / 1000).toISOString().slice(0, 10)
    const exporter = await env.apiClient({ scopes: ['admin:compliance:read'] })
    const exported = lines((await env.post('/v1/messageevent.export', { token: exporter.apiKey, body: { date: day } })).body)
    expect(exported[0]!.sender).toEqual({ participantType: 'bot', id: sender.bot, displayName: 'Datadog', roamId: numericRoamId(env.org.id), integrationId: sender.app.clientId, botCode: 'datadog' })
  })

  it('keeps markdown: false and @-mentions, and without sender posts under the app name', async () => {
    const member = await env.user()
    const client = await env.apiClient({ scopes: ['chat:send_message'] })
    const group = await env.group({ members: [`U-${member.id}`] })
    const res = await env.post('/v1/chat.sendMessage', {
      token: client.apiKey,
      body: { recipients: [group.id.toUpperCase()], text: `Build **red**\n\ncc <@${`U-${member.id}`}>`, markdown: false },
    })
    expect(res.statusCode, res.body).toBe(200)
    const row = await env.db.selectFrom('messages').selectAll().where('chat_id', '=', group.chatId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ markdown: 0, persona: null, text: `Build **red**\n\ncc <@U-${member.id}>` })
    const [mention] = await outbox('chat.message.mention')
    expect(mention!.routing.mentions).toEqual([`U-${member.id}`])
  })

  it('posts to a private group only when the bot is a member; unknown and archived groups are 403', async () => {
    const client = await env.apiClient({ scopes: ['chat:send_message'] })
    const send = (recipient: string) => env.post('/v1/chat.sendMessage', { token: client.apiKey, body: { recipients: [recipient], text: 'hi' } })
    const closed = await env.group({ private: true })
    const joined = await env.group({ private: true, members: [client.bot] })
    const archived = await env.group()
    await env.db.updateTable('groups').set({ archived_at: DAY }).where('id', '=', archived.id).execute()

    expect((await send(joined.id)).statusCode).toBe(200)
    for (const recipient of [closed.id, archived.id, '757dfe66-37b4-4772-baa5-8c86ec68c176']) {
      const res = await send(recipient)
      expect(res.statusCode, recipient).toBe(403)
      expect(res.json()).toEqual({ ok: false, error: 'forbidden', message: expect.any(String) })
    }
    // An unknown group answers exactly as a private one the bot is not in: existence is not disclosed.
    expect((await send('757dfe66-37b4-4772-baa5-8c86ec68c176')).json()).toEqual((await send(closed.id)).json())
    const count = await env.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(1)
  })

  it('answers bad requests with 400 naming the field, and applies the text limit at its edge', async () => {
    const client = await env.apiClient({ scopes: ['chat:send_message'] })
    const group = await env.group()
    const send = (body: unknown) => env.post('/v1/chat.sendMessage', { token: client.apiKey, body })
    const cases: Array<[unknown, string]> = [
      [{ text: 'x' }, 'recipients'],
      [{ recipients: [], text: 'x' }, 'recipients'],
      [{ recipients: [group.id, group.id], text: 'x' }, 'recipients'],
      [{ recipients: ['general'], text: 'x' }, 'recipients/0'],
      [{ recipients: [group.address], text: 'x' }, 'recipients/0'],
      [{ recipients: [group.id] }, 'text'],
      [{ recipients: [group.id], text: '  ' }, 'text'],
      [{ recipients: [group.id], text: 'x', markdown: 'no' }, 'markdown'],
      [{ recipients: [group.id], text: 'x', sender: { name: 'No id' } }, 'sender'],
      [{ recipients: [group.id], text: 'x', sender: { id: 'd'.repeat(17) } }, 'sender/id'],
      [{ recipients: [group.id], text: 'x', sender: { id: '' } }, 'sender/id'],
      [{ recipients: [group.id], text: 'x', sender: { id: 'dd', imageUrl: 'javascript:alert(1)' } }, 'sender/imageUrl'],
    ]
    for (const [body, field] of cases) {
      const res = await send(body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().message, JSON.stringify(body)).toContain(field)
      expect(contractErrors('hq-v1.json', '/chat.sendMessage', 'post', 400, res.json())).toEqual([])
    }
    expect((await send({ recipients: [group.id], text: 'x', sender: { id: 'd'.repeat(16), imageUrl: 'https://example.com/d.png' } })).statusCode).toBe(200)
    expect((await send({ recipients: [group.id], text: 't'.repeat(8_000) })).statusCode).toBe(200)
    const tooLong = await send({ recipients: [group.id], text: 't'.repeat(8_001) })
    expect(tooLong.statusCode).toBe(413)
    expect(tooLong.json()).toEqual({ ok: false, error: 'payload_too_large', message: 'text: must be at most 8000 bytes as UTF-8 (got 8001)' })
    const count = await env.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(2)
  })

  it('needs chat:send_message and an organization key; other verbs are 405', async () => {
    const group = await env.group()
    const body = { recipients: [group.id], text: 'x' }
    const writer = await env.apiClient({ scopes: ['chat:write', 'chat:history'] })
    const denied = await env.post('/v1/chat.sendMessage', { token: writer.apiKey, body })
    expect(denied.statusCode).toBe(403)
    expect(denied.json()).toEqual({ ok: false, error: 'missing_scope', message: expect.stringContaining('chat:send_message') })
    const user = await env.user()
    const personal = await env.post('/v1/chat.sendMessage', { token: await env.personalToken(user), body })
    expect(personal.statusCode).toBe(403)
    expect(personal.json().error).toBe('access_mode_not_supported')
    const anonymous = await env.post('/v1/chat.sendMessage', { body })
    expect(anonymous.statusCode).toBe(401)
    expect(contractErrors('hq-v1.json', '/chat.sendMessage', 'post', 401, anonymous.json())).toEqual([])
    const get = await env.get('/v1/chat.sendMessage', { token: writer.apiKey })
    expect(get.statusCode).toBe(405)
    expect(contractErrors('hq-v1.json', '/chat.sendMessage', 'post', 405, get.json())).toEqual([])
  })

  it('is rate limited like every other method: 429 with Retry-After after the burst', async () => {
    const limited = await TestEnv.create({ rateLimit: { enabled: true, burst: 2, perSecond: 1, keyPrefix: `atrium-test:${randomBytes(6).toString('hex')}` } })
    try {
      const client = await limited.apiClient({ scopes: ['chat:send_message'] })
      const group = await limited.group()
      const send = () => limited.post('/v1/chat.sendMessage', { token: client.apiKey, body: { recipients: [group.id], text: 'x' } })
      expect((await send()).statusCode).toBe(200)
      expect((await send()).statusCode).toBe(200)
      const third = await send()
      expect(third.statusCode).toBe(429)
      expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    } finally {
      await limited.close()
    }
  })
})

const here = path.dirname(fileURLToPath(import.meta.url))
const vtt = fs.readFileSync(path.join(here, 'fixtures/standup.vtt'), 'utf8')

/** A meeting imported and given a recording through the meeting ingestion admin API. */
async function recordedMeeting(admin: { token: string }, start: string, room: string, location?: string) {
  const imported = await env.post('/admin/meetings.import', {
    token: admin.token,
    body: { title: `Meeting ${start}`, start, participants: [], format: 'vtt', content: vtt, room },
  })
  expect(imported.statusCode, imported.body).toBe(200)
  const attached = await env.post('/admin/meetings.attachRecording', {
    token: admin.token,
    body: { meetingId: imported.json().meetingId, videoUrl: `https://media.example.com/rec/${start.slice(0, 10)}.mp4?pwd=abc123`, ...(location ? { location } : {}) },
  })
  expect(attached.statusCode, attached.body).toBe(200)
  return attached.json() as { recordingId: string; startTime: string; endTime: string }
}

describe('GET /v1/recording.list', () => {
  it('lists recordings attached through the ingestion API, newest first, with the five documented fields', async () => {
    const admin = await env.admin()
    const a = await recordedMeeting(admin, '2026-01-19T10:00:00Z', 'Huddle Space')
    const b = await recordedMeeting(admin, '2026-01-20T10:00:00Z', 'Conference Room A')
    const c = await recordedMeeting(admin, '2026-01-21T14:10:54Z', 'Conference Room A', 'Board Room')
    const client = await env.apiClient({ scopes: ['recordings:read'] })

    const res = await env.get('/v1/recording.list', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      recordings: [
        { recordingId: c.recordingId, location: 'Board Room', startTime: '2026-01-21T14:10:54Z', endTime: '2026-01-21T14:11:17Z', videoUrl: 'https://media.example.com/rec/2026-01-21.mp4?pwd=abc123' },
        { recordingId: b.recordingId, location: 'Conference Room A', startTime: '2026-01-20T10:00:00Z', endTime: '2026-01-20T10:00:23Z', videoUrl: 'https://media.example.com/rec/2026-01-20.mp4?pwd=abc123' },
        expect.objectContaining({ recordingId: a.recordingId, location: 'Huddle Space' }),
      ],
    })
    for (const r of body.recordings) expect(r.recordingId).toMatch(uuidRe)
    expect(contractErrors('hq-v1.json', '/recording.list', 'get', 200, body)).toEqual([])
    expect(contractErrors('hq-v1.json', '/recording.list', 'get', 200, { recordings: [{ recordingId: 'R-1' }] })).not.toEqual([])
  })

  it('pages with limit and cursor, oldest first from after (inclusive), before exclusive, dates in UTC', async () => {
    const admin = await env.admin()
    const ids: string[] = []
    for (let day = 10; day <= 14; day++) ids.push((await recordedMeeting(admin, `2026-02-${day}T09:00:00Z`, 'Room')).recordingId)
    const client = await env.apiClient({ scopes: ['recordings:read'] })
    const list = (query: Record<string, string | number>) => env.get('/v1/recording.list', { token: client.apiKey, query })

    const walk = async (query: Record<string, string | number>) => {
      const seen: string[] = []
      let body = (await list(query)).json()
      seen.push(...body.recordings.map((r: { recordingId: string }) => r.recordingId))
      while (body.nextCursor) {
        expect(contractErrors('hq-v1.json', '/recording.list', 'get', 200, body)).toEqual([])
        body = (await list({ ...query, cursor: body.nextCursor })).json()
        seen.push(...body.recordings.map((r: { recordingId: string }) => r.recordingId))
      }
      expect(body.nextCursor).toBeUndefined()
      return seen
    }
    expect(await walk({ limit: 2 })).toEqual([...ids].reverse())
    expect(await walk({ limit: 2, after: '2026-02-11' })).toEqual(ids.slice(1))
    expect(await walk({ limit: 1, after: '2026-02-11T09:00:00Z', before: '2026-02-13T09:00:00Z' })).toEqual(ids.slice(1, 3))
    expect(await walk({ before: '2026-02-12' })).toEqual([ids[1], ids[0]])
    expect((await list({ limit: 1 })).json().recordings).toHaveLength(1)
    expect((await list({ limit: 100 })).json().recordings).toHaveLength(5)
    // Default page size: 10.
    for (let day = 15; day <= 20; day++) await recordedMeeting(admin, `2026-02-${day}T09:00:00Z`, 'Room')
    const first = (await list({})).json()
    expect(first.recordings).toHaveLength(10)
    expect(first.nextCursor).toEqual(expect.any(String))
  })

  it('answers bad parameters with 400 naming them, needs recordings:read and an organization key', async () => {
    const client = await env.apiClient({ scopes: ['recordings:read'] })
    const cursor = (ascending: boolean) => Buffer.from(JSON.stringify([1, 'x', ascending ? 'a' : 'd'])).toString('base64url')
    const cases: Array<[Record<string, string | number>, string]> = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ after: 'yesterday' }, 'after'],
      [{ before: '2026-13-01' }, 'before'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ cursor: cursor(true) }, 'cursor'],
    ]
    for (const [query, field] of cases) {
      const res = await env.get('/v1/recording.list', { token: client.apiKey, query })
      expect(res.statusCode, JSON.stringify(query)).toBe(400)
      expect(res.json()).toEqual({ ok: false, error: 'invalid_arguments', message: expect.stringContaining(field) })
    }
    expect((await env.get('/v1/recording.list', { token: client.apiKey, query: { cursor: cursor(false) } })).statusCode).toBe(200)
    const other = await env.apiClient({ scopes: ['meetings:read'] })
    const denied = await env.get('/v1/recording.list', { token: other.apiKey })
    expect(denied.statusCode).toBe(403)
    expect(denied.json()).toEqual({ ok: false, error: 'missing_scope', message: expect.stringContaining('recordings:read') })
    const user = await env.user()
    expect((await env.get('/v1/recording.list', { token: await env.personalToken(user) })).json().error).toBe('access_mode_not_supported')
    expect((await env.get('/v1/recording.list')).statusCode).toBe(401)
    expect((await env.post('/v1/recording.list', { token: client.apiKey, body: {} })).statusCode).toBe(405)
  })
})

describe('quick start: groups.list with a key from atrium client create', () => {
  it('answers curl -H "Authorization: Bearer $API_KEY" /v1/groups.list', async () => {
    const fresh = await freshDatabase()
    const dataDir = `${fresh.config.dataDir}-cli`
    const cliEnv: NodeJS.ProcessEnv =
      fresh.config.database.dialect === 'sqlite'
        ? { ATRIUM_DATA_DIR: dataDir }
        : { ATRIUM_DATABASE_URL: `${pgUrl}?options=${encodeURIComponent(`-c search_path=${fresh.config.database.schema!}`)}`, ATRIUM_DATA_DIR: dataDir }
    const cli = async (...argv: string[]) => {
      let out = ''
      let err = ''
      const code = await runCli(argv, { env: cliEnv, stdout: (t) => (out += t), stderr: (t) => (err += t) })
      return { code, out, err }
    }
    try {
      const created = await cli('client', 'create', '--name', 'quickstart', '--scopes', 'groups:read', '--json')
      expect(created.code, created.err).toBe(0)
      const { apiKey } = JSON.parse(created.out) as { apiKey: string }
      expect(apiKey).toMatch(/^rmk-/)
      expect((await cli('group', 'create', '--name', 'Engineering Team', '--json')).code).toBe(0)

      const config = loadConfig(cliEnv)
      const db = openDatabase(fresh.config.database.dialect === 'sqlite' ? config.database : fresh.config.database)
      const app = await buildApp(config, { db, logger: false })
      try {
        // Exactly the quick start's request: a GET with one Authorization header.
        const res = await app.inject({ method: 'GET', url: '/v1/groups.list', headers: { Authorization: `Bearer ${apiKey}` } })
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-type']).toContain('application/json')
        const body = res.json()
        expect(body).toEqual([expect.objectContaining({ name: 'Engineering Team', groupType: 'group', accessMode: 'public', addressId: expect.stringMatching(uuidRe) })])
        expect(contractErrors('hq-v1.json', '/groups.list', 'get', 200, body)).toEqual([])
        // The key holds groups:read only.
        expect((await app.inject({ method: 'GET', url: '/v1/recording.list', headers: { Authorization: `Bearer ${apiKey}` } })).statusCode).toBe(403)
      } finally {
        await app.close()
        await db.destroy()
      }
    } finally {
      await fresh.drop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
