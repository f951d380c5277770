import type { LightMyRequestResponse } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { TestEnv, type ClientFixture } from './helpers.js'

/**
 * Input limits every route shares, the same on SQLite and PostgreSQL: JSON nesting depth
 * (ATRIUM_JSON_MAX_DEPTH), NUL characters, and integers beyond what a column holds. Each is a 400
 * naming the field, in the error shape of the API that was called.
 */

let env: TestEnv
afterEach(async () => env?.close())

/** `depth` nested arrays around `inner`, as JSON text. */
const nested = (depth: number, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth)

async function world(overrides: Parameters<typeof TestEnv.create>[0] = {}) {
  env = await TestEnv.create(overrides)
  const client = await env.apiClient()
  const admin = await env.admin()
  const group = await env.group({ members: [client.bot, `U-${admin.user.id}`] })
  return { client, admin, group }
}

function postJson(url: string, payload: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return env.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload })
}

async function messageCount(chatId: string): Promise<number> {
  const row = await env.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('chat_id', '=', chatId).executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('JSON nesting depth', () => {
  it('refuses Block Kit and Idempotency-Key bodies nested 20,000 levels deep with 400 (the stack overflowed: 500), and posts nothing', async () => {
    const { client, group } = await world()
    const deep = nested(20_000, '{"type":"section","text":{"type":"mrkdwn","text":"x"}}')
    const refusal = { error: 'body: is nested deeper than 64 levels of arrays and objects', code: 'invalid_request' }
    const auth = { authorization: `Bearer ${client.apiKey}` }
    const blocks = await postJson('/v0/chat.post', `{"chat":"${group.address}","blocks":${deep}}`, auth)
    expect(blocks.statusCode, blocks.body).toBe(400)
    expect(blocks.json()).toEqual(refusal)
    const inText = await postJson('/v0/chat.post', `{"chat":"${group.address}","blocks":[{"type":"section","text":${deep}}]}`, auth)
    expect(inText.json()).toEqual(refusal)
    // The request hash of an idempotent post walked the whole body.
    const hashed = await postJson('/v0/chat.post', `{"chat":"${group.address}","text":"x","extra":${deep}}`, { ...auth, 'idempotency-key': 'deep-1' })
    expect(hashed.statusCode, hashed.body).toBe(400)
    expect(hashed.json()).toEqual(refusal)
    expect(await messageCount(group.chatId)).toBe(0)
  })

  it('accepts a relay payload 64 levels deep and refuses 65 (template rendering and request hashing never see it)', async () => {
    const { admin, group } = await world()
    const created = await env.post('/admin/relays.create', { token: admin.token, body: { name: 'deep', group: group.address, template: '{{text}}' } })
    expect(created.statusCode, created.body).toBe(200)
    const path = new URL(created.json().url as string).pathname
    // The payload object is level 1; its `deep` member adds 63 more arrays: 64 in all.
    const at64 = await postJson(path, `{"text":"at the limit","deep":${nested(63)}}`, { 'idempotency-key': 'relay-64' })
    expect(at64.statusCode, at64.body).toBe(200)
    expect(at64.json()).toMatchObject({ posted: true })
    const at65 = await postJson(path, `{"text":"over the limit","deep":${nested(64)}}`, { 'idempotency-key': 'relay-65' })
    expect(at65.statusCode, at65.body).toBe(400)
    expect(at65.json()).toEqual({ error: 'body: is nested deeper than 64 levels of arrays and objects', code: 'invalid_request' })
    const far = await postJson(path, `{"text":"deep","x":${nested(20_000)}}`, { 'idempotency-key': 'relay-far' })
    expect(far.statusCode, far.body).toBe(400)
    expect(await messageCount(group.chatId)).toBe(1)
  })

  it('holds at the edge on every route: 64 levels reach the route (its own 400), 65 are refused while parsing', async () => {
    const { client, admin } = await world()
    const auth = { authorization: `Bearer ${client.apiKey}` }
    // chat.post: 64 levels get to the schema, which names the field it dislikes.
    const at64 = await postJson('/v0/chat.post', `{"chat":${nested(63, '"x"')}}`, auth)
    expect(at64.statusCode).toBe(400)
    expect(at64.json().error).toMatch(/^body\/chat/)
    const at65 = await postJson('/v0/chat.post', `{"chat":${nested(64, '"x"')}}`, auth)
    expect(at65.json()).toEqual({ error: 'body: is nested deeper than 64 levels of arrays and objects', code: 'invalid_request' })
    // The admin API and the session-only API share the parser.
    const adminRes = await postJson('/admin/groups.create', nested(3000), { authorization: `Bearer ${admin.token}` })
    expect(adminRes.statusCode).toBe(400)
    expect(adminRes.json().code).toBe('invalid_request')
  })

  it('Roomlio (/rpc) answers {code, message} and SCIM (application/scim+json) its error schema', async () => {
    const { client } = await world()
    const auth = { authorization: `Bearer ${client.apiKey}` }
    const rpc = await postJson('/rpc/WebAPI/RoomHistory', `{"roomKey":"k","x":${nested(3000)}}`, auth)
    expect(rpc.statusCode).toBe(400)
    expect(rpc.json()).toEqual({ code: 'invalid_argument', message: 'body: is nested deeper than 64 levels of arrays and objects' })
    const rpc64 = await postJson('/rpc/WebAPI/RoomHistory', `{"roomKey":${nested(63, '"k"')}}`, auth)
    expect(rpc64.json()).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^body\/roomKey/) })

    for (const type of ['application/scim+json', 'application/json']) {
      const scim = await env.inject({ method: 'POST', url: '/scim/v2/Users', headers: { ...auth, 'content-type': type }, payload: `{"schemas":${nested(3000, '"x"')}}` })
      expect(scim.statusCode).toBe(400)
      expect(scim.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(scim.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'body: is nested deeper than 64 levels of arrays and objects' })
    }
  })

  it('ATRIUM_JSON_MAX_DEPTH sets the limit: at 3, three levels pass and four are refused', async () => {
    const { client } = await world({ jsonMaxDepth: 3 })
    const auth = { authorization: `Bearer ${client.apiKey}` }
    const at3 = await postJson('/app/blockkit.validate', '{"blocks":[{"type":"divider"}]}', auth)
    expect(at3.statusCode, at3.body).toBe(200)
    const at4 = await postJson('/app/blockkit.validate', '{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}', auth)
    expect(at4.statusCode).toBe(400)
    expect(at4.json().error).toBe('body: is nested deeper than 3 levels of arrays and objects')
  })

  it('is a validated setting: 1 to 1000, default 64', () => {
    expect(loadConfig({}).jsonMaxDepth).toBe(64)
    expect(loadConfig({ ATRIUM_JSON_MAX_DEPTH: '1' }).jsonMaxDepth).toBe(1)
    expect(loadConfig({ ATRIUM_JSON_MAX_DEPTH: '1000' }).jsonMaxDepth).toBe(1000)
    for (const bad of ['0', '1001', 'deep', '-64']) {
      expect(() => loadConfig({ ATRIUM_JSON_MAX_DEPTH: bad })).toThrow(ConfigError)
    }
  })
})

