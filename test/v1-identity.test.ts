import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { User } from '../src/domain.js'
import { TestEnv, type ClientFixture } from './helpers.js'

/** `/v1/token.info` and `/v1/group.list`: who a token is, and which groups it can talk in. */

let env: TestEnv
let client: ClientFixture
let ann: User
beforeEach(async () => {
  env = await TestEnv.create()
  client = await env.apiClient({ name: 'Deploy bot', scopes: ['chat:send_message', 'groups:read'] })
  ann = await env.user({ name: 'Ann' })
})
afterEach(async () => {
  await env.close()
})

const bare = (address: string) => address.slice(2)
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('GET /v1/token.info', () => {
  it('an organization key is its app’s bot: user is the bot (bare UUID), no bot field', async () => {
    const res = await env.get('/v1/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    expect(res.headers['roam-version']).toBe('2026-06-01')
    expect(res.json()).toEqual({ user: { id: bare(client.bot), name: 'Deploy bot' }, scopes: ['chat:send_message', 'groups:read'] })
  })

  it('a personal access token is its person (user) with its own bot persona (bot)', async () => {
    await env.db.updateTable('users').set({ image_url: 'https://img.example/ann.png' }).where('id', '=', ann.id).execute()
    const pat = await env.personalToken(ann, ['chat:read'])
    const res = await env.get('/v1/token.info', { token: pat })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      user: { id: ann.id, name: 'Ann', imageUrl: 'https://img.example/ann.png' },
      bot: { id: expect.stringMatching(uuidRe), name: "Ann's bot" },
      scopes: ['chat:read'],
    })
    expect(body.bot.id).not.toBe(ann.id)
    // Each token has its own persona.
    const second = (await env.get('/v1/token.info', { token: await env.personalToken(ann, ['chat:read']) })).json()
    expect(second.bot.id).not.toBe(body.bot.id)
  })

  it('a personal OAuth grant is its person, with no persona', async () => {
    const { token } = await env.oauthToken({ model: 'personal', user: ann, scopes: ['chat:read'] })
    expect((await env.get('/v1/token.info', { token })).json()).toEqual({ user: { id: ann.id, name: 'Ann' }, scopes: ['chat:read'] })
  })

  it('a bad token is a v1 error, not a v0 one', async () => {
    const res = await env.get('/v1/token.info', { token: 'rmk-nope' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ ok: false, error: 'invalid_token', message: expect.any(String) })
  })
})

