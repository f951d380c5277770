import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv, type ClientFixture } from './helpers.js'

/**
 * JSON bodies are taken with the types they were sent with; query strings, path parameters and
 * form bodies, which are text on the wire, are converted to their schema's types.
 */

let env: TestEnv
let client: ClientFixture
beforeEach(async () => {
  // Webhook URLs on this machine's loopback: no name lookups.
  env = await TestEnv.create({ allowPrivateUrls: true })
  client = await env.apiClient()
})
afterEach(async () => {
  await env.close()
})

async function messagesIn(chatId: string): Promise<string[]> {
  const rows = await env.db.selectFrom('messages').select('text').where('chat_id', '=', chatId).execute()
  return rows.map((r) => String(r.text))
}

/** A v0-shaped 400 whose message names `field`. */
function expectRefusal(res: LightMyRequestResponse, field: string): void {
  expect(res.statusCode, res.body).toBe(400)
  expect(res.json()).toMatchObject({ code: 'invalid_request' })
  expect(res.json().error).toContain(field)
}

function form(url: string, fields: Record<string, string>, token = client.apiKey) {
  return env.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
}

describe('JSON bodies are not coerced (v0)', () => {
  it('refuses a number for a string, null for a non-nullable field, and stores nothing', async () => {
    const group = await env.group({ members: [client.bot] })
    expectRefusal(await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: 42 } }), 'body/text: must be string')
    expectRefusal(await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: null } }), 'body/text')
    expectRefusal(await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: true } }), 'body/text')
    expect(await messagesIn(group.chatId)).toEqual([])

    // The same message with the right type goes through; a field Roam's schema does not list is ignored.
    const ok = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: '42', notInRoamsSchema: 1 } })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(await messagesIn(group.chatId)).toEqual(['42'])
  })

  it('refuses a string where an array is expected; a form sending one value makes it an array of one', async () => {
    const ann = await env.user()
    const bob = await env.user()
    const group = await env.group({ admins: [client.bot] })
    const members = async () =>
      (await env.db.selectFrom('group_members').select('address').where('group_id', '=', group.id).execute()).map((r) => r.address).sort()

    expectRefusal(await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: `U-${ann.id}` } }), 'body/members: must be array')
    expect(await members()).toEqual([client.bot])

    const viaForm = await form('/v0/group.add', { group: group.address, members: `U-${bob.id}` })
    expect(viaForm.statusCode, viaForm.body).toBe(204)
    expect(await members()).toEqual([client.bot, `U-${bob.id}`].sort())
  })

  it('query strings still convert numbers: limit=5 is the integer 5, limit=x is refused', async () => {
    const group = await env.group({ members: [client.bot] })
    for (let i = 0; i < 7; i++) expect((await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: `m${i}` } })).statusCode).toBe(200)
    const page = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.chatAddress, limit: '5' } })
    expect(page.statusCode, page.body).toBe(200)
    expect(page.json().messages).toHaveLength(5)
    expectRefusal(await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.chatAddress, limit: 'x' } }), 'querystring/limit')
  })

  it('integers out of range and NUL characters are still refused, naming the field', async () => {
    const group = await env.group({ members: [client.bot] })
    expectRefusal(await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: 'a\u0000b' } }), 'body/text')
    const huge = await env.inject({
      method: 'POST',
      url: '/rpc/WebAPI/RoomHistory',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      payload: `{"roomKey":"k","limit":1e300}`,
    })
    expect(huge.statusCode, huge.body).toBe(400)
    expect(huge.json().message).toContain('body/limit')
    // No bound in the schema: the safe-integer range applies, and a string of digits is no integer.
    const sent = await env.post('/v0/chat.post', { token: client.apiKey, body: { chat: group.chatAddress, text: 'kept' } })
    expectRefusal(await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.chatAddress, timestamp: 2 ** 63, text: 'x' } }), 'body/timestamp: must be <= 9007199254740991')
    expectRefusal(await env.post('/v0/chat.update', { token: client.apiKey, body: { chat: group.chatAddress, timestamp: String(sent.json().timestamp), text: 'x' } }), 'body/timestamp: must be integer')
    expect(await messagesIn(group.chatId)).toEqual(['kept'])
    const beyondSafe = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.chatAddress, limit: '99999999999999999999' } })
    expectRefusal(beyondSafe, 'querystring/limit')
  })
})