describe('NUL characters', () => {
  it('in a JSON string: 400 naming the field, nothing stored', async () => {
    const { client, group } = await world()
    const res = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, text: 'a\u0000b' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'body/text: must not contain the NUL character (\\u0000)', code: 'invalid_request' })
    const nestedNul = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.address, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '\u0000' } }] } })
    expect(nestedNul.json().error).toBe('body/blocks/0/text/text: must not contain the NUL character (\\u0000)')
    const inKey = await postJson('/v0/chat.post', `{"chat":"${group.address}","text":"x","\\u0000k":1}`, { authorization: `Bearer ${client.apiKey}` })
    expect(inKey.json().error).toBe('body/\\u0000k: property names must not contain the NUL character (\\u0000)')
    expect(await messageCount(group.chatId)).toBe(0)
  })

  it('in the unauthenticated sign-in form and booking page: 400 naming the field', async () => {
    await world()
    const browser = env.browser()
    await browser.get('/login')
    const login = await browser.submit('/login', { email: 'a\u0000@example.com', password: 'x' })
    expect(login.statusCode, login.body).toBe(400)
    expect(login.json()).toEqual({ error: 'body/email: must not contain the NUL character (\\u0000)', code: 'invalid_request' })
    const page = await env.get('/l/%00')
    expect(page.statusCode).toBe(400)
    expect(page.json()).toEqual({ error: 'params/handle: must not contain the NUL character (\\u0000)', code: 'invalid_request' })
    // A browser holding the site's CSRF token gets past the form check to the input limits.
    const booking = await browser.submit('/l/somebody', { start: '2026-01-05T10:00:00Z', name: 'Ada\u0000', email: 'ada@example.com' })
    expect(booking.statusCode, booking.body).toBe(400)
    expect(booking.json().error).toBe('body/name: must not contain the NUL character (\\u0000)')
    const bookingPath = await browser.submit('/l/x%00y', { start: '2026-01-05T10:00:00Z', name: 'Ada', email: 'ada@example.com' })
    expect(bookingPath.json().error).toBe('params/handle: must not contain the NUL character (\\u0000)')
  })

  it('in the query string, in Roomlio and in SCIM: 400 in each API shape', async () => {
    const { client } = await world()
    const lookup = await env.get('/v0/user.lookup', { token: client.apiKey, query: { email: 'x\u0000@example.com' } })
    expect(lookup.statusCode).toBe(400)
    expect(lookup.json().error).toBe('querystring/email: must not contain the NUL character (\\u0000)')
    const rpc = await env.post('/rpc/WebAPI/RoomCreate', { token: client.apiKey, body: { roomKey: 'k\u0000', roomName: 'Room' } })
    expect(rpc.statusCode).toBe(400)
    expect(rpc.json()).toEqual({ code: 'invalid_argument', message: 'body/roomKey: must not contain the NUL character (\\u0000)' })
    const scim = await env.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'nul\u0000@example.com', name: { givenName: 'A', familyName: 'B' } }),
    })
    expect(scim.statusCode).toBe(400)
    expect(scim.json()).toMatchObject({ status: '400', detail: 'body/userName: must not contain the NUL character (\\u0000)' })
  })

  it('in a relay payload: 400 naming the field, nothing posted', async () => {
    const { admin, group } = await world()
    const created = await env.post('/admin/relays.create', { token: admin.token, body: { name: 'nul', group: group.address, template: '{{text}}' } })
    const path = new URL(created.json().url as string).pathname
    const res = await postJson(path, '{"text":"a\\u0000b"}')
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('body/text: must not contain the NUL character (\\u0000)')
    expect(await messageCount(group.chatId)).toBe(0)
  })
})

