import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { runCli } from '../src/cli.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDatabase } from '../src/store/db.js'
import { contractErrors } from './contract.js'
import { dialect, freshDatabase, pgUrl } from './helpers.js'

const here = path.dirname(fileURLToPath(import.meta.url))
let fresh: Awaited<ReturnType<typeof freshDatabase>>
let env: NodeJS.ProcessEnv

function envFor(config: Config, dataDir: string): NodeJS.ProcessEnv {
  if (config.database.dialect === 'sqlite') return { ATRIUM_DATA_DIR: dataDir }
  return { ATRIUM_DATABASE_URL: `${pgUrl}?options=${encodeURIComponent(`-c search_path=${config.database.schema!}`)}`, ATRIUM_DATA_DIR: dataDir }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) })
  return { code, out, err }
}

/** A server on the database the CLI wrote to. */
async function server() {
  const config = loadConfig(env)
  const db = openDatabase(fresh.config.database.dialect === 'sqlite' ? config.database : fresh.config.database)
  const app = await buildApp(config, { db, logger: false })
  return { app, db, close: async () => (await app.close(), await db.destroy()) }
}

beforeEach(async () => {
  fresh = await freshDatabase()
  env = envFor(fresh.config, `${fresh.config.dataDir}-cli`)
})
afterEach(async () => fresh.drop())

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
