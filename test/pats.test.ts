import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'
import { Receiver } from './receiver.js'

describe('personal access tokens and the admin policy', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  async function signedInWithCsrf(opts: { isAdmin?: boolean } = {}) {
    const user = await env.userWithPassword(opts)
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
    return { user, browser }
  }

  it('a signed-in user creates a token; under the default approval policy it is pending (403) until approved', async () => {
    const { user, browser } = await signedInWithCsrf()
    const admin = await env.admin()
    const created = await browser.postJson('/account/pats.create', { name: 'laptop', scopes: ['chat:history'] })
    expect(created.statusCode).toBe(200)
    const body = created.json()
    expect(body).toMatchObject({ status: 'pending', name: 'laptop', scopes: ['chat:history'] })
    expect(body.token).toMatch(/^rmp-[A-Za-z0-9]{16}\.[A-Za-z0-9]{40}$/)
    const pending = await env.get('/v0/token.info', { token: body.token })
    expect(pending.statusCode).toBe(403)
    expect(pending.json().error).toMatch(/waiting for an administrator/)

    const list = await env.get('/admin/pats.list', { token: admin.token, query: { status: 'pending' } })
    expect(list.json().tokens).toEqual([
      { id: body.id, kind: 'pat', user: `U-${user.id}`, name: 'laptop', scopes: ['chat:history'], status: 'pending', createdAt: expect.any(String) },
    ])
    const approved = await env.post('/admin/pats.approve', { token: admin.token, body: { id: body.id } })
    expect(approved.statusCode).toBe(200)
    expect(approved.json().status).toBe('active')
    const info = await env.get('/v0/token.info', { token: body.token })
    expect(info.statusCode).toBe(200)
    expect(info.json()).toMatchObject({ addr: `U-${user.id}`, scopes: ['chat:history'] })
    // Approving twice is a conflict, not a silent success.
    expect((await env.post('/admin/pats.approve', { token: admin.token, body: { id: body.id } })).statusCode).toBe(409)
  })

  it('auto-approve issues active tokens; disabled refuses to create them', async () => {
    const { browser } = await signedInWithCsrf()
    const admin = await env.admin()
    expect((await env.post('/admin/settings.update', { token: admin.token, body: { personalAccess: 'auto' } })).statusCode).toBe(200)
    const auto = (await browser.postJson('/account/pats.create', { scopes: ['chat:read'] })).json()
    expect(auto.status).toBe('active')
    expect((await env.get('/v0/token.info', { token: auto.token })).statusCode).toBe(200)

    expect((await env.post('/admin/settings.update', { token: admin.token, body: { personalAccess: 'disabled' } })).statusCode).toBe(200)
    const refused = await browser.postJson('/account/pats.create', { scopes: ['chat:read'] })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toMatch(/disabled/)
    const bad = await env.post('/admin/settings.update', { token: admin.token, body: { personalAccess: 'sometimes' } })
    expect(bad.statusCode).toBe(400)
  })

  it('rejected tokens are refused with a clear 403; revoked ones with 401', async () => {
    const { browser } = await signedInWithCsrf()
    const admin = await env.admin()
    const a = (await browser.postJson('/account/pats.create', { scopes: ['chat:read'] })).json()
    expect((await env.post('/admin/pats.reject', { token: admin.token, body: { id: a.id } })).json().status).toBe('rejected')
    const rejected = await env.get('/v0/token.info', { token: a.token })
    expect(rejected.statusCode).toBe(403)
    expect(rejected.json().error).toMatch(/rejected/)

    const b = (await browser.postJson('/account/pats.create', { scopes: ['chat:read'] })).json()
    await env.post('/admin/pats.approve', { token: admin.token, body: { id: b.id } })
    expect((await env.post('/admin/pats.revoke', { token: admin.token, body: { id: b.id } })).json().status).toBe('revoked')
    expect((await env.get('/v0/token.info', { token: b.token })).statusCode).toBe(401)
    // A revoked token cannot be approved back.
    expect((await env.post('/admin/pats.approve', { token: admin.token, body: { id: b.id } })).statusCode).toBe(409)
  })

  it('users list and revoke only their own tokens', async () => {
    const alice = await signedInWithCsrf()
    const bob = await signedInWithCsrf()
    const a = (await alice.browser.postJson('/account/pats.create', { scopes: ['chat:read'] })).json()
    const b = (await bob.browser.postJson('/account/pats.create', { scopes: ['chat:read'] })).json()
    const listed = (await alice.browser.get('/account/pats.list')).json().tokens
    expect(listed.map((t: { id: string }) => t.id)).toEqual([a.id])
    expect((await alice.browser.postJson('/account/pats.revoke', { id: b.id })).statusCode).toBe(404)
    expect((await alice.browser.postJson('/account/pats.revoke', { id: a.id })).json().status).toBe('revoked')
  })

  it('account writes need the CSRF header; names and scopes are validated at their edges', async () => {
    const { browser } = await signedInWithCsrf()
    expect((await browser.postJson('/account/pats.create', { scopes: ['chat:read'] }, { csrf: false })).statusCode).toBe(403)
    expect((await browser.postJson('/account/pats.create', { scopes: ['chat:read'], name: 'x'.repeat(64) })).statusCode).toBe(200)
    const long = await browser.postJson('/account/pats.create', { scopes: ['chat:read'], name: 'x'.repeat(65) })
    expect(long.statusCode).toBe(400)
    expect(long.json().error).toMatch(/^name:/)
    const unknown = await browser.postJson('/account/pats.create', { scopes: ['chat:read', 'nope:nope'] })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toContain('nope:nope')
    expect((await browser.postJson('/account/pats.create', { scopes: [] })).statusCode).toBe(400)
  })

  it('only administrators manage tokens, clients and settings', async () => {
    const user = await env.user()
    const token = await env.personalToken(user)
    for (const url of ['/admin/pats.list', '/admin/clients.list', '/admin/settings.info']) {
      const res = await env.get(url, { token })
      expect(res.statusCode).toBe(403)
    }
    // An organization API key is not an administrator either.
    const { apiKey } = await env.apiClient()
    expect((await env.get('/admin/settings.info', { token: apiKey })).json().code).toBe('access_mode_not_supported')
  })
})

