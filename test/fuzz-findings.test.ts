import { afterEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'

/**
 * Defects the route fuzzer (test/fuzz.test.ts) found, each pinned by a request of its own so the
 * fix stays whatever seed the fuzzer runs with.
 */

let env: TestEnv
afterEach(async () => env?.close())

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

describe('found by fuzzing', () => {
  it('an infinite page size in the query string (limit=1e400) is 400, not a database error', async () => {
    env = await TestEnv.create()
    const client = await env.apiClient()
    // Ajv coerces "1e400" to Infinity and skips the bounds of non-finite numbers.
    for (const limit of ['1e400', '-1e400']) {
      for (const url of ['/v1/recording.list', '/v0/meeting.list', '/v0/transcript.list']) {
        const res = await env.get(url, { token: client.apiKey, query: { limit } })
        expect(res.statusCode, `${url} ${res.body}`).toBe(400)
        const message = 'querystring/limit: must be a finite number'
        expect(res.json()).toEqual(url.startsWith('/v1/') ? { ok: false, error: 'invalid_arguments', message } : { error: message, code: 'invalid_request' })
      }
    }
    const group = await env.group({ members: [client.bot] })
    const history = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group.address, limit: '1e400' } })
    expect(history.json()).toEqual({ error: 'querystring/limit: must be a finite number', code: 'invalid_request' })
  })

  it('an infinite number in a JSON body is 400 naming the field, also where the schema takes any value', async () => {
    env = await TestEnv.create()
    const client = await env.apiClient()
    const res = await env.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/scim+json' },
      payload: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"inf@example.com","active":1e400}',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400', detail: 'body/active: must be a finite number' })
  })

  it('GET /app/realtime without a WebSocket upgrade answers a JSON 404', async () => {
    env = await TestEnv.create()
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    const res = await browser.get('/app/realtime')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: 'GET /app/realtime is a WebSocket: connect with an Upgrade request.', code: 'not_found' })
  })

  it('a path that is not valid percent-encoding, or a path parameter over 100 characters, is 400 in the API’s own error shape', async () => {
    env = await TestEnv.create()
    const client = await env.apiClient()
    const auth = { authorization: `Bearer ${client.apiKey}` }
    for (const url of ['/scim/v2/Users/%zz', '/scim/v2/Groups/%E0%A4%A', `/scim/v2/Users/${'x'.repeat(101)}`]) {
      const res = await env.inject({ method: 'GET', url, headers: auth })
      expect(res.statusCode, url).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400', detail: expect.stringMatching(/^(path|params): /) })
    }
    const rpc = await env.inject({ method: 'POST', url: `/rpc/WebAPI/${'R'.repeat(5)}%zz`, headers: auth })
    expect(rpc.statusCode).toBe(400)
    expect(rpc.json()).toEqual({ code: 'invalid_argument', message: 'path: is not valid percent-encoded UTF-8' })
    const page = await env.inject({ method: 'GET', url: '/l/%zz' })
    expect(page.statusCode).toBe(400)
    expect(page.json()).toEqual({ error: 'path: is not valid percent-encoded UTF-8', code: 'invalid_request' })
    const long = await env.inject({ method: 'GET', url: `/bookings/${'b'.repeat(101)}` })
    expect(long.json()).toEqual({ error: 'params: a path segment is longer than 100 characters', code: 'invalid_request' })
    // Up to the limit, the route answers for itself: its own schema's limit on a SCIM id, not the path-segment guard.
    const atLimit = await env.inject({ method: 'GET', url: `/scim/v2/Users/${'x'.repeat(100)}`, headers: auth })
    expect(atLimit.statusCode).toBe(400)
    expect(atLimit.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400', detail: 'params/id: must NOT have more than 64 characters' })
  })
})
