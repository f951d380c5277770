import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { LlmConfig } from '../src/config.js'
import type { User } from '../src/domain.js'
import { chunkTranscript } from '../src/llm/chunk.js'
import { contractErrors } from './contract.js'
import { dialect, TestEnv } from './helpers.js'

/** A fake OpenAI-compatible server on 127.0.0.1 that records what it was asked. */
interface FakeLlm {
  config: LlmConfig
  requests: Array<{ auth: string | undefined; body: { model: string; messages: Array<{ role: string; content: string }>; response_format?: unknown } }>
  status: number
  close: () => Promise<void>
}

async function fakeLlm(): Promise<FakeLlm> {
  const fake = { requests: [], status: 200 } as unknown as FakeLlm
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      const body = JSON.parse(raw)
      fake.requests.push({ auth: req.headers.authorization, body })
      if (req.url !== '/v1/chat/completions' || fake.status !== 200) {
        res.writeHead(fake.status === 200 ? 404 : fake.status).end('{}')
        return
      }
      const last = body.messages[body.messages.length - 1].content as string
      const content = body.response_format
        ? '```json\n' +
          JSON.stringify({
            summary: 'The team reviewed Q1 priorities.',
            actionItems: [
              { title: 'Send the roadmap', description: 'To stakeholders by Friday', assignee: 'Jordan Smith' },
              { title: 'Book the venue', assignee: 'Somebody Else' },
              { description: 'no title, dropped' },
            ],
          }) +
          '\n```'
        : last.startsWith('Part ')
          ? `notes for ${last.slice(0, 12)}`
          : 'Jordan will send the roadmap by Friday.'
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  // The fake listens on loopback, so the outbound guard must allow private addresses.
  fake.config = { url: `http://127.0.0.1:${port}/v1/chat/completions`, model: 'test-model', apiKey: 'sk-test', timeoutMs: 5000, chunkChars: 100_000, allowPrivateUrls: true }
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return fake
}

const vtt = `WEBVTT

00:00:00.000 --> 00:00:04.000
<v Alex Chen>Good morning. Let's review the Q1 roadmap.

00:00:04.000 --> 00:00:08.000
<v Jordan Smith>I'll send the roadmap to the stakeholders by Friday.
`

let env: TestEnv
let fake: FakeLlm
let admin: { user: User; token: string }

async function setup(llm: Partial<LlmConfig> = {}) {
  fake = await fakeLlm()
  env = await TestEnv.create({ llm: { ...fake.config, ...llm } })
  admin = await env.admin()
}
afterEach(async () => {
  await env?.close()
  await fake?.close()
  env = undefined as unknown as TestEnv
  fake = undefined as unknown as FakeLlm
})