describe('API clients (admin API)', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('creates API key and OAuth clients, lists them and deletes them (their credentials stop working)', async () => {
    const admin = await env.admin()
    const key = await env.post('/admin/clients.create', {
      token: admin.token,
      body: { name: 'ci', authType: 'api_key', scopes: ['all'], webhookUrl: 'https://hooks.example/ci' },
    })
    expect(key.statusCode).toBe(200)
    expect(key.json()).toMatchObject({
      client: { name: 'ci', authType: 'api_key', accessModels: ['organization'], webhookUrl: 'https://hooks.example/ci', public: false },
      apiKey: expect.stringMatching(/^rmk-/),
      signingSecret: expect.stringMatching(/^whsec_/),
    })
    const oauth = await env.post('/admin/clients.create', {
      token: admin.token,
      body: { name: 'assistant', authType: 'oauth', scopes: ['chat:read'], redirectUris: ['https://app.example/cb', 'http://localhost:3000/cb'] },
    })
    expect(oauth.statusCode).toBe(200)
    expect(oauth.json().clientSecret).toMatch(/^rmc-/)
    expect(oauth.json().client).toMatchObject({ authType: 'oauth', accessModels: ['organization', 'personal'], redirectUris: ['https://app.example/cb', 'http://localhost:3000/cb'] })

    const list = await env.get('/admin/clients.list', { token: admin.token })
    expect(list.json().clients.map((c: { name: string }) => c.name)).toEqual(['ci', 'assistant'])

    const apiKey = key.json().apiKey as string
    expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(200)
    expect((await env.post('/admin/clients.delete', { token: admin.token, body: { clientId: key.json().client.clientId } })).statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: apiKey })).statusCode).toBe(401)
    expect((await env.get('/admin/clients.list', { token: admin.token })).json().clients).toHaveLength(1)
  })

  it('refuses OAuth clients without a redirect URI, with a non-https one, or an unknown scope', async () => {
    const admin = await env.admin()
    const create = (body: Record<string, unknown>) => env.post('/admin/clients.create', { token: admin.token, body: { name: 'x', authType: 'oauth', scopes: ['chat:read'], ...body } })
    expect((await create({})).json().error).toMatch(/^redirectUris:/)
    expect((await create({ redirectUris: ['http://app.example/cb'] })).json().error).toMatch(/^redirectUris: must be https/)
    expect((await create({ redirectUris: ['https://app.example/cb#x'] })).statusCode).toBe(400)
    expect((await create({ redirectUris: ['https://app.example/cb'], scopes: ['chat:nope'] })).json().error).toContain('chat:nope')
    expect((await create({ redirectUris: Array.from({ length: 10 }, (_, i) => `https://app.example/${i}`) })).statusCode).toBe(200)
    expect((await create({ redirectUris: Array.from({ length: 11 }, (_, i) => `https://app.example/${i}`) })).statusCode).toBe(400)
  })
  it('updates a client\'s URLs and rotates its signing secret: interactions go to the new URL, signed with the new secret', async () => {
    const receiver = await Receiver.start()
    await env.close()
    env = await TestEnv.create({ allowPrivateUrls: true })
    try {
      const admin = await env.admin()
      const created = await env.post('/admin/clients.create', {
        token: admin.token,
        body: { name: 'deploys', authType: 'api_key', scopes: ['all'], interactivityUrl: receiver.url('/old') },
      })
      const { clientId, botId } = created.json().client as { clientId: string; botId: string }
      const oldSecret = created.json().signingSecret as string

      const updated = await env.post('/admin/clients.update', {
        token: admin.token,
        body: { clientId, interactivityUrl: receiver.url('/new'), webhookUrl: 'https://hooks.example/deploys' },
      })
      expect(updated.statusCode, updated.body).toBe(200)
      expect(updated.json().client).toMatchObject({ interactivityUrl: receiver.url('/new'), webhookUrl: 'https://hooks.example/deploys' })
      const rotated = await env.post('/admin/clients.rotateSecret', { token: admin.token, body: { clientId } })
      expect(rotated.statusCode).toBe(200)
      const newSecret = rotated.json().signingSecret as string
      expect(newSecret).toMatch(/^whsec_/)
      expect(newSecret).not.toBe(oldSecret)
      const listed = (await env.get('/admin/clients.list', { token: admin.token })).json().clients as Array<Record<string, unknown>>
      expect(listed[0]).toMatchObject({ clientId, interactivityUrl: receiver.url('/new'), webhookUrl: 'https://hooks.example/deploys' })
      expect(JSON.stringify(listed)).not.toContain('whsec_')

      // The bot posts a button; a member clicks it.
      const user = await env.user()
      const group = await env.group({ members: [`U-${user.id}`, botId] })
      const posted = await env.post('/v0/chat.post', {
        token: created.json().apiKey,
        body: { chat: group.chatAddress, sync: true, blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', value: '1' }] }] },
      })
      expect(posted.statusCode, posted.body).toBe(200)
      const click = await env.post('/v0/interactivity.click', { token: await env.personalToken(user), body: { chat: group.chatAddress, timestamp: posted.json().timestamp, actionId: 'go' } })
      expect(click.json().outcome, click.body).toBe('clicked')
      expect(receiver.requests.map((r) => r.path)).toEqual(['/new'])
      expect(Receiver.verify(newSecret, receiver.requests[0]!)).toMatchObject({ type: 'block_actions', actionId: 'go' })
      expect(() => Receiver.verify(oldSecret, receiver.requests[0]!)).toThrow()

      // Clearing with null; the old values are gone.
      const cleared = await env.post('/admin/clients.update', { token: admin.token, body: { clientId, webhookUrl: null } })
      expect(cleared.json().client).toMatchObject({ webhookUrl: null, interactivityUrl: receiver.url('/new') })
    } finally {
      await receiver.close()
    }
  })

  it('refuses bad client updates with the field named, and unknown clients with 404', async () => {
    const admin = await env.admin()
    const key = (await env.post('/admin/clients.create', { token: admin.token, body: { name: 'k', authType: 'api_key', scopes: ['chat:read'] } })).json().client.clientId as string
    const oauth = (await env.post('/admin/clients.create', { token: admin.token, body: { name: 'o', authType: 'oauth', scopes: ['chat:read'], redirectUris: ['https://app.example/cb'] } })).json().client
      .clientId as string
    const update = (body: Record<string, unknown>) => env.post('/admin/clients.update', { token: admin.token, body })
    const bad = await update({ clientId: key, interactivityUrl: 'not a url' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^interactivityUrl:/)
    expect((await update({ clientId: key, redirectUris: ['https://app.example/cb'] })).json().error).toMatch(/^redirectUris: only OAuth/)
    expect((await update({ clientId: oauth, redirectUris: [] })).json().error).toMatch(/^redirectUris:/)
    expect((await update({ clientId: oauth, redirectUris: ['http://app.example/cb'] })).statusCode).toBe(400)
    expect((await update({ clientId: oauth, redirectUris: Array.from({ length: 11 }, (_, i) => `https://app.example/${i}`) })).statusCode).toBe(400)
    const ten = await update({ clientId: oauth, redirectUris: Array.from({ length: 10 }, (_, i) => `https://app.example/${i}`) })
    expect(ten.statusCode).toBe(200)
    expect(ten.json().client.redirectUris).toHaveLength(10)
    expect((await update({ clientId: 'app_nope', webhookUrl: null })).statusCode).toBe(404)
    expect((await env.post('/admin/clients.rotateSecret', { token: admin.token, body: { clientId: 'app_nope' } })).statusCode).toBe(404)
    expect((await env.post('/admin/clients.rotateSecret', { token: admin.token, body: {} })).statusCode).toBe(400)
  })
})
