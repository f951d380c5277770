import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'

/**
 * An organization with something in every place a move or a restore could lose it — people, a
 * group with members, messages with a reaction and an attached file — made through the API, and
 * what the API answers about it, for comparing before and after.
 */

async function call(app: FastifyInstance, token: string, method: 'GET' | 'POST', url: string, opts: { query?: Record<string, string>; body?: unknown; raw?: Buffer; headers?: Record<string, string> } = {}) {
  const res = await app.inject({
    method,
    url,
    query: opts.query,
    headers: { authorization: `Bearer ${token}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    payload: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  })
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(200)
  return res
}

type Cli = (...argv: string[]) => Promise<{ code: number; out: string; err: string }>

/** Through the CLI: an API client holding every scope (with a webhook URL) and two people. */
export async function seedDirectory(cli: Cli): Promise<{ apiKey: string; people: string[] }> {
  const json = async (...argv: string[]) => {
    const res = await cli(...argv, '--json')
    expect(res.err).toBe('')
    return JSON.parse(res.out)
  }
  const client = await json('client', 'create', '--name', 'ci', '--scopes', 'all', '--webhook-url', 'https://hooks.example.com/atrium')
  const ada = await json('user', 'add', '--email', 'ada@example.com', '--name', 'Ada Lovelace')
  const bob = await json('user', 'add', '--email', 'bob@example.com', '--name', 'Bob', '--admin')
  return { apiKey: client.apiKey, people: [ada.id, bob.id] }
}

/** A group of `people` and the API key's bot, and messages in it (one with an uploaded file, one with a reaction). */
export async function seedMessages(app: FastifyInstance, apiKey: string, people: string[]): Promise<{ group: string; itemId: string; bytes: Buffer }> {
  const group = (await call(app, apiKey, 'POST', '/v0/group.create', { body: { name: 'Eng', members: people } })).json().id as string
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))
  const item = (await call(app, apiKey, 'POST', '/v0/item.upload', { raw: bytes, headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.bin"' } })).json()
  const first = (await call(app, apiKey, 'POST', '/v0/chat.post', { body: { chat: group, text: 'hello *world*', sync: true } })).json()
  await call(app, apiKey, 'POST', '/v0/chat.post', { body: { chat: group, text: 'the file', items: [item.id], sync: true } })
  await call(app, apiKey, 'POST', '/v0/chat.post', { body: { chat: group, text: 'ünïcödé ✓ 🎉', sync: true } })
  await call(app, apiKey, 'POST', '/v0/reaction.add', { body: { chat: group, timestamp: first.timestamp, name: '100' } })
  return { group, itemId: item.id, bytes }
}

/** What the v0 API answers about the organization (and the bytes of one file). */
export async function snapshot(app: FastifyInstance, apiKey: string, group: string, itemId: string) {
  const users = (await call(app, apiKey, 'GET', '/v0/user.list', { query: { limit: '100' } })).json()
  const chats = (await call(app, apiKey, 'GET', '/v0/chat.list', { query: { limit: '100' } })).json()
  const members = (await call(app, apiKey, 'GET', '/v0/group.members', { query: { group, limit: '100' } })).json()
  const groups = (await call(app, apiKey, 'GET', '/v1/groups.list')).json()
  const history = (await call(app, apiKey, 'GET', '/v0/chat.history', { query: { chat: group, limit: '100' } })).json()
  const file = await app.inject({ method: 'GET', url: `/items/${itemId}` })
  expect(file.statusCode).toBe(200)
  return { users, chats, members, groups, history, file: file.rawPayload.toString('base64') }
}
