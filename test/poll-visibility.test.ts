import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv, type Browser } from './helpers.js'

/**
 * A poll the caller cannot read is answered exactly like a poll that does not exist: the same
 * 404 status and the same body, for reading results and for voting alike.
 */
describe('polls the caller cannot read', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  async function person(): Promise<{ browser: Browser; address: string }> {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    browser.csrfToken = (await browser.get('/app/session')).json().csrfToken
    return { browser, address: `U-${user.id}` }
  }

  async function pollIn(author: Browser, chat: string): Promise<{ ts: number; option: string }> {
    const posted = await author.postJson('/v0/chat.post', { chat, poll: { question: 'Merge the release?', options: ['Yes', 'No'] }, sync: true })
    expect(posted.statusCode, posted.body).toBe(200)
    const ts = posted.json().timestamp as number
    const history = (await author.get(`/v0/chat.history?chat=${chat}&limit=1`)).json()
    return { ts, option: history.messages[0].poll.options[0].id as string }
  }

  it('same 404 and body whether the poll is hidden from the caller or does not exist', async () => {
    const author = await person()
    const partner = await person()
    const outsider = await person()
    const privateGroup = await env.group({ private: true, members: [author.address] })
    const publicGroup = await env.group({ members: [author.address] })
    const dm = await env.dm(author.address, partner.address)
    const hiddenPrivate = await pollIn(author.browser, privateGroup.chatAddress)
    const hiddenPublic = await pollIn(author.browser, publicGroup.chatAddress)
    const hiddenDm = await pollIn(author.browser, dm.address)
    const text = await author.browser.postJson('/v0/chat.post', { chat: privateGroup.chatAddress, text: 'not a poll', sync: true })
    const ownGroup = await env.group({ members: [outsider.address] })
    const deleted = await pollIn(outsider.browser, ownGroup.chatAddress)
    expect((await outsider.browser.postJson('/app/chat.delete', { chat: ownGroup.chatAddress, timestamp: deleted.ts })).statusCode).toBe(200)

    const cases: Record<string, { chat: string; timestamp: number; option: string }> = {
      'a private group’s poll': { chat: privateGroup.chatAddress, timestamp: hiddenPrivate.ts, option: hiddenPrivate.option },
      'a poll of a public group the caller is not in': { chat: publicGroup.chatAddress, timestamp: hiddenPublic.ts, option: hiddenPublic.option },
      'a poll of other people’s DM': { chat: dm.address, timestamp: hiddenDm.ts, option: hiddenDm.option },
      'no message at the key of a hidden chat': { chat: privateGroup.chatAddress, timestamp: hiddenPrivate.ts + 1, option: hiddenPrivate.option },
      'a chat that does not exist': { chat: `C-${randomUUID()}`, timestamp: hiddenPrivate.ts, option: hiddenPrivate.option },
      'a group that does not exist': { chat: `G-${randomUUID()}`, timestamp: hiddenPrivate.ts, option: hiddenPrivate.option },
      'no message at the key of the caller’s own chat': { chat: ownGroup.chatAddress, timestamp: 12345, option: hiddenPrivate.option },
      'a message that is no poll': { chat: privateGroup.chatAddress, timestamp: text.json().timestamp, option: hiddenPrivate.option },
      'a deleted poll': { chat: ownGroup.chatAddress, timestamp: deleted.ts, option: deleted.option },
    }
    const answers: Record<string, string> = {}
    for (const [name, c] of Object.entries(cases)) {
      const results = await outsider.browser.postJson('/app/poll.results', { chat: c.chat, timestamp: c.timestamp })
      const vote = await outsider.browser.postJson('/app/poll.vote', { chat: c.chat, timestamp: c.timestamp, options: [c.option] })
      answers[`results: ${name}`] = `${results.statusCode} ${results.body}`
      answers[`vote: ${name}`] = `${vote.statusCode} ${vote.body}`
    }
    const notFound = `404 ${JSON.stringify({ error: 'timestamp: no poll with this key in a chat you can read', code: 'not_found' })}`
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, notFound])))

    // Nothing was counted, and the people who can see the polls still can.
    const tally = await author.browser.postJson('/app/poll.results', { chat: privateGroup.chatAddress, timestamp: hiddenPrivate.ts })
    expect(tally.statusCode).toBe(200)
    expect(tally.json()).toEqual({ counts: {}, mine: [] })
    const voted = await partner.browser.postJson('/app/poll.vote', { chat: dm.address, timestamp: hiddenDm.ts, options: [hiddenDm.option] })
    expect(voted.json()).toEqual({ counts: { [hiddenDm.option]: 1 }, mine: [hiddenDm.option] })
  })

  it('a malformed chat id is still a 400 naming the field', async () => {
    const outsider = await person()
    const res = await outsider.browser.postJson('/app/poll.results', { chat: 'not-a-chat', timestamp: 1 })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/^chat:/)
  })
})
