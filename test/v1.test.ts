import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import { exportMessageEvents, exportMessageId } from '../src/actions/export.js'
import { numericRoamId } from '../src/actions/v1.js'
import { contractErrors, haveSpecs } from './contract.js'
import { TestEnv } from './helpers.js'
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
    if (haveSpecs) {
      expect(contractErrors('hq-v1.json', '/groups.list', 'get', 200, body)).toEqual([])
      expect(contractErrors('hq-v1.json', '/groups.list', 'get', 200, [{ roamId: 'x' }])).not.toEqual([])
    }
  })

  it('needs groups:read and an organization key; other verbs are 405', async () => {
    const other = await env.apiClient({ scopes: ['chat:read'] })
    const res = await env.get('/v1/groups.list', { token: other.apiKey })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({ error: expect.stringContaining('groups:read'), code: 'missing_scope' })
    const user = await env.user()
    const personal = await env.get('/v1/groups.list', { token: await env.personalToken(user) })
    expect(personal.statusCode).toBe(403)
    expect(personal.json().code).toBe('access_mode_not_supported')
    expect((await env.get('/v1/groups.list')).statusCode).toBe(401)
    const post = await env.post('/v1/groups.list', { token: other.apiKey, body: {} })
    expect(post.statusCode).toBe(405)
    expect(post.json().error).toEqual(expect.any(String))
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
      expect(res.json()).toEqual({ error: expect.stringContaining('Magicast'), code: 'not_found' })
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
      expect(res.json().error).toContain('date')
      if (haveSpecs) expect(contractErrors('hq-v1.json', '/messageevent.export', 'post', 400, res.json())).toEqual([])
    }
    const reader = await env.apiClient({ scopes: ['chat:history'] })
    const denied = await env.post('/v1/messageevent.export', { token: reader.apiKey, body: { date: '2026-01-21' } })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().code).toBe('missing_scope')
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
