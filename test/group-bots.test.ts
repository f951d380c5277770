import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Dispatcher } from '../src/events/dispatcher.js'
import { contractErrors, webhookPayloadErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'
import { Receiver } from './receiver.js'

/**
 * An app's bot (`B-…`) is a group member like a person: group.add / group.remove, SCIM, the
 * command line's actions and the web client's member panel accept it, group.members lists it,
 * webhooks and private chats follow its membership.
 */

let env: TestEnv
let manager: ClientFixture
let receiver: Receiver | undefined

beforeEach(async () => {
  env = await TestEnv.create({ allowPrivateUrls: true, webhooks: { retrySchedule: [], disableAfter: 0, timeoutMs: 1000, pollMs: 50 } })
  manager = await env.apiClient({ scopes: ['group:write', 'groups:read', 'chat:history', 'chat:write'] })
})
afterEach(async () => {
  await receiver?.close()
  receiver = undefined
  await env.close()
})

const U = (u: { id: string }) => `U-${u.id}`

async function roles(groupAddress: string): Promise<Record<string, string>> {
  const rows = await env.db.selectFrom('group_members').select(['address', 'role']).where('group_id', '=', groupAddress.slice(2)).execute()
  return Object.fromEntries(rows.map((r) => [r.address, r.role]))
}

function expectContract(route: string, method: string, res: LightMyRequestResponse) {
  expect(contractErrors('chat.json', route, method, res.statusCode, res.statusCode === 204 ? undefined : res.json())).toEqual([])
}

describe('v0 group.add / group.remove / group.members with bots', () => {
  it('adds another app\'s bot as a member (204), lists it in group.members, removes it (204)', async () => {
    const ada = await env.user()
    const deploy = await env.apiClient({ name: 'Deploy bot' })
    const group = await env.group({ members: [U(ada), manager.bot] })
    const add = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })
    expect(add.statusCode, add.body).toBe(204)
    expectContract('/group.add', 'post', add)
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [manager.bot]: 'member', [deploy.bot]: 'member' })
    // Idempotent, like people.
    expect((await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })).statusCode).toBe(204)

    const list = await env.get('/v0/group.members', { token: manager.apiKey, query: { group: group.address, limit: 100 } })
    expect(list.statusCode).toBe(200)
    expect(list.json().members.sort()).toEqual([U(ada), manager.bot, deploy.bot].sort())
    expectContract('/group.members', 'get', list)

    const remove = await env.post('/v0/group.remove', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })
    expect(remove.statusCode, remove.body).toBe(204)
    expectContract('/group.remove', 'post', remove)
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [manager.bot]: 'member' })
  })

  it('follows the rules for people: admins need a group admin, an admin bot cannot be removed, private groups need the app in them', async () => {
    const deploy = await env.apiClient()
    const asMember = await env.group({ members: [manager.bot] })
    const denied = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: asMember.address, admins: [deploy.bot] } })
    expect(denied.statusCode).toBe(403)
    expect(await roles(asMember.address)).toEqual({ [manager.bot]: 'member' })

    const asAdmin = await env.group({ admins: [manager.bot] })
    expect((await env.post('/v0/group.add', { token: manager.apiKey, body: { group: asAdmin.address, admins: [deploy.bot] } })).statusCode).toBe(204)
    expect(await roles(asAdmin.address)).toEqual({ [manager.bot]: 'admin', [deploy.bot]: 'admin' })
    const adminBot = await env.post('/v0/group.remove', { token: manager.apiKey, body: { group: asAdmin.address, members: [deploy.bot] } })
    expect(adminBot.statusCode).toBe(400)
    expect(adminBot.json().error).toContain(deploy.bot)

    const theirs = await env.group({ private: true, members: [U(await env.user())] })
    const outsider = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: theirs.address, members: [deploy.bot] } })
    expect(outsider.statusCode).toBe(403)
    expect(Object.keys(await roles(theirs.address))).not.toContain(deploy.bot)
  })

  it('refuses unknown bots and deleted apps\' bots with a 400 naming the entry, and leaves deleted apps\' bots out of group.members', async () => {
    const group = await env.group({ members: [manager.bot] })
    const unknown = 'B-00000000-0000-4000-8000-000000000000'
    const res = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [unknown] } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe(`members: no bot "${unknown}" in this organization`)
    const notMember = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: ['C-00000000-0000-4000-8000-000000000000'] } })
    expect(notMember.statusCode).toBe(400)
    expect(notMember.json().error).toMatch(/^members: .* is not a user id \(U-…\) or bot id \(B-…\)$/)
    expect(await roles(group.address)).toEqual({ [manager.bot]: 'member' })

    const gone = await env.apiClient()
    expect((await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [gone.bot] } })).statusCode).toBe(204)
    const admin = await env.admin()
    expect((await env.post('/admin/clients.delete', { token: admin.token, body: { clientId: gone.app.clientId } })).statusCode).toBe(200)
    const list = await env.get('/v0/group.members', { token: manager.apiKey, query: { group: group.address } })
    expect(list.json().members).toEqual([manager.bot])
    const again = await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [gone.bot] } })
    expect(again.statusCode).toBe(400)
    expect(again.json().error).toContain(gone.bot)
    // Its membership can still be cleaned up.
    expect((await env.post('/v0/group.remove', { token: manager.apiKey, body: { group: group.address, members: [gone.bot] } })).statusCode).toBe(204)
    expect(await roles(group.address)).toEqual({ [manager.bot]: 'member' })
  })

  it('group.create takes bots among members and admins', async () => {
    const deploy = await env.apiClient()
    const ada = await env.user()
    const res = await env.post('/v0/group.create', { token: manager.apiKey, body: { name: 'Deploys', members: [ada.email, deploy.bot] } })
    expect(res.statusCode, res.body).toBe(200)
    expect(await roles(res.json().id)).toEqual({ [U(ada)]: 'member', [deploy.bot]: 'member', [manager.bot]: 'member' })
  })

  it('a private group\'s chat is readable and writable by a bot only while it is a member', async () => {
    const deploy = await env.apiClient({ scopes: ['chat:history', 'chat:write'] })
    const ada = await env.user()
    const group = await env.group({ private: true, members: [U(ada), manager.bot] })
    const read = () => env.get('/v0/chat.history', { token: deploy.apiKey, query: { chat: group.address } })
    const before = await read()
    expect(before.statusCode).toBe(403)
    expect((await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })).statusCode).toBe(204)
    const posted = await env.post('/v0/chat.post', { token: deploy.apiKey, body: { chat: group.address, text: 'deployed', sync: true } })
    expect(posted.statusCode, posted.body).toBe(200)
    const during = await read()
    expect(during.statusCode).toBe(200)
    expect(during.json().messages.map((m: { text: string; sender: string }) => [m.sender, m.text])).toEqual([[deploy.bot, 'deployed']])
    expect((await env.post('/v0/group.remove', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })).statusCode).toBe(204)
    const after = await read()
    expect(after.statusCode).toBe(403)
    expect(after.json()).toEqual({ error: expect.stringContaining(deploy.bot), code: expect.any(String) })
    expect((await env.post('/v0/chat.post', { token: deploy.apiKey, body: { chat: group.address, text: 'again' } })).statusCode).toBe(403)
  })

  it('a bot added with group.add receives the group\'s chat.message.channel webhooks, and stops after group.remove', async () => {
    receiver = await Receiver.start()
    const deploy = await env.apiClient({ scopes: ['chat:read', 'chat:history', 'webhook:write'] })
    const ada = await env.user()
    const adaToken = await env.personalToken(ada)
    const group = await env.group({ private: true, members: [U(ada), manager.bot] })
    const sub = await env.post('/v0/webhook.subscribe', { token: deploy.apiKey, body: { event: 'chat.message.channel', url: receiver.url('/channel') } })
    expect(sub.statusCode, sub.body).toBe(200)
    const say = async (text: string) => expect((await env.post('/v0/chat.post', { token: adaToken, body: { chat: group.address, text, sync: true } })).statusCode).toBe(200)

    await say('before')
    await new Dispatcher(env.ctx).drain()
    expect(receiver.requests).toHaveLength(0)

    expect((await env.post('/v0/group.add', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })).statusCode).toBe(204)
    await say('while a member')
    await new Dispatcher(env.ctx).drain()
    expect(receiver.requests).toHaveLength(1)
    const body = JSON.parse(receiver.requests[0]!.body)
    expect(body).toMatchObject({ sender: U(ada), chat: group.chatAddress, text: 'while a member' })
    expect(webhookPayloadErrors('chat.message.channel', body)).toEqual([])

    expect((await env.post('/v0/group.remove', { token: manager.apiKey, body: { group: group.address, members: [deploy.bot] } })).statusCode).toBe(204)
    await say('after')
    await new Dispatcher(env.ctx).drain()
    expect(receiver.requests).toHaveLength(1)
  })
})