describe('integers beyond their column', () => {
  let client: ClientFixture
  it('message keys and page sizes beyond 2^53 − 1 are 400 naming the field, in bodies and query strings', async () => {
    const w = await world()
    client = w.client
    const update = await postJson('/v0/chat.update', `{"chat":"${w.group.address}","timestamp":99999999999999999999,"text":"x"}`, { authorization: `Bearer ${client.apiKey}` })
    expect(update.statusCode).toBe(400)
    expect(update.json()).toEqual({ error: 'body/timestamp: must be <= 9007199254740991', code: 'invalid_request' })
    const reaction = await postJson('/v0/reaction.add', `{"chat":"${w.group.address}","timestamp":1e20,"name":"smile"}`, { authorization: `Bearer ${client.apiKey}` })
    expect(reaction.statusCode).toBe(400)
    expect(reaction.json().error).toContain('body/timestamp: must be <= 9007199254740991')
    const clicks = await env.get('/v0/interactivity.clicks', { token: await env.personalToken(w.admin.user), query: { chat: w.group.chatAddress, timestamp: '99999999999999999999' } })
    expect(clicks.statusCode).toBe(400)
    expect(clicks.json().error).toBe('querystring/timestamp: must be <= 9007199254740991')
    const history = await postJson('/rpc/WebAPI/RoomHistory', '{"roomKey":"k","limit":1e20}', { authorization: `Bearer ${client.apiKey}` })
    expect(history.statusCode).toBe(400)
    expect(history.json()).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^body\/limit: must be <=/) })
  })

  it('values for 32-bit columns beyond 2^31 − 1 are 400 naming the field', async () => {
    const { admin } = await world()
    const res = await env.post('/admin/rooms.create', { token: admin.token, body: { name: 'Big', position: 2 ** 31 } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/^body\/position: must be <= /)
  })
})
