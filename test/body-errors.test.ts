import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialect, TestEnv } from './helpers.js'

/** A request body that is not what a JSON method expects says what was expected, and where JSON broke. */

let env: TestEnv
let auth: Record<string, string>
/** The client's bot (`B-…`). */
let bot: string
beforeEach(async () => {
  env = await TestEnv.create()
  const client = await env.apiClient()
  auth = { authorization: `Bearer ${client.apiKey}` }
  bot = client.bot
})
afterEach(async () => {
  await env.close()
})

const post = (headers: Record<string, string>, payload: string) => env.inject({ method: 'POST', url: '/v0/chat.post', headers: { ...auth, ...headers }, payload })

describe(`request bodies (${dialect})`, () => {
  it('no Content-Type: 415 naming the expected type', async () => {
    const res = await post({}, '{"chat":"C-x","text":"hi"}')
    expect(res.statusCode).toBe(415)
    expect(res.json()).toEqual({ error: 'body: expected JSON (Content-Type: application/json), got no Content-Type', code: 'unsupported_media_type' })
  })

  it('text/plain: 400 naming the expected type, not a schema message', async () => {
    const res = await post({ 'content-type': 'text/plain' }, 'hello')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'body: expected JSON (Content-Type: application/json), got Content-Type: text/plain', code: 'invalid_request' })
  })

  it('an unknown type: 415 naming it', async () => {
    const res = await post({ 'content-type': 'application/xml' }, '<chat/>')
    expect(res.statusCode).toBe(415)
    expect(res.json().error).toBe('body: expected JSON (Content-Type: application/json), got Content-Type: application/xml')
  })

  it('a JSON syntax error: 400 saying so and where', async () => {
    const res = await post({ 'content-type': 'application/json' }, '{\n  "chat": "C-x",\n  "text": "hi"\n  "extra": 1\n}')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('invalid_request')
    expect(res.json().error).toMatch(/^body: invalid JSON: .+ \(line 4, column 3\)$/)
    const cut = await post({ 'content-type': 'application/json' }, '{"chat": ')
    expect(cut.statusCode).toBe(400)
    expect(cut.json().error).toMatch(/^body: invalid JSON: /)
  })

  it('an empty JSON body: 400 saying the body is empty', async () => {
    const res = await post({ 'content-type': 'application/json' }, '')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'body: expected JSON (Content-Type: application/json), got an empty body', code: 'invalid_request' })
  })

  it('prototype poisoning is still refused', async () => {
    const res = await post({ 'content-type': 'application/json' }, '{"chat":"C-x","text":"hi","__proto__":{"admin":true}}')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('invalid_request')
  })

  it('valid JSON still works (the parser is Fastify\'s)', async () => {
    const group = await env.group({ members: [bot] })
    const res = await post({ 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ chat: group.chatAddress, text: 'hi' }))
    expect(res.statusCode, res.body).toBe(200)
    expect(res.statusCode).not.toBe(400)
    expect(res.statusCode).not.toBe(415)
  })
})
