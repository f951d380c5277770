import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'

/**
 * Webhook subscriptions belong to tokens. A signed-in browser session may not create one: it is
 * refused with a 403 that says what to use, and nothing is stored (before, the subscription was
 * stored and silently never delivered).
 */
describe('webhook.subscribe through a browser session', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create({ allowPrivateUrls: true })
  })
  afterEach(async () => env.close())

  it('is refused with a clear 403 and stores nothing; the same person’s token subscribes', async () => {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
    const body = { event: 'chat.message.dm', url: 'http://127.0.0.1:9/hook' }

    const refused = await browser.postJson('/v0/webhook.subscribe', body)
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toEqual({ code: 'forbidden', error: expect.stringMatching(/^webhook\.subscribe needs a token .*not a browser session/) })
    expect(await env.db.selectFrom('webhook_subscriptions').select('id').where('user_id', '=', user.id).execute()).toEqual([])
    expect((await browser.get('/v0/webhook.list')).json()).toMatchObject({ webhooks: [] })

    const token = await env.personalToken(user, ['webhook:write', 'chat:read'])
    const made = await env.post('/v0/webhook.subscribe', { token, body })
    expect(made.statusCode, made.body).toBe(200)
    expect(await env.db.selectFrom('webhook_subscriptions').select('id').where('user_id', '=', user.id).execute()).toEqual([{ id: made.json().id }])
  })
})
