import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Dispatcher } from '../src/events/dispatcher.js'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { contractErrors } from './contract.js'
import { dialect } from './helpers.js'
import { Receiver } from './receiver.js'
import { webhookPayloadErrors } from './contract.js'

const here = path.dirname(fileURLToPath(import.meta.url))
let h: CliHarness
const cli = (...argv: string[]) => h.cli(...argv)
/** A server on the database the CLI wrote to. */
const server = () => h.server()

// Webhook receivers in these tests listen on 127.0.0.1.
beforeEach(async () => {
  h = await cliHarness({ ATRIUM_ALLOW_PRIVATE_URLS: 'true' })
})
afterEach(async () => h.drop())

// Each CLI run opens and migrates the database; on a loaded machine a test takes well over the default limit.
describe(`atrium meeting / lobby CLI (${dialect})`, { timeout: 180_000 }, () => {
  it('meeting import <file.vtt> --json prints meetingId and transcriptId; transcript.info shows cues and speakers', async () => {
    expect((await cli('user', 'add', '--email', 'alex@example.com', '--name', 'Alex Chen', '--json')).code).toBe(0)
    const jordan = JSON.parse((await cli('user', 'add', '--email', 'jordan@example.com', '--name', 'Jordan Smith', '--json')).out)
    const key = JSON.parse((await cli('client', 'create', '--name', 'reader', '--scopes', 'transcript:read', '--json')).out).apiKey
    const res = await cli(
      'meeting', 'import', path.join(here, 'fixtures/standup.vtt'),
      '--title', 'Standup', '--start', '2026-01-21T17:32:39Z', '--participants', 'alex@example.com,jordan@example.com', '--json',
    )
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    const printed = JSON.parse(res.out)
    expect(printed).toMatchObject({ meetingId: expect.stringMatching(/^[0-9a-f-]{36}$/), transcriptId: expect.stringMatching(/^[0-9a-f-]{36}$/), cues: 5 })
    const s = await server()
    try {
      const info = await s.app.inject({ method: 'GET', url: `/v0/transcript.info?id=${printed.transcriptId}`, headers: { authorization: `Bearer ${key}` } })
      expect(info.statusCode).toBe(200)
      const body = info.json()
      expect(contractErrors('chat.json', '/transcript.info', 'get', 200, body)).toEqual([])
      expect(body.meetingId).toBe(printed.meetingId)
      expect(body.cues.map((c: { speaker: string }) => c.speaker)).toEqual(['Alex Chen', 'Jordan Smith', 'Alex Chen', 'Jordan Smith', 'Sam Guest'])
      expect(body.cues[3]).toEqual({ speaker: 'Jordan Smith', text: "I'll send the roadmap document to the stakeholders by Friday.", startOffset: 14000, endOffset: 19250 })
      expect(body.participants.map((p: { user?: string }) => p.user)).toEqual([expect.stringMatching(/^U-/), jordan.id])
      const saved = await s.db.selectFrom('outbox').select(['payload']).where('type', '=', 'transcript.saved').execute()
      expect(JSON.parse(saved[0]!.payload).id).toBe(printed.transcriptId)
    } finally {
      await s.close()
    }
  })

  it('meeting import <file.vtt> emits transcript.saved, delivered by the dispatcher, signed (standardwebhooks verify) and valid against webhooks.json', async () => {
    await cli('user', 'add', '--email', 'alex@example.com', '--name', 'Alex Chen', '--json')
    await cli('user', 'add', '--email', 'jordan@example.com', '--name', 'Jordan Smith', '--json')
    const client = JSON.parse((await cli('client', 'create', '--name', 'notes', '--scopes', 'transcript:read,user:read,user:read.email,webhook:write', '--json')).out)
    const receiver = await Receiver.start()
    const s = await server()
    try {
      const sub = await s.app.inject({ method: 'POST', url: '/v0/webhook.subscribe', headers: { authorization: `Bearer ${client.apiKey}` }, payload: { event: 'transcript.saved', url: receiver.url() } })
      expect(sub.statusCode, sub.body).toBe(200)

      const res = await cli(
        'meeting', 'import', path.join(here, 'fixtures/standup.vtt'),
        '--title', 'Standup', '--start', '2026-01-21T17:32:39Z', '--participants', 'alex@example.com,jordan@example.com', '--json',
      )
      expect(res.err).toBe('')
      const printed = JSON.parse(res.out)

      await new Dispatcher({ db: s.db, config: s.config }).drain()
      expect(receiver.requests).toHaveLength(1)
      const request = receiver.requests[0]!
      const payload = new Webhook(client.signingSecret).verify(request.body, request.headers) as Record<string, unknown>
      expect(webhookPayloadErrors('transcript.saved', payload)).toEqual([])
      expect(payload).toMatchObject({ id: printed.transcriptId, meetingId: printed.meetingId })
      expect(JSON.stringify(payload.participants)).toContain('jordan@example.com')
      // Tampering with the body breaks the signature.
      expect(() => new Webhook(client.signingSecret).verify(request.body.replace('Standup', 'Standdown'), request.headers)).toThrow()

      const log = await s.db.selectFrom('webhook_deliveries').select(['status', 'event_type']).execute()
      expect(log).toEqual([{ status: 'delivered', event_type: 'transcript.saved' }])
    } finally {
      await s.close()
      await receiver.close()
    }
  })

  it('meeting import refuses unknown extensions and unreadable files, naming them', async () => {
    const ext = await cli('meeting', 'import', '/tmp/notes.txt', '--title', 'x', '--start', '2026-01-01T00:00:00Z', '--json')
    expect(ext.code).toBe(2)
    expect(ext.err).toContain('.vtt or .srt')
    const missing = await cli('meeting', 'import', '/nonexistent/file.vtt', '--title', 'x', '--start', '2026-01-01T00:00:00Z', '--json')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('/nonexistent/file.vtt')
    const start = await cli('meeting', 'import', path.join(here, 'fixtures/standup.srt'), '--title', 'x', '--start', 'noon', '--json')
    expect(start.code).toBe(2)
    expect(start.err).toContain('--start')
  })

  it('lobby create --json prints the lobby; lobby.list shows it', async () => {
    await cli('user', 'add', '--email', 'host@example.com', '--name', 'Host', '--json')
    const key = JSON.parse((await cli('client', 'create', '--name', 'lobbies', '--scopes', 'lobby:read', '--json')).out).apiKey
    const res = await cli('lobby', 'create', '--handle', 'host', '--name', 'Office hours', '--host', 'host@example.com', '--duration', '30', '--time-zone', 'Europe/Berlin', '--days', 'mon,wed', '--json')
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    const printed = JSON.parse(res.out)
    expect(printed).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), handle: 'host', slug: '', displayName: 'Office hours', url: expect.stringMatching(/\/l\/host$/) })
    const s = await server()
    try {
      const list = await s.app.inject({ method: 'GET', url: '/v0/lobby.list?handle=host', headers: { authorization: `Bearer ${key}` } })
      expect(list.json().lobbies).toEqual([expect.objectContaining({ id: printed.id, displayName: 'Office hours' })])
    } finally {
      await s.close()
    }
    const dup = await cli('lobby', 'create', '--handle', 'host', '--name', 'Again', '--host', 'host@example.com', '--duration', '30', '--json')
    expect(dup.code).toBe(2)
    expect(dup.err).toContain('already taken')
    const bad = await cli('lobby', 'create', '--handle', 'x2', '--name', 'N', '--host', 'host@example.com', '--duration', 'half', '--json')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('--duration')
  })
})
