import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiKeyClient } from '../src/actions/clients.js'
import { addUser } from '../src/actions/users.js'
import type { User } from '../src/domain.js'
import { newId } from '../src/ids.js'
import { SCOPES } from '../src/scopes.js'
import { randomToken } from '../src/secrets.js'
import { insertOrganization } from '../src/store/repos/organizations.js'
import { nowMicros } from '../src/time.js'
import { TestEnv } from './helpers.js'

/**
 * Two organizations in one database never see each other's data through the API: each has its own
 * key, people, groups, chats with messages and webhooks, and every list and read endpoint answers
 * each organization with its own data only; a key naming the other organization's things by id gets
 * the very answer an id that exists nowhere gets, and changes nothing.
 */

interface Side {
  orgId: string
  key: string
  bot: string
  users: User[]
  group: { id: string; chat: string }
  dm: string
  text: string
  webhook: string
}

let env: TestEnv
let a: Side
let b: Side

async function side(orgId: string, label: string): Promise<Side> {
  const client = await createApiKeyClient(env.ctx, orgId, { name: `client ${label}`, scopes: [...SCOPES], interactivityUrl: null })
  const key = client.apiKey
  const users = [
    await addUser(env.ctx, orgId, { email: `ada-${label}@example.com`, name: `Ada ${label}`, isAdmin: false }),
    await addUser(env.ctx, orgId, { email: `bob-${label}@example.com`, name: `Bob ${label}`, isAdmin: false }),
  ]
  const created = await env.post('/v0/group.create', { token: key, body: { name: `Team ${label}`, members: users.map((u) => `U-${u.id}`) } })
  expect(created.statusCode, created.body).toBe(200)
  const groupId = created.json().id as string
  const members = await env.get('/v0/chat.list', { token: key, query: { limit: 100 } })
  const chat = (members.json().chats as Array<{ id: string; group?: string }>).find((c) => c.group === groupId)!.id
  const text = `news for ${label}`
  const posted = await env.post('/v0/chat.post', { token: key, body: { chat, text, sync: true } })
  expect(posted.statusCode, posted.body).toBe(200)
  const dm = await env.post('/v0/chat.post', { token: key, body: { chat: `U-${users[0]!.id}`, text: `hello ${label}`, sync: true } })
  expect(dm.statusCode, dm.body).toBe(200)
  const hook = await env.post('/v0/webhook.subscribe', { token: key, body: { event: 'lobby.booked', url: `https://example.com/hooks/${label}` } })
  expect(hook.statusCode, hook.body).toBe(200)
  return { orgId, key, bot: `B-${client.app.botId}`, users, group: { id: groupId, chat }, dm: dm.json().chat as string, text, webhook: hook.json().id as string }
}

beforeEach(async () => {
  env = await TestEnv.create({ allowPrivateUrls: true })
  const other = {
    id: newId(),
    externalId: randomToken(10).toUpperCase(),
    name: 'Other Roam',
    imageUrl: null,
    iconUrl: null,
    personalAccessPolicy: 'approval' as const,
    createdAt: nowMicros(),
  }
  await insertOrganization(env.db, other)
  a = await side(env.org.id, 'a')
  b = await side(other.id, 'b')
})
afterEach(async () => {
  await env.close()
})

const ids = (users: User[]) => users.map((u) => `U-${u.id}`).sort()

/**
 * Asks `request` about the other organization's `theirs` and about an id that exists nowhere: both
 * answers must be the same refusal (the unknown id's answer with `theirs` in its place), so the
 * other organization's data is neither shown nor even confirmed to exist.
 */
async function refusedAsUnknown(request: (id: string) => Promise<{ statusCode: number; body: string }>, theirs: string, unknown = newId()): Promise<void> {
  const nowhere = await request(unknown)
  const other = await request(theirs)
  expect(nowhere.statusCode).toBeGreaterThanOrEqual(400)
  expect(nowhere.statusCode).toBeLessThan(500)
  expect({ status: other.statusCode, body: other.body }).toEqual({ status: nowhere.statusCode, body: nowhere.body.replaceAll(unknown, theirs) })
}