describe('webhook bodies', () => {
  it('webhook.subscribe refuses unknown filter fields (Roam: additionalProperties false) and a number for the url', async () => {
    const list = async () => (await env.get('/v0/webhook.list', { token: client.apiKey })).json().webhooks as unknown[]
    expectRefusal(
      await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'lobby.booked', url: 'http://127.0.0.1:9/a', filter: { lobbyId: 'L-1', lobby: 'L-1' } } }),
      'body/filter/lobby: is not allowed',
    )
    expectRefusal(await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url: 12345 } }), 'body/url')
    expect(await list()).toEqual([])
    // Unknown top-level fields are not refused: Roam's schema allows them.
    const ok = await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url: 'http://127.0.0.1:9/a', note: 'x' } })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(await list()).toHaveLength(1)
  })

  it('webhook.unsubscribe takes its id from a form (Roam documents it so), and refuses a JSON number for it', async () => {
    const sub = (await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url: 'http://127.0.0.1:9/a' } })).json()
    expectRefusal(await env.post('/v0/webhook.unsubscribe', { token: client.apiKey, body: { id: 42 } }), 'body/id')
    const res = await form('/v0/webhook.unsubscribe', { id: sub.id })
    expect(res.statusCode, res.body).toBe(204)
    expect((await env.get('/v0/webhook.list', { token: client.apiKey })).json().webhooks).toEqual([])
  })
})

describe('JSON bodies on the other surfaces', () => {
  it('/v1: a wrong type is invalid_arguments naming the field', async () => {
    const group = await env.group({ members: [client.bot] })
    const res = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: group.chatId, text: 42 } })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json()).toMatchObject({ ok: false, error: 'invalid_arguments' })
    expect(res.json().message).toContain('body/text')
    const arrayFromString = await env.post('/v1/chat.post', { token: client.apiKey, body: { userIds: 'U-1', text: 'hi' } })
    expect(arrayFromString.statusCode, arrayFromString.body).toBe(400)
    expect(arrayFromString.json().message).toContain('body/userIds')
    expect(await messagesIn(group.chatId)).toEqual([])
  })

  it('admin API: a number for a name is refused, the group keeps its name', async () => {
    const { token } = await env.admin()
    const group = await env.group({ name: 'before' })
    expectRefusal(await env.post('/admin/groups.rename', { token, body: { id: group.address, name: 7 } }), 'body/name')
    const row = await env.db.selectFrom('groups').select('name').where('id', '=', group.id).executeTakeFirstOrThrow()
    expect(row.name).toBe('before')
  })

  it('app API and account: "true" is not a boolean, a string is not a list; nothing changes', async () => {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
    const chat = await env.dm(`U-${user.id}`, client.bot)
    expectRefusal(await browser.postJson('/app/chat.mute', { chat: chat.address, muted: 'true' }), 'body/muted: must be boolean')
    expect((await browser.get('/app/notifications.get')).json().muted).toEqual([])

    expectRefusal(await browser.postJson('/account/pats.create', { name: 'x', scopes: 'chat:read' }), 'body/scopes: must be array')
    const pats = await env.db.selectFrom('credentials').select('id').where('user_id', '=', user.id).where('kind', '=', 'pat').execute()
    expect(pats).toEqual([])
  })

  it('SCIM: a string for active is refused in SCIM’s error shape; no user is created', async () => {
    const scim = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:write'] })
    const res = await env.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${scim.apiKey}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'strict@example.com',
        name: { givenName: 'S', familyName: 'T' },
        emails: [{ value: 'strict@example.com', primary: true }],
        active: 'yes',
      }),
    })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidValue' })
    expect(res.json().detail).toContain('active')
    expect(await env.db.selectFrom('users').select('id').where('email', '=', 'strict@example.com').execute()).toEqual([])
  })

  it('Roomlio: a string for a boolean is invalid_argument naming the field; no room is made', async () => {
    const before = await env.db.selectFrom('groups').select('id').execute()
    const res = await env.post('/rpc/WebAPI/RoomCreate', { token: client.apiKey, body: { roomName: 'Strict', private: 'true' } })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().message).toContain('body/private')
    expect(await env.db.selectFrom('groups').select('id').execute()).toHaveLength(before.length)
  })

  it('OAuth token endpoint: JSON is refused (RFC 6749 wants a form); a form is read as text', async () => {
    const oauth = await env.oauthClient()
    const json = await env.post('/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: 42, client_id: oauth.app.clientId, client_secret: oauth.clientSecret } })
    expect(json.statusCode, json.body).toBe(400)
    expect(json.json()).toMatchObject({ error: 'invalid_request' })

    const viaForm = await env.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: '42', client_id: oauth.app.clientId, client_secret: oauth.clientSecret! }).toString(),
    })
    expect(viaForm.statusCode, viaForm.body).toBe(400)
    expect(viaForm.json().error).toBe('invalid_grant')
  })
})
