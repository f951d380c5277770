import { execFile } from 'node:child_process'
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { API_VERSIONS } from '../src/api-versions.js'
import { TestEnv } from './helpers.js'
import { Receiver } from './receiver.js'

/**
 * The `curl` commands of the README's "Roam HQ API v1" section, run in order against a live server,
 * each answer held to the `# {…}` line under its command. In those lines `…` stands for what varies
 * (ids, times, more items): a string with `…` matches by its other parts, a number only by being a
 * number, and a trailing `…` in an array or object allows more entries. Every other key and value
 * must be there as written.
 */

const run = promisify(execFile)
const readme = fs.readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The section's shell commands (continuation lines joined), each with the answer documented under it. */
interface DocumentedCall {
  command: string
  /** `NAME=$(curl … | jq -r .field)`: the answer's field, kept in NAME for the commands after it. */
  capture?: { name: string; field: string }
  answer?: string
}

function documentedCalls(markdown: string, heading: string): DocumentedCall[] {
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README has no section ${heading}`)
  const end = markdown.indexOf('\n## ', start + heading.length + 2)
  const section = markdown.slice(start, end < 0 ? undefined : end)
  const calls: DocumentedCall[] = []
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n')
    for (let i = 0; i < lines.length; i++) {
      if (!/^(\w+=\$\()?curl /.test(lines[i]!)) continue
      let command = lines[i]!
      while (command.endsWith('\\')) command = `${command.slice(0, -1)} ${lines[++i]!.trim()}`
      const next = lines[i + 1]
      const captured = /^(\w+)=\$\((curl .*) \| jq -r \.(\w+)\)$/.exec(command)
      const answer = next?.startsWith('# {') ? { answer: next.slice(2) } : {}
      calls.push(captured ? { command: captured[2]!, capture: { name: captured[1]!, field: captured[3]! }, ...answer } : { command, ...answer })
    }
  }
  return calls
}

const ANY = '@@more@@'

/** A documented answer as a pattern: `…` entries dropped (and remembered), strings with `…` kept as patterns. */
function pattern(answer: string): unknown {
  const json = answer
    .replace(/,\s*…\s*\]/g, `,"${ANY}"]`)
    .replace(/\[\s*…\s*\]/g, `["${ANY}"]`)
    .replace(/,\s*…\s*\}/g, `,"${ANY}":"${ANY}"}`)
  return JSON.parse(json)
}

function mismatches(expected: unknown, actual: unknown, at = '$'): string[] {
  if (typeof expected === 'string') {
    if (!expected.includes('…')) return actual === expected ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`]
    const re = new RegExp(`^${expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's')
    return typeof actual === 'string' && re.test(actual) ? [] : [`${at}: expected something like ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`]
  }
  if (typeof expected === 'number') return typeof actual === 'number' ? [] : [`${at}: expected a number, got ${JSON.stringify(actual)}`]
  if (typeof expected === 'boolean' || expected === null) return actual === expected ? [] : [`${at}: expected ${String(expected)}, got ${JSON.stringify(actual)}`]
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`]
    const open = expected.at(-1) === ANY
    const items = open ? expected.slice(0, -1) : expected
    if (!open && actual.length !== items.length) return [`${at}: expected ${items.length} entries, got ${actual.length}`]
    return items.flatMap((item, i) => mismatches(item, actual[i], `${at}[${i}]`))
  }
  const want = expected as Record<string, unknown>
  if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`]
  const got = actual as Record<string, unknown>
  return Object.entries(want).flatMap(([key, value]) => (key === ANY || value === ANY ? [] : key in got ? mismatches(value, got[key], `${at}.${key}`) : [`${at}: no ${key}`]))
}

let env: TestEnv
let hooks: Receiver
beforeEach(async () => {
  // The README's webhook endpoint is a local one here, which needs private addresses allowed.
  env = await TestEnv.create({ allowPrivateUrls: true })
  hooks = await Receiver.start()
})
afterEach(async () => {
  await hooks.close()
  await env.close()
})

describe('README: Roam HQ API v1', () => {
  it('the matcher itself tells a right answer from a wrong one', () => {
    const p = pattern('{"user":{"id":"0b6f…","name":"Deploy bot"},"scopes":["chat:send_message",…]}')
    expect(mismatches(p, { user: { id: '0b6f-1', name: 'Deploy bot' }, scopes: ['chat:send_message', 'x'] })).toEqual([])
    expect(mismatches(p, { user: { id: '0b6f-1', name: 'Other' }, scopes: ['chat:send_message'] })).not.toEqual([])
    expect(mismatches(p, { user: { id: 'zz', name: 'Deploy bot' }, scopes: ['chat:send_message'] })).not.toEqual([])
    expect(mismatches(pattern('{"a":[1]}'), { a: [1, 2] })).not.toEqual([])
  })

  it('the versions table lists exactly the versions the server serves', () => {
    const start = readme.indexOf('\n## Roam HQ API v1\n')
    const section = readme.slice(start, readme.indexOf('\n## ', start + 5))
    const rows = [...section.matchAll(/^\| `(\d{4}-\d\d-\d\d)` \|/gm)].map((m) => m[1])
    expect(rows).toEqual(API_VERSIONS.map((v) => v.version))
  })

  it('every curl command answers as documented', async () => {
    const calls = documentedCalls(readme, '## Roam HQ API v1')
    expect(calls.length).toBeGreaterThanOrEqual(5)
    const client = await env.apiClient({ name: 'Deploy bot', scopes: ['chat:send_message', 'chat:history', 'chat:read', 'groups:read', 'webhook:write'] })
    await env.db.updateTable('apps').set({ image_url: null }).where('id', '=', client.app.id).execute()
    const group = await env.group({ name: 'Engineering', members: [client.bot] })
    const ann = await env.user({ name: 'Ann' })
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = env.app.server.address() as AddressInfo
    const vars = { ATRIUM: `http://127.0.0.1:${port}`, KEY: client.apiKey, CHAT_ID: group.chatId, USER_ID: ann.id, HOOK_URL: hooks.url() }

    const problems: string[] = []
    const captured: Record<string, string> = {}
    for (const { command, capture, answer } of calls) {
      const { stdout } = await run('bash', ['-c', command], { env: { ...process.env, ...vars, ...captured }, timeout: 20_000 })
      let body: unknown
      try {
        body = JSON.parse(stdout)
      } catch {
        problems.push(`${command}\n  answered non-JSON: ${stdout.slice(0, 200)}`)
        continue
      }
      if (capture) {
        const value = (body as Record<string, unknown>)[capture.field]
        if (typeof value === 'string') captured[capture.name] = value
        else problems.push(`${command}\n  answered no ${capture.field}: ${stdout.slice(0, 200)}`)
      }
      // A command without a documented answer must at least succeed.
      if (answer === undefined) {
        if ((body as Record<string, unknown>).ok === false) problems.push(`${command}\n  failed: ${stdout.slice(0, 200)}`)
        continue
      }
      for (const m of mismatches(pattern(answer), body)) problems.push(`${command}\n  ${m}`)
    }
    expect(problems).toEqual([])
    // The commands did what they say: the posts are stored.
    const texts = await env.db.selectFrom('messages').select('text').where('sender', '=', client.bot).orderBy('ts').execute()
    expect(texts.map((t) => t.text)).toEqual(['Deploy started', 'Deploy finished', 'Deploy finished.'])
  })
})
