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

describe('GET /v1/token.info', () => {
  it('an organization key is its app’s bot: user is the bot (bare UUID), no bot field', async () => {
    const res = await env.get('/v1/token.info', { token: client.apiKey })
    expect(res.statusCode).toBe(200)
    expect(res.headers['roam-version']).toBe('2026-06-01')
    expect(res.json()).toEqual({ user: { id: bare(client.bot), name: 'Deploy bot' }, scopes: ['chat:send_message', 'groups:read'] })
  })

  it('a personal access token is its person, with the token’s scopes', async () => {
    await env.db.updateTable('users').set({ image_url: 'https://img.example/ann.png' }).where('id', '=', ann.id).execute()
    const pat = await env.personalToken(ann, ['chat:read'])
    const res = await env.get('/v1/token.info', { token: pat })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ user: { id: ann.id, name: 'Ann', imageUrl: 'https://img.example/ann.png' }, scopes: ['chat:read'] })
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
    expect(res.json()).toEqual({
      groups: [
        { id: open.id, chatId: open.chatId, name: 'Open', groupType: 'group', accessMode: 'public', isMember: false, dateCreated: expect.any(String) },
        { id: mine.id, chatId: mine.chatId, name: 'Mine', groupType: 'group', accessMode: 'private', isMember: true, dateCreated: expect.any(String) },
      ],
    })

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
    const made = []
    for (const name of ['a', 'b', 'c']) made.push(await env.group({ name }))
    const first = (await env.get('/v1/group.list?limit=2', { token: client.apiKey })).json()
    expect(first.groups.map((g: { id: string }) => g.id)).toEqual([made[0]!.id, made[1]!.id])
    const second = (await env.get(`/v1/group.list?limit=2&cursor=${first.nextCursor}`, { token: client.apiKey })).json()
    expect(second).toEqual({ groups: [expect.objectContaining({ id: made[2]!.id })] })
    const bad = await env.get('/v1/group.list?cursor=nope', { token: client.apiKey })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ ok: false, error: 'invalid_arguments', message: 'cursor: is not a cursor returned by group.list' })
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