describe('SCIM group membership with bots', () => {
  const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
  let scim: ClientFixture
  beforeEach(async () => {
    scim = await env.apiClient({ scopes: ['user:read', 'user:read.email', 'user:write'] })
  })
  const send = (method: 'GET' | 'PUT' | 'PATCH', url: string, body?: unknown) =>
    env.inject({
      method,
      url: `/scim/v2${url}`,
      headers: { authorization: `Bearer ${scim.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    })

  it('adds a bot by PATCH, lists it with its app name, keeps it through a people-only replace, removes it by filter', async () => {
    const deploy = await env.apiClient({ name: 'Deploy bot' })
    const ada = await env.user()
    const bob = await env.user()
    const group = await env.group({ members: [U(ada)] })
    const add = await send('PATCH', `/Groups/${group.address}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: deploy.bot }] }] })
    expect(add.statusCode, add.body).toBe(200)
    expect(add.json().members).toEqual(expect.arrayContaining([{ value: U(ada), type: 'User' }, { value: deploy.bot, display: 'Deploy bot' }]))
    expect(contractErrors('scim.json', '/Groups/{id}', 'patch', 200, add.json())).toEqual([])
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [deploy.bot]: 'member' })

    // An identity provider replacing the member list knows only its people: the bot stays.
    const put = await send('PUT', `/Groups/${group.address}`, { displayName: group.name, members: [{ value: U(bob) }] })
    expect(put.statusCode, put.body).toBe(200)
    expect(await roles(group.address)).toEqual({ [U(bob)]: 'member', [deploy.bot]: 'member' })

    const remove = await send('PATCH', `/Groups/${group.address}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${deploy.bot}"]` }] })
    expect(remove.statusCode, remove.body).toBe(200)
    expect(await roles(group.address)).toEqual({ [U(bob)]: 'member' })

    const unknown = await send('PATCH', `/Groups/${group.address}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'B-00000000-0000-4000-8000-000000000000' }] }],
    })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('B-00000000-0000-4000-8000-000000000000') })
  })
})

describe('the web client\'s member panel (/app/group.*)', () => {
  it('an administrator lists people and bots by name, adds a bot and a person from the candidates, and removes them', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const ada = await env.user({ name: 'Ada Lovelace' })
    const deploy = await env.apiClient({ name: 'Deploy bot' })
    const group = await env.group({ private: true, members: [U(ada), manager.bot] })
    const browser = await env.signedIn(admin)
    await browser.get('/app/session')
    const panel = await browser.get(`/app/group.members?group=${group.address}`)
    expect(panel.statusCode, panel.body).toBe(200)
    expect(panel.json()).toMatchObject({ group: { id: group.address, private: true, archived: false }, canManage: true })
    expect(panel.json().members).toEqual([
      { id: U(ada), kind: 'user', name: 'Ada Lovelace', role: 'member', email: ada.email },
      { id: manager.bot, kind: 'bot', name: manager.app.name, role: 'member', email: null },
    ])
    const candidates = panel.json().candidates as Array<{ id: string; kind: string; name: string }>
    expect(candidates).toContainEqual({ id: deploy.bot, kind: 'bot', name: 'Deploy bot', email: null })
    expect(candidates).toContainEqual({ id: U(admin), kind: 'user', name: admin.name, email: admin.email })
    expect(candidates.map((c) => c.id)).not.toContain(U(ada))

    const added = await browser.postJson('/app/group.add', { group: group.address, members: [deploy.bot, U(admin)] })
    expect(added.statusCode, added.body).toBe(200)
    expect(added.json().members.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([deploy.bot, U(admin)]))
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [manager.bot]: 'member', [deploy.bot]: 'member', [U(admin)]: 'member' })

    const removed = await browser.postJson('/app/group.remove', { group: group.address, members: [deploy.bot] })
    expect(removed.statusCode, removed.body).toBe(200)
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [manager.bot]: 'member', [U(admin)]: 'member' })
  })

  it('a group admin manages members; a plain member only sees them; an outsider of a private group is refused', async () => {
    const owner = await env.userWithPassword()
    const member = await env.userWithPassword()
    const outsider = await env.userWithPassword()
    const deploy = await env.apiClient()
    const group = await env.group({ private: true, members: [U(member)], admins: [U(owner)] })

    const asOwner = await env.signedIn(owner)
    await asOwner.get('/app/session')
    expect((await asOwner.postJson('/app/group.add', { group: group.address, members: [deploy.bot] })).statusCode).toBe(200)

    const asMember = await env.signedIn(member)
    await asMember.get('/app/session')
    const view = await asMember.get(`/app/group.members?group=${group.address}`)
    expect(view.statusCode).toBe(200)
    expect(view.json()).toMatchObject({ canManage: false, candidates: [] })
    const denied = await asMember.postJson('/app/group.remove', { group: group.address, members: [deploy.bot] })
    expect(denied.statusCode).toBe(403)
    expect(denied.json().error).toMatch(/administrator or an admin of this group/)
    // The group admin cannot be removed, like through the API.
    const adminGone = await asOwner.postJson('/app/group.remove', { group: group.address, members: [U(owner)] })
    expect(adminGone.statusCode).toBe(400)

    const asOutsider = await env.signedIn(outsider)
    await asOutsider.get('/app/session')
    expect((await asOutsider.get(`/app/group.members?group=${group.address}`)).statusCode).toBe(403)
    expect((await asOutsider.postJson('/app/group.add', { group: group.address, members: [U(outsider)] })).statusCode).toBe(403)
    expect(await roles(group.address)).toEqual({ [U(member)]: 'member', [U(owner)]: 'admin', [deploy.bot]: 'member' })
  })

  it('names bad input (400), unknown groups (404), and needs the CSRF token for changes', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const group = await env.group({ members: [manager.bot] })
    const browser = await env.signedIn(admin)
    await browser.get('/app/session')
    const empty = await browser.postJson('/app/group.add', { group: group.address, members: [] })
    expect(empty.statusCode).toBe(400)
    expect(empty.json().error).toMatch(/members/)
    const email = await browser.postJson('/app/group.add', { group: group.address, members: ['ada@example.com'] })
    expect(email.statusCode).toBe(400)
    expect(email.json().error).toMatch(/members/)
    const unknown = await browser.get('/app/group.members?group=G-00000000-0000-4000-8000-000000000000')
    expect(unknown.statusCode).toBe(404)
    const noCsrf = await browser.postJson('/app/group.add', { group: group.address, members: [U(admin)] }, { csrf: false })
    expect(noCsrf.statusCode).toBe(403)
    expect(await roles(group.address)).toEqual({ [manager.bot]: 'member' })
  })
})