async function importVtt(content = vtt) {
  const res = await env.post('/admin/meetings.import', {
    token: admin.token,
    body: { title: 'Roadmap', start: '2026-01-21T17:00:00Z', participants: ['jordan@example.com'], format: 'vtt', content },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { transcriptId: string; summarySource: string }
}

describe(`language model (${dialect})`, () => {
  it('summary and action items come from the model; assignees map to members', async () => {
    await setup()
    const jordan = await env.user({ email: 'jordan@example.com', name: 'Jordan Smith' })
    const { transcriptId, summarySource } = await importVtt()
    expect(summarySource).toBe('llm')
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]!.auth).toBe('Bearer sk-test')
    expect(fake.requests[0]!.body.model).toBe('test-model')
    expect(fake.requests[0]!.body.messages[1]!.content).toContain("[00:04] Jordan Smith: I'll send the roadmap to the stakeholders by Friday.")
    const info = (await env.get('/v0/transcript.info', { token: (await env.apiClient()).apiKey, query: { id: transcriptId } })).json()
    expect(contractErrors('chat.json', '/transcript.info', 'get', 200, info)).toEqual([])
    expect(info.summary).toBe('The team reviewed Q1 priorities.')
    expect(info.actionItems).toEqual([
      { title: 'Send the roadmap', description: 'To stakeholders by Friday', assignee: `U-${jordan.id}` },
      { title: 'Book the venue', assignee: 'Somebody Else' },
    ])
  })

  it('transcript.prompt sends the transcript and the question and returns the answer', async () => {
    await setup()
    const { transcriptId } = await importVtt()
    const token = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    const res = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'Who sends the roadmap?' } })
    expect(res.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/transcript.prompt', 'post', 200, res.json())).toEqual([])
    expect(res.json()).toEqual({ response: 'Jordan will send the roadmap by Friday.' })
    const asked = fake.requests[fake.requests.length - 1]!.body.messages[1]!.content
    expect(asked).toContain('Question: Who sends the roadmap?')
    expect(asked).toContain('[00:00] Alex Chen: Good morning.')
  })

  it('long transcripts are chunked: notes per part, then one answer over the notes', async () => {
    await setup({ chunkChars: 1000 })
    const cues = Array.from({ length: 60 }, (_, i) => {
      const t = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`
      return `${t(i)} --> ${t(i + 1)}\n<v Speaker ${i % 3}>This is sentence number ${i} about the quarterly planning of the launch.`
    })
    const { transcriptId } = await importVtt(`WEBVTT\n\n${cues.join('\n\n')}\n`)
    const parts = chunkTranscript(
      Array.from({ length: 60 }, (_, i) => ({ speaker: `Speaker ${i % 3}`, text: `This is sentence number ${i} about the quarterly planning of the launch.`, startOffset: i * 1000, endOffset: i * 1000 + 1000 })),
      1000,
    )
    expect(parts.length).toBeGreaterThan(1)
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1000)
    // import: one call per part plus the final JSON call
    expect(fake.requests).toHaveLength(parts.length + 1)
    fake.requests.length = 0
    const token = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    const res = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'What was sentence 42?' } })
    expect(res.statusCode).toBe(200)
    expect(fake.requests).toHaveLength(parts.length + 1)
    const final = fake.requests[parts.length]!.body.messages[1]!.content
    expect(final).toContain('notes for Part 1 of')
    expect(final).toContain('Question: What was sentence 42?')
    for (const r of fake.requests) expect(r.body.messages.map((m) => m.content).join('').length).toBeLessThan(1000 + 800)
  })

  it('a failing model degrades to the extractive methods, which say so', async () => {
    await setup()
    fake.status = 500
    const { transcriptId, summarySource } = await importVtt()
    expect(summarySource).toBe('extractive')
    const token = (await env.apiClient({ scopes: ['transcript:read'] })).apiKey
    const info = (await env.get('/v0/transcript.info', { token, query: { id: transcriptId } })).json()
    expect(info.summary).toMatch(/^Extractive summary \(language model unavailable;/)
    const res = await env.post('/v0/transcript.prompt', { token, body: { id: transcriptId, prompt: 'roadmap stakeholders' } })
    expect(res.json().response).toMatch(/^The language model is unavailable, so/)
    expect(res.json().response).toContain("Jordan Smith: I'll send the roadmap to the stakeholders by Friday.")
  })
})

describe('language model configuration', () => {
  it('ATRIUM_LLM_URL needs ATRIUM_LLM_MODEL; the endpoint is derived from a root, a /v1 base or the full path', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js')
    expect(() => loadConfig({ ATRIUM_LLM_URL: 'http://127.0.0.1:11434' })).toThrow(ConfigError)
    expect(() => loadConfig({ ATRIUM_LLM_URL: 'http://127.0.0.1:11434' })).toThrow(/ATRIUM_LLM_MODEL/)
    expect(loadConfig({}).llm).toBeUndefined()
    for (const url of ['http://127.0.0.1:11434', 'http://127.0.0.1:11434/v1/', 'http://127.0.0.1:11434/v1/chat/completions']) {
      expect(loadConfig({ ATRIUM_LLM_URL: url, ATRIUM_LLM_MODEL: 'llama3', ATRIUM_ALLOW_PRIVATE_URLS: 'true' }).llm).toMatchObject({ url: 'http://127.0.0.1:11434/v1/chat/completions', model: 'llama3', apiKey: undefined })
    }
  })
})
