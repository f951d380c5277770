import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contractErrors } from './contract.js'
import { dialect, TestEnv } from './helpers.js'
import { webhookPayloadErrors } from './contract.js'
import type { User } from '../src/domain.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const vtt = fs.readFileSync(path.join(here, 'fixtures/standup.vtt'), 'utf8')
const srt = fs.readFileSync(path.join(here, 'fixtures/standup.srt'), 'utf8')

let env: TestEnv
let admin: { user: User; token: string }
beforeEach(async () => {
  env = await TestEnv.create()
  admin = await env.admin()
})
afterEach(async () => env.close())

async function importMeeting(input: { title?: string; start: string; participants: string[]; content?: string; format?: 'vtt' | 'srt' }) {
  const res = await env.post('/admin/meetings.import', {
    token: admin.token,
    body: { title: input.title ?? 'Standup', start: input.start, participants: input.participants, format: input.format ?? 'vtt', content: input.content ?? vtt },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { meetingId: string; transcriptId: string }
}

async function events(type: string) {
  const rows = await env.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('seq').execute()
  return rows.map((r) => ({ payload: JSON.parse(r.payload), routing: JSON.parse(r.routing) }))
}

describe(`meetings and transcripts (${dialect})`, () => {
  it('imports a WebVTT file: transcript.info has the cues, speakers, ms offsets, summary and action items', async () => {
    const alex = await env.user({ name: 'Alex Chen', email: 'alex@example.com' })
    const jordan = await env.user({ name: 'Jordan Smith', email: 'jordan@example.com' })
    const { meetingId, transcriptId } = await importMeeting({ start: '2026-01-21T17:32:39Z', participants: ['alex@example.com', 'jordan@example.com', 'sam@guest.example'] })
    const client = await env.apiClient({ scopes: ['transcript:read'] })
    const res = await env.get('/v0/transcript.info', { token: client.apiKey, query: { id: transcriptId } })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(contractErrors('chat.json', '/transcript.info', 'get', 200, body)).toEqual([])
    expect(body).toMatchObject({ id: transcriptId, meetingId, start: '2026-01-21T17:32:39Z', end: '2026-01-21T17:33:02Z', eventName: 'Standup' })
    expect(body.cues).toHaveLength(5)
    expect(body.cues[0]).toEqual({ speaker: 'Alex Chen', text: "Good morning everyone. Let's review our Q1 priorities.", startOffset: 0, endOffset: 4500 })
    expect(body.cues[1]).toEqual({ speaker: 'Jordan Smith', text: "I've prepared the roadmap document & the launch checklist.", startOffset: 4500, endOffset: 9200 })
    expect(body.cues[4].speaker).toBe('Sam Guest')
    expect(body.participants).toEqual([
      { name: 'Alex Chen', email: 'alex@example.com', type: 'member', user: `U-${alex.id}` },
      { name: 'Jordan Smith', email: 'jordan@example.com', type: 'member', user: `U-${jordan.id}` },
      { name: 'sam', email: 'sam@guest.example', type: 'guest' },
    ])
    // Offline: the summary says it is extractive and quotes real sentences only.
    expect(body.summary).toMatch(/^Extractive summary/)
    const quoted = [...body.summary.matchAll(/"([^"]+)"/g)].map((m) => m[1])
    expect(quoted.length).toBeGreaterThan(0)
    for (const q of quoted) expect(vtt.replace('&amp;', '&')).toContain(q)
    expect(body.actionItems).toContainEqual(
      expect.objectContaining({ title: "I'll send the roadmap document to the stakeholders by Friday.", assignee: `U-${jordan.id}` }),
    )
    // sinceOffset: only cues starting at or after it.
    const since = await env.get('/v0/transcript.info', { token: client.apiKey, query: { id: transcriptId, sinceOffset: 9200 } })
    expect(since.json().cues.map((c: { startOffset: number }) => c.startOffset)).toEqual([9200, 14000, 19250])
    // transcript.saved in the outbox: metadata only, routed to the attending members.
    const saved = await events('transcript.saved')
    expect(saved).toHaveLength(1)
    expect(saved[0]!.payload).toEqual({
      id: transcriptId,
      meetingId,
      start: '2026-01-21T17:32:39Z',
      end: '2026-01-21T17:33:02Z',
      participants: body.participants,
      eventName: 'Standup',
    })
    expect(webhookPayloadErrors('transcript.saved', saved[0]!.payload)).toEqual([])
    expect(saved[0]!.routing).toEqual({ meetingId, addresses: [`U-${alex.id}`, `U-${jordan.id}`] })
  })

  it('imports SRT with "Name: text" speakers and unknown speakers', async () => {
    const { transcriptId } = await importMeeting({ start: '2026-02-01T10:00:00Z', participants: [], content: srt, format: 'srt' })
    const res = await env.get('/v0/transcript.info', { token: (await env.apiClient()).apiKey, query: { id: transcriptId } })
    expect(res.json().cues).toEqual([
      { speaker: 'Alex Chen', text: 'Welcome to the retro.', startOffset: 0, endOffset: 3000 },
      { speaker: 'Jordan Smith', text: 'The deploy pipeline was slow this sprint.', startOffset: 3000, endOffset: 7500 },
      { speaker: 'Unknown speaker', text: 'We agree.', startOffset: 7500, endOffset: 9000 },
    ])
  })

  it('rejects files that are not transcripts, naming the field', async () => {
    const res = await env.post('/admin/meetings.import', {
      token: admin.token,
      body: { title: 'x', start: '2026-01-01T00:00:00Z', participants: [], format: 'vtt', content: 'hello world' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/^content: /)
    const bad = await env.post('/admin/meetings.import', {
      token: admin.token,
      body: { title: 'x', start: 'yesterday', participants: [], format: 'vtt', content: vtt },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^start: /)
    expect(await env.db.selectFrom('meetings').select('id').execute()).toEqual([])
  })

  it('admin API needs an organization administrator', async () => {
    const user = await env.user()
    const res = await env.post('/admin/meetings.import', {
      token: await env.personalToken(user),
      body: { title: 'x', start: '2026-01-01T00:00:00Z', participants: [], format: 'vtt', content: vtt },
    })
    expect(res.statusCode).toBe(403)
  })

  it('meeting.list pages newest first, oldest first with after, never skipping or repeating', async () => {
    const starts = ['2026-01-01T09:00:00Z', '2026-01-02T09:00:00Z', '2026-01-03T09:00:00Z', '2026-01-04T09:00:00Z', '2026-01-05T09:00:00Z']
    const ids: string[] = []
    for (const start of starts) ids.push((await importMeeting({ start, participants: [] })).meetingId)
    const token = (await env.apiClient({ scopes: ['meetings:read'] })).apiKey
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 5; i++) {
      const res = await env.get('/v0/meeting.list', { token, query: { limit: 2, cursor } })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(contractErrors('chat.json', '/meeting.list', 'get', 200, body)).toEqual([])
      seen.push(...body.meetings.map((m: { meetingId: string }) => m.meetingId))
      cursor = body.nextCursor
      if (!cursor) break
    }
    expect(seen).toEqual([...ids].reverse())
    const asc = await env.get('/v0/meeting.list', { token, query: { after: '2026-01-02', limit: 10 } })
    expect(asc.json().meetings.map((m: { meetingId: string }) => m.meetingId)).toEqual(ids.slice(1))
    expect(asc.json().nextCursor).toBeUndefined()
    const range = await env.get('/v0/meeting.list', { token, query: { after: '2026-01-02', before: '2026-01-04' } })
    expect(range.json().meetings.map((m: { meetingId: string }) => m.meetingId)).toEqual(ids.slice(1, 3))
    const m = asc.json().meetings[0]
    expect(m).toMatchObject({ start: '2026-01-02T09:00:00Z', end: '2026-01-02T09:00:23Z', room: 'Standup' })
    // A cursor from one order is refused by the other.
    const first = await env.get('/v0/meeting.list', { token, query: { limit: 1 } })
    const mixed = await env.get('/v0/meeting.list', { token, query: { limit: 1, after: '2026-01-01', cursor: first.json().nextCursor } })
    expect(mixed.statusCode).toBe(400)
    expect((await env.get('/v0/meeting.list', { token, query: { cursor: 'garbage!' } })).statusCode).toBe(400)
    expect((await env.get('/v0/meeting.list', { token, query: { after: 'soon' } })).json().error).toMatch(/^after: /)
  })

  it('limit is 1 to 100', async () => {
    const token = (await env.apiClient({ scopes: ['meetings:read', 'transcript:read'] })).apiKey
    expect((await env.get('/v0/meeting.list', { token, query: { limit: 100 } })).statusCode).toBe(200)
    expect((await env.get('/v0/meeting.list', { token, query: { limit: 101 } })).statusCode).toBe(400)
    expect((await env.get('/v0/meeting.list', { token, query: { limit: 0 } })).statusCode).toBe(400)
    expect((await env.get('/v0/transcript.list', { token, query: { limit: 100 } })).statusCode).toBe(200)
    expect((await env.get('/v0/transcript.list', { token, query: { limit: 101 } })).statusCode).toBe(400)
  })

  it('meeting.list is organization-only and needs meetings:read', async () => {
    const user = await env.user()
    expect((await env.get('/v0/meeting.list', { token: await env.personalToken(user) })).json().error).toBe('access_mode_not_supported')
    const res = await env.get('/v0/meeting.list', { token: (await env.apiClient({ scopes: ['transcript:read'] })).apiKey })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('missing_scope')
  })

  it('personal tokens see only transcripts of meetings the user attended', async () => {
    const alex = await env.user({ email: 'alex@example.com', name: 'Alex Chen' })
    const other = await env.user({ email: 'other@example.com' })
    const mine = await importMeeting({ start: '2026-01-01T09:00:00Z', participants: ['alex@example.com'] })
    const theirs = await importMeeting({ start: '2026-01-02T09:00:00Z', participants: ['other@example.com'] })
    const token = await env.personalToken(alex, ['transcript:read'])
    const list = await env.get('/v0/transcript.list', { token })
    expect(list.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/transcript.list', 'get', 200, list.json())).toEqual([])
    expect(list.json().transcripts.map((t: { id: string }) => t.id)).toEqual([mine.transcriptId])
    expect((await env.get('/v0/transcript.info', { token, query: { id: mine.transcriptId } })).statusCode).toBe(200)
    expect((await env.get('/v0/transcript.info', { token, query: { id: theirs.transcriptId } })).statusCode).toBe(404)
    const prompt = await env.post('/v0/transcript.prompt', { token, body: { id: theirs.transcriptId, prompt: 'roadmap?' } })
    expect(prompt.statusCode).toBe(404)
    // The organization sees both.
    const org = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    expect((await env.get('/v0/transcript.list', { token: org })).json().transcripts).toHaveLength(2)
    void other
  })

  it('transcript.info: unknown id is 404, malformed id 400', async () => {
    const token = (await env.apiClient()).apiKey
    expect((await env.get('/v0/transcript.info', { token, query: { id: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404)
    expect((await env.get('/v0/transcript.info', { token, query: { id: 'nope' } })).statusCode).toBe(400)
  })

  it('live transcripts: started event, no end while live, sinceOffset polling, saved on finish', async () => {
    const alex = await env.user({ email: 'alex@example.com', name: 'Alex Chen' })
    const start = await env.post('/admin/meetings.start', {
      token: admin.token,
      body: { title: 'Design review', room: 'Conference Room A', participants: ['alex@example.com'], start: '2026-03-17T14:00:00Z' },
    })
    expect(start.statusCode, start.body).toBe(200)
    const { meetingId, transcriptId } = start.json()
    const started = await events('transcript.started')
    expect(started[0]!.payload).toEqual({ id: transcriptId, meetingId, start: '2026-03-17T14:00:00.000Z', location: 'Conference Room A', hostEmail: 'alex@example.com' })
    expect(webhookPayloadErrors('transcript.started', started[0]!.payload)).toEqual([])
    const token = (await env.apiClient()).apiKey
    const append = (cues: object[]) => env.post('/admin/transcripts.append', { token: admin.token, body: { id: transcriptId, cues } })
    expect((await append([{ speaker: 'Alex Chen', text: 'We will ship the beta next week.', startOffset: 0, endOffset: 3000 }])).json()).toEqual({ cues: 1 })
    let info = await env.get('/v0/transcript.info', { token, query: { id: transcriptId } })
    expect(info.json().end).toBeUndefined()
    expect(contractErrors('chat.json', '/transcript.info', 'get', 200, info.json())).toEqual([])
    expect((await append([{ speaker: 'Alex Chen', text: 'Any concerns?', startOffset: 3000, endOffset: 4000 }])).json()).toEqual({ cues: 2 })
    info = await env.get('/v0/transcript.info', { token, query: { id: transcriptId, sinceOffset: 3000 } })
    expect(info.json().cues).toEqual([{ speaker: 'Alex Chen', text: 'Any concerns?', startOffset: 3000, endOffset: 4000 }])
    // Live meetings are not in meeting.list; live transcripts are in transcript.list without end.
    expect((await env.get('/v0/meeting.list', { token })).json().meetings).toEqual([])
    expect((await env.get('/v0/transcript.list', { token })).json().transcripts[0].end).toBeUndefined()
    const finish = await env.post('/admin/transcripts.finish', { token: admin.token, body: { id: transcriptId, end: '2026-03-17T14:30:00Z' } })
    expect(finish.statusCode, finish.body).toBe(200)
    info = await env.get('/v0/transcript.info', { token, query: { id: transcriptId } })
    expect(info.json().end).toBe('2026-03-17T14:30:00Z')
    expect(info.json().summary).toMatch(/^Extractive summary/)
    const meetings = (await env.get('/v0/meeting.list', { token })).json().meetings
    expect(meetings[0]).toMatchObject({ meetingId, room: 'Conference Room A', participants: [{ name: 'Alex Chen', email: 'alex@example.com', seconds: 1800 }] })
    expect((await events('transcript.saved'))[0]!.routing.addresses).toEqual([`U-${alex.id}`])
    // Saved transcripts take no more cues, and cannot be finished twice.
    expect((await append([{ speaker: 'A', text: 'late', startOffset: 5000, endOffset: 6000 }])).statusCode).toBe(409)
    expect((await env.post('/admin/transcripts.finish', { token: admin.token, body: { id: transcriptId } })).statusCode).toBe(409)
  })

  it('appends at most 500 cues per call', async () => {
    const { transcriptId } = (await env.post('/admin/meetings.start', { token: admin.token, body: { title: 'Long', participants: [] } })).json()
    const cues = (n: number) => Array.from({ length: n }, (_, i) => ({ speaker: 'S', text: `line ${i}`, startOffset: i * 10, endOffset: i * 10 + 5 }))
    expect((await env.post('/admin/transcripts.append', { token: admin.token, body: { id: transcriptId, cues: cues(500) } })).statusCode).toBe(200)
    const over = await env.post('/admin/transcripts.append', { token: admin.token, body: { id: transcriptId, cues: cues(501) } })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toMatch(/cues/)
  })

  it('recording.saved when a recording is attached', async () => {
    const alex = await env.user({ email: 'alex@example.com', name: 'Alex Chen' })
    const { meetingId, transcriptId } = await importMeeting({ start: '2026-01-21T17:32:39Z', participants: ['alex@example.com'] })
    const res = await env.post('/admin/meetings.attachRecording', { token: admin.token, body: { meetingId, videoUrl: 'https://files.example.com/rec.mp4' } })
    expect(res.statusCode, res.body).toBe(200)
    const saved = await events('recording.saved')
    expect(saved).toHaveLength(1)
    expect(saved[0]!.payload).toEqual(res.json())
    expect(saved[0]!.payload).toMatchObject({
      location: 'Standup',
      startTime: '2026-01-21T17:32:39Z',
      endTime: '2026-01-21T17:33:02Z',
      transcriptId,
      host: { name: 'Alex Chen', email: 'alex@example.com', user: `U-${alex.id}` },
    })
    expect(webhookPayloadErrors('recording.saved', saved[0]!.payload)).toEqual([])
    expect(saved[0]!.routing).toEqual({ meetingId, addresses: [`U-${alex.id}`] })
    const bad = await env.post('/admin/meetings.attachRecording', { token: admin.token, body: { meetingId, videoUrl: 'ftp://x' } })
    expect(bad.statusCode).toBe(400)
  })

  it('transcript.prompt without a language model quotes the most relevant cues', async () => {
    const { transcriptId } = await importMeeting({ start: '2026-01-21T17:32:39Z', participants: [] })
    const token = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    const res = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'What is the status of the budget?' } })
    expect(res.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/transcript.prompt', 'post', 200, res.json())).toEqual([])
    expect(res.json().response).toMatch(/^No language model is configured/)
    expect(res.json().response).toContain('[00:19] Sam Guest: The budget for the launch campaign is still pending approval.')
    const none = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'xylophone zebra' } })
    expect(none.json().response).toMatch(/no part of the transcript matches/)
  })

  it('transcript.prompt: the prompt is 1 to 4000 characters', async () => {
    const { transcriptId } = await importMeeting({ start: '2026-01-21T17:32:39Z', participants: [] })
    const token = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    expect((await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'a'.repeat(4000) } })).statusCode).toBe(200)
    const over = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'a'.repeat(4001) } })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toMatch(/prompt/)
    expect((await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: '' } })).statusCode).toBe(400)
  })
})
