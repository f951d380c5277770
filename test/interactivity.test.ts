import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { User } from '../src/domain.js'
import { nowMicros } from '../src/time.js'
import { TestEnv, type ClientFixture } from './helpers.js'
import { Receiver, type ScriptedAnswer } from './receiver.js'

let env: TestEnv
let receiver: Receiver
let app: ClientFixture
let user: User
let token: string

const blocks = [
  { type: 'header', text: { type: 'plain_text', text: 'Deploy Request' } },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: '*api-gateway*' },
    accessory: { type: 'button', text: { type: 'plain_text', text: 'Details' }, action_id: 'details', value: 'd-1' },
  },
  {
    type: 'actions',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'deploy_approve', value: 'v2.4.1', style: 'primary' },
      { type: 'button', text: { type: 'plain_text', text: 'Logs' }, url: 'https://example.com/logs' },
    ],
  },
  { type: 'actions', block_id: 'more', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'deploy_reject', value: 'no' }] },
]

/** A Block Kit message from the app's bot in a group the user belongs to (written through the store). */
async function postBlocks(chatAddress: string, chatId: string, threadTs: number | null = null): Promise<number> {
  const ts = nowMicros()
  await env.db
    .insertInto('messages')
    .values({ chat_id: chatId, ts, sender: app.bot, thread_ts: threadTs, reply_ts: null, content_type: 'block', text: null, blocks: JSON.stringify(blocks), color: 'good', poll: null, created_at: ts })
    .execute()
  void chatAddress
  return ts
}

async function setup(script: (n: number) => ScriptedAnswer, timeoutMs = 1000) {
  receiver = await Receiver.start(script)
  env = await TestEnv.create({ allowPrivateUrls: true, webhooks: { retrySchedule: [], disableAfter: 0, timeoutMs, pollMs: 50 } })
  app = await env.apiClient({ interactivityUrl: receiver.url('/interactivity') })
  user = await env.user()
  token = await env.personalToken(user)
}

afterEach(async () => {
  await receiver.close()
  await env.close()
})

async function click(body: Record<string, unknown>, as = token) {
  return env.post('/v0/interactivity.click', { token: as, body })
}

describe('interactivity', () => {
  describe('with an app answering 200', () => {
    beforeEach(async () => {
      await setup(() => ({ status: 200 }))
    })

    it('POSTs the signed block_actions payload of the seed and records "clicked"', async () => {
      const group = await env.group({ members: [`U-${user.id}`, app.bot] })
      const ts = await postBlocks(group.chatAddress, group.chatId, null)
      const res = await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ outcome: 'clicked', message: 'Clicked', actionId: 'deploy_approve', blockId: 'actions-1', statusCode: 200 })
      expect(receiver.requests).toHaveLength(1)
      const payload = Receiver.verify(app.signingSecret, receiver.requests[0]!)
      expect(payload).toEqual({
        type: 'block_actions',
        clientId: app.app.clientId,
        user: { id: user.id, email: user.email },
        message: { chatId: group.chatAddress, timestamp: ts },
        blockId: 'actions-1',
        actionId: 'deploy_approve',
        value: 'v2.4.1',
      })
      expect(receiver.requests[0]!.headers['webhook-id']).toBe(res.json().id)
      const state = await env.get('/v0/interactivity.clicks', { token, query: { chat: group.chatAddress, timestamp: ts } })
      expect(state.statusCode).toBe(200)
      expect(state.json().clicks).toEqual([expect.objectContaining({ actionId: 'deploy_approve', outcome: 'clicked' })])
    })

    it('finds section accessories and explicit block ids, and includes the thread', async () => {
      const group = await env.group({ members: [`U-${user.id}`, app.bot] })
      const ts = await postBlocks(group.chatAddress, group.chatId, 1_700_000_000_000_000)
      const a = await click({ chat: group.address, timestamp: ts, actionId: 'details' })
      expect(a.json()).toMatchObject({ blockId: 'section-1', outcome: 'clicked' })
      const b = await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_reject', blockId: 'more' })
      expect(b.json()).toMatchObject({ blockId: 'more', outcome: 'clicked' })
      const bodies = receiver.requests.map((q) => JSON.parse(q.body) as { message: { threadTimestamp?: number }; value: string })
      expect(bodies.map((p) => p.value)).toEqual(['d-1', 'no'])
      expect(bodies[0]!.message.threadTimestamp).toBe(1_700_000_000_000_000)
    })

    it('rejects URL buttons, unknown actions, non-members and organization tokens', async () => {
      const group = await env.group({ private: true, members: [`U-${user.id}`, app.bot] })
      const ts = await postBlocks(group.chatAddress, group.chatId)
      expect((await click({ chat: group.chatAddress, timestamp: ts, actionId: 'nope' })).statusCode).toBe(400)
      expect((await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve', blockId: 'more' })).statusCode).toBe(400)
      expect((await click({ chat: group.chatAddress, timestamp: ts + 1, actionId: 'deploy_approve' })).statusCode).toBe(404)
      const outsider = await env.user()
      expect((await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' }, await env.personalToken(outsider))).statusCode).toBe(404)
      expect((await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' }, app.apiKey)).statusCode).toBe(403)
      expect((await click({ chat: 'nope', timestamp: ts, actionId: 'deploy_approve' })).statusCode).toBe(400)
      expect(receiver.requests).toHaveLength(0)
    })

    it('works in a DM with the bot', async () => {
      const dm = await env.dm(`U-${user.id}`, app.bot)
      const ts = await postBlocks(dm.address, dm.id)
      const res = await click({ chat: dm.address, timestamp: ts, actionId: 'deploy_approve' })
      expect(res.json()).toMatchObject({ outcome: 'clicked' })
      expect(JSON.parse(receiver.requests[0]!.body).message.chatId).toBe(dm.address)
    })
  })

  it('reports "App returned an error" for a non-2xx answer', async () => {
    await setup(() => ({ status: 500 }))
    const group = await env.group({ members: [`U-${user.id}`, app.bot] })
    const ts = await postBlocks(group.chatAddress, group.chatId)
    const res = await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' })
    expect(res.json()).toMatchObject({ outcome: 'error', message: 'App returned an error', statusCode: 500 })
  })

  it('reports "App didn\'t respond in time" past the time limit', async () => {
    await setup(() => ({ status: 200, delayMs: 1500 }), 200)
    const group = await env.group({ members: [`U-${user.id}`, app.bot] })
    const ts = await postBlocks(group.chatAddress, group.chatId)
    const res = await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' })
    expect(res.json()).toMatchObject({ outcome: 'timeout', message: "App didn't respond in time" })
    expect(res.json().statusCode).toBeUndefined()
  })

  it('reports "App didn\'t respond" when the connection fails', async () => {
    await setup(() => ({ status: 200 }))
    const url = receiver.url('/interactivity')
    await receiver.close()
    receiver = await Receiver.start()
    void url
    const group = await env.group({ members: [`U-${user.id}`, app.bot] })
    const ts = await postBlocks(group.chatAddress, group.chatId)
    const res = await click({ chat: group.chatAddress, timestamp: ts, actionId: 'deploy_approve' })
    expect(res.json()).toMatchObject({ outcome: 'no_response', message: "App didn't respond" })
    const state = await env.get('/v0/interactivity.clicks', { token, query: { chat: group.chatAddress, timestamp: ts } })
    expect(state.json().clicks[0]).toMatchObject({ outcome: 'no_response' })
  })
})