describe('GET /v1/group.list', () => {
  it('lists public groups and the private ones the caller is in, with their channel chatId', async () => {
    const open = await env.group({ name: 'Open' })
    const mine = await env.group({ name: 'Mine', private: true, members: [client.bot] })
    await env.group({ name: 'Secret', private: true, members: [`U-${ann.id}`] })
    const archived = await env.group({ name: 'Old' })
    await env.db.updateTable('groups').set({ archived_at: 1 }).where('id', '=', archived.id).execute()

    const res = await env.get('/v1/group.list', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    // Oldest first; groups made within the same microsecond come in id order.
    const groups = res.json().groups as Array<{ id: string }>
    expect(Object.keys(res.json())).toEqual(['groups'])
    expect(groups).toHaveLength(2)
    expect(groups).toEqual(
      expect.arrayContaining([
        { id: open.id, chatId: open.chatId, name: 'Open', groupType: 'group', accessMode: 'public', isMember: false, dateCreated: expect.any(String) },
        { id: mine.id, chatId: mine.chatId, name: 'Mine', groupType: 'group', accessMode: 'private', isMember: true, dateCreated: expect.any(String) },
      ]),
    )

    // The chatId it gives is what chat.post takes.
    const post = await env.post('/v1/chat.post', { token: client.apiKey, body: { chatId: mine.chatId, text: 'hello' } })
    expect(post.statusCode).toBe(200)
  })

  it('a personal token sees what its person sees', async () => {
    const secret = await env.group({ name: 'Secret', private: true, members: [`U-${ann.id}`] })
    await env.group({ name: 'Other secret', private: true })
    const pat = await env.personalToken(ann, ['groups:read'])
    const res = await env.get('/v1/group.list', { token: pat })
    expect(res.json().groups.map((g: { id: string; isMember: boolean }) => [g.id, g.isMember])).toEqual([[secret.id, true]])
  })

  it('pages with limit and nextCursor, and refuses a foreign cursor', async () => {
    for (const name of ['a', 'b', 'c']) await env.group({ name })
    const all = (await env.get('/v1/group.list', { token: client.apiKey })).json().groups.map((g: { id: string }) => g.id)
    expect(all).toHaveLength(3)
    const first = (await env.get('/v1/group.list?limit=2', { token: client.apiKey })).json()
    expect(first.groups.map((g: { id: string }) => g.id)).toEqual(all.slice(0, 2))
    const second = (await env.get(`/v1/group.list?limit=2&cursor=${first.nextCursor}`, { token: client.apiKey })).json()
    expect(second).toEqual({ groups: [expect.objectContaining({ id: all[2] })] })
    const bad = await env.get('/v1/group.list?cursor=nope', { token: client.apiKey })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ ok: false, error: 'invalid_arguments', message: 'cursor: is not a cursor returned by group.list' })
    // A time beyond what a database integer holds is no cursor either (both dialects answer alike).
    const huge = await env.get(`/v1/group.list?cursor=9999999999999999_${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, { token: client.apiKey })
    expect(huge.statusCode).toBe(400)
    expect(huge.json().message).toBe('cursor: is not a cursor returned by group.list')
    const big = await env.get('/v1/group.list?limit=201', { token: client.apiKey })
    expect(big.statusCode).toBe(400)
    expect(big.json().message).toMatch(/limit/)
  })

  it('needs groups:read', async () => {
    const narrow = await env.apiClient({ scopes: ['chat:send_message'] })
    const res = await env.get('/v1/group.list', { token: narrow.apiKey })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ ok: false, error: 'missing_scope' })
  })
})

describe('a personal access token’s bot persona', () => {
  async function persona(pat: string): Promise<string> {
    return `B-${(await env.get('/v1/token.info', { token: pat })).json().bot.id}`
  }
  const senders = (chatId: string) =>
    env.db.selectFrom('messages').select(['sender', 'text']).where('chat_id', '=', chatId).orderBy('ts').execute()

  it('posts, edits and deletes on /v1 as the persona, with its person’s access; on v0 the token is the person', async () => {
    const pat = await env.personalToken(ann)
    const bot = await persona(pat)
    const group = await env.group({ name: 'Team', members: [`U-${ann.id}`] })
    const posted = await env.post('/v1/chat.post', { token: pat, body: { chatId: group.chatId, text: 'from the agent', sync: true } })
    expect(posted.statusCode).toBe(200)
    const v0 = await env.post('/v0/chat.post', { token: pat, body: { chat: group.chatAddress, text: 'from Ann' } })
    expect(v0.statusCode).toBe(200)
    expect(await senders(group.chatId)).toEqual([
      { sender: bot, text: 'from the agent' },
      { sender: `U-${ann.id}`, text: 'from Ann' },
    ])
    // History names the persona as the sender, as Roam's agents expect (to skip their own messages).
    const history = (await env.get('/v1/chat.history', { token: pat, query: { chatId: group.chatId } })).json()
    expect(history.messages.map((m: { userId: string; text: string }) => [m.userId, m.text])).toEqual([
      [ann.id, 'from Ann'],
      [bare(bot), 'from the agent'],
    ])
    const ts = posted.json().timestamp
    expect((await env.post('/v1/chat.update', { token: pat, body: { chatId: group.chatId, timestamp: ts, text: 'edited' } })).statusCode).toBe(200)
    expect((await env.post('/v1/chat.delete', { token: pat, body: { chatId: group.chatId, timestamp: ts } })).statusCode).toBe(200)
    const left = await env.db.selectFrom('messages').select(['text', 'deleted_at']).where('chat_id', '=', group.chatId).where('ts', '=', ts).executeTakeFirstOrThrow()
    expect(left.deleted_at).not.toBeNull()

    // Where the person may not write, neither may the persona.
    const closed = await env.group({ private: true })
    const refused = await env.post('/v1/chat.post', { token: pat, body: { chatId: closed.chatId, text: 'x' } })
    expect(refused.statusCode).toBe(403)
    expect(await senders(closed.chatId)).toEqual([])
  })

  it('is a bot the person can talk to: userIds [the person] is their DM, and the persona is listed among bots', async () => {
    const pat = await env.personalToken(ann)
    const bot = await persona(pat)
    const dm = await env.post('/v1/chat.post', { token: pat, body: { userIds: [ann.id], text: 'ready when you are', sync: true } })
    expect(dm.statusCode).toBe(200)
    const members = await env.db.selectFrom('chat_members').select('address').where('chat_id', '=', dm.json().chatId).orderBy('address').execute()
    expect(members.map((m) => m.address).sort()).toEqual([`U-${ann.id}`, bot].sort())
    // Ann answers the persona in that DM from v0 (or the web client), as she would any bot.
    const reply = await env.post('/v0/chat.post', { token: await env.personalToken(ann, ['chat:send_message']), body: { chat: bot, text: 'go' } })
    expect(reply.json().chat).toBe(`D-${dm.json().chatId}`)
    expect((await senders(dm.json().chatId)).map((m) => m.sender)).toEqual([bot, `U-${ann.id}`])
    // The web client finds it (to mention it, or to start the DM) among the office's bots.
    const carl = await env.userWithPassword()
    const office = (await (await env.signedIn(carl)).get('/app/office.info')).json()
    expect(office.bots).toContainEqual({ id: bot, name: "Ann's bot", imageUrl: null })
  })

  it('uploads on /v1 as the persona and attaches what it uploaded', async () => {
    const pat = await env.personalToken(ann)
    const bot = await persona(pat)
    const upload = await env.inject({
      method: 'POST',
      url: '/v1/item.upload',
      headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' },
      payload: Buffer.from('the notes'),
    })
    expect(upload.statusCode).toBe(200)
    const item = await env.db.selectFrom('items').select(['id', 'uploader']).executeTakeFirstOrThrow()
    expect(item.uploader).toBe(bot)
    const posted = await env.post('/v1/chat.post', { token: pat, body: { userIds: [ann.id], text: 'attached', items: [item.id], sync: true } })
    expect(posted.statusCode).toBe(200)
    // The same token on v0 is the person, who did not upload it.
    const v0 = await env.post('/v0/chat.post', { token: pat, body: { chat: bot, text: 'mine?', items: [item.id] } })
    expect(v0.statusCode).toBe(400)
    expect(v0.json().error).toMatch(/^items\/0: no item/)
  })

  it('is not an API client and cannot join groups', async () => {
    const pat = await env.personalToken(ann)
    const bot = await persona(pat)
    const admin = await env.admin()
    const clients = (await env.get('/admin/clients.list', { token: admin.token })).json().clients
    expect(clients.map((c: { botId: string }) => c.botId)).not.toContain(bot)
    const manager = await env.apiClient()
    const group = await env.group({ members: [manager.bot] })
    const add = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [bot] } })
    expect(add.statusCode).toBe(400)
    expect(add.json().error).toMatch(/personal access token's bot/)
    // SCIM provisioning refuses it the same way.
    const scim = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:write'] })
    const patch = await env.inject({
      method: 'PATCH',
      url: `/scim/v2/Groups/${group.id}`,
      headers: { authorization: `Bearer ${scim.apiKey}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: bot }] }] }),
    })
    expect(patch.statusCode).toBe(400)
    expect(patch.json().detail).toMatch(/personal access token's bot/)
    expect(await env.db.selectFrom('group_members').select('address').where('group_id', '=', group.id).where('address', '=', bot).execute()).toEqual([])
  })

  it('tokens made before personas existed get one when the database is migrated', async () => {
    const pat = await env.personalToken(ann)
    const { down, up } = await import('../src/store/migrations/0021_personal_bots.js')
    await down(env.db)
    expect((await env.get('/v1/token.info', { token: pat })).statusCode).toBe(200)
    await up(env.db)
    const info = (await env.get('/v1/token.info', { token: pat })).json()
    expect(info.bot).toEqual({ id: expect.stringMatching(uuidRe), name: "Ann's bot" })
    const posted = await env.post('/v1/chat.post', { token: pat, body: { userIds: [ann.id], text: 'back', sync: true } })
    expect((await senders(posted.json().chatId)).map((m) => m.sender)).toEqual([`B-${info.bot.id}`])
  })
})