describe('organization isolation in one database', () => {
  it('user.list, user.info, user.lookup and addr.info answer each organization with its own people only', async () => {
    for (const [me, them] of [[a, b], [b, a]] as const) {
      const list = await env.get('/v0/user.list', { token: me.key, query: { limit: 100 } })
      expect(list.statusCode).toBe(200)
      expect((list.json().users as Array<{ id: string }>).map((u) => u.id).sort()).toEqual(ids(me.users))

      const info = (id: string) => env.get('/v0/user.info', { token: me.key, query: { id: `U-${id}` } })
      expect((await info(me.users[0]!.id)).json()).toMatchObject({ name: me.users[0]!.name })
      await refusedAsUnknown(info, them.users[0]!.id)

      const lookup = (email: string) => env.get('/v0/user.lookup', { token: me.key, query: { email } })
      expect((await lookup(me.users[1]!.email)).json()).toMatchObject({ name: me.users[1]!.name })
      await refusedAsUnknown(lookup, them.users[1]!.email, `nobody-${newId()}@example.com`)

      const addr = (id: string) => env.get('/v0/addr.info', { token: me.key, query: { addr: `U-${id}` } })
      expect((await addr(me.users[0]!.id)).statusCode).toBe(200)
      await refusedAsUnknown(addr, them.users[0]!.id)
    }
  })

  it('groups.list and group.members show only the own organization; the other one is not found and cannot be joined', async () => {
    for (const [me, them] of [[a, b], [b, a]] as const) {
      const list = await env.get('/v1/groups.list', { token: me.key })
      expect(list.statusCode).toBe(200)
      expect((list.json() as Array<{ addressId: string }>).map((g) => `G-${g.addressId}`)).toEqual([me.group.id])

      const own = await env.get('/v0/group.members', { token: me.key, query: { group: me.group.id, limit: 100 } })
      expect(own.statusCode).toBe(200)
      expect((own.json().members as string[]).sort()).toEqual([...ids(me.users), me.bot].sort())
      await refusedAsUnknown((id) => env.get('/v0/group.members', { token: me.key, query: { group: `G-${id}`, limit: 100 } }), them.group.id.slice(2))
      await refusedAsUnknown((id) => env.post('/v0/group.add', { token: me.key, body: { group: `G-${id}`, members: [`U-${me.users[0]!.id}`] } }), them.group.id.slice(2))
    }
    // Nothing moved: each group still has exactly its own members.
    for (const s of [a, b]) {
      const rows = await env.db.selectFrom('group_members').select('address').where('group_id', '=', s.group.id.slice(2)).execute()
      expect(rows.map((r) => r.address).sort()).toEqual([...ids(s.users), s.bot].sort())
    }
  })

  it('chat.list and chat.history show only the own chats and messages; posting into the other organization is refused', async () => {
    for (const [me, them] of [[a, b], [b, a]] as const) {
      const list = await env.get('/v0/chat.list', { token: me.key, query: { limit: 100 } })
      expect(list.statusCode).toBe(200)
      expect((list.json().chats as Array<{ id: string }>).map((c) => c.id).sort()).toEqual([me.group.chat, me.dm].sort())

      const own = await env.get('/v0/chat.history', { token: me.key, query: { chat: me.group.chat } })
      expect(own.statusCode).toBe(200)
      expect((own.json().messages as Array<{ text?: string }>).map((m) => m.text)).toContain(me.text)

      for (const chat of [them.group.chat, them.dm]) {
        const kind = chat.slice(0, 2)
        await refusedAsUnknown((id) => env.get('/v0/chat.history', { token: me.key, query: { chat: `${kind}${id}` } }), chat.slice(2))
        await refusedAsUnknown((id) => env.post('/v0/chat.post', { token: me.key, body: { chat: `${kind}${id}`, text: 'intruder', sync: true } }), chat.slice(2))
      }
      await refusedAsUnknown((id) => env.post('/v0/chat.post', { token: me.key, body: { chat: `U-${id}`, text: 'intruder', sync: true } }), them.users[0]!.id)
    }
    const texts = await env.db.selectFrom('messages').select('text').execute()
    expect(texts.map((m) => m.text)).not.toContain('intruder')
  })

  it('webhook.list shows only the own subscriptions; the other organization cannot remove them', async () => {
    for (const [me, them] of [[a, b], [b, a]] as const) {
      const list = await env.get('/v0/webhook.list', { token: me.key })
      expect(list.statusCode).toBe(200)
      expect((list.json().webhooks as Array<{ id: string; url: string }>).map((w) => w.id)).toEqual([me.webhook])
      expect(list.body).not.toContain(them.webhook)

      await refusedAsUnknown((id) => env.post('/v0/webhook.unsubscribe', { token: me.key, body: { id } }), them.webhook)
    }
    for (const s of [a, b]) {
      const list = await env.get('/v0/webhook.list', { token: s.key })
      expect((list.json().webhooks as Array<{ id: string }>).map((w) => w.id)).toEqual([s.webhook])
    }
  })
})
