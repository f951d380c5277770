import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canWriteToGroup, requireGroupWritable } from '../src/access.js'
import { AppError } from '../src/errors.js'
import { findGroup } from '../src/store/repos/groups.js'
import { contractErrors } from './contract.js'
import { TestEnv, type ClientFixture } from './helpers.js'

let env: TestEnv
let client: ClientFixture
beforeEach(async () => {
  env = await TestEnv.create()
  client = await env.apiClient({ scopes: ['group:write', 'groups:read'] })
})
afterEach(async () => {
  await env.close()
})

const U = (u: { id: string }) => `U-${u.id}`

async function members(group: string, token = client.apiKey): Promise<string[]> {
  const out: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 50; i++) {
    const res = await env.get('/v0/group.members', { token, query: { group, limit: 100, cursor } })
    expect(res.statusCode).toBe(200)
    out.push(...res.json().members)
    cursor = res.json().nextCursor
    if (!cursor) break
  }
  return out.sort()
}

async function roles(groupAddress: string): Promise<Record<string, string>> {
  const rows = await env.db.selectFrom('group_members').select(['address', 'role']).where('group_id', '=', groupAddress.slice(2)).execute()
  return Object.fromEntries(rows.map((r) => [r.address, r.role]))
}

describe('POST /v0/group.create', () => {
  it('creates the group and its channel chat; members by email or id; the app joins as a member', async () => {
    const ada = await env.user({ email: 'ada@example.com' })
    const bob = await env.user()
    const res = await env.post('/v0/group.create', {
      token: client.apiKey,
      body: { name: 'Engineering', description: 'builders', members: ['ADA@example.com'], admins: [U(bob)], private: true, enforceThreads: true },
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({ id: expect.stringMatching(/^G-/), name: 'Engineering', private: true, dateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) })
    expect(contractErrors('chat.json', '/group.create', 'post', 200, body)).toEqual([])
    const group = await findGroup(env.db, env.org.id, body.id.slice(2))
    expect(group).toMatchObject({ name: 'Engineering', description: 'builders', private: true, enforceThreads: true, archivedAt: null })
    const chat = await env.db.selectFrom('chats').selectAll().where('id', '=', group!.chatId).executeTakeFirstOrThrow()
    expect(chat).toMatchObject({ kind: 'channel', group_id: group!.id, org_id: env.org.id })
    expect(await roles(body.id)).toEqual({ [U(ada)]: 'member', [U(bob)]: 'admin', [client.bot]: 'member' })
  })

  it('lets the app join as an admin by listing its own bot address', async () => {
    const ada = await env.user()
    const res = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'G', members: [U(ada)], admins: [client.bot] } })
    expect(res.statusCode).toBe(200)
    expect(await roles(res.json().id)).toEqual({ [U(ada)]: 'member', [client.bot]: 'admin' })
  })

  it('defaults to a public group without enforced threads', async () => {
    const ada = await env.user()
    const res = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'Open', members: [U(ada)] } })
    expect(res.json().private).toBe(false)
    const group = await findGroup(env.db, env.org.id, res.json().id.slice(2))
    expect(group).toMatchObject({ private: false, enforceThreads: false })
  })

  it('refuses an unknown entry, naming it, and creates nothing', async () => {
    const ada = await env.user()
    for (const entry of ['nobody@example.com', 'U-00000000-0000-4000-8000-000000000000', 'G-00000000-0000-4000-8000-000000000000', 'bob']) {
      const res = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'X', members: [U(ada), entry] } })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toContain(entry)
    }
    expect(await env.db.selectFrom('groups').selectAll().execute()).toEqual([])
    expect(await env.db.selectFrom('chats').selectAll().execute()).toEqual([])
  })

  it('refuses a deactivated user', async () => {
    const ada = await env.user()
    await env.db.updateTable('users').set({ active: 0 }).where('id', '=', ada.id).execute()
    const res = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'X', members: [ada.email] } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toContain('deactivated')
  })

  it('needs at least one member or admin, and an address in only one list', async () => {
    const ada = await env.user()
    const none = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'X', members: [], admins: [] } })
    expect(none.statusCode).toBe(400)
    expect(none.json().error).toMatch(/^members:/)
    const both = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'X', members: [U(ada)], admins: [ada.email] } })
    expect(both.statusCode).toBe(400)
    expect(both.json().error).toContain(U(ada))
  })

  it('limits name (64), description (1024) and list sizes (100) at their edges', async () => {
    const ada = await env.user()
    const ok = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'n'.repeat(64), description: 'd'.repeat(1024), members: [U(ada)] } })
    expect(ok.statusCode).toBe(200)
    const longName = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'n'.repeat(65), members: [U(ada)] } })
    expect(longName.statusCode).toBe(400)
    expect(longName.json().error).toContain('name')
    const longDesc = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'x', description: 'd'.repeat(1025), members: [U(ada)] } })
    expect(longDesc.statusCode).toBe(400)
    expect(longDesc.json().error).toContain('description')
    const blank = await env.post('/v0/group.create', { token: client.apiKey, body: { name: '   ', members: [U(ada)] } })
    expect(blank.statusCode).toBe(400)
    const users = [ada]
    for (let i = 0; i < 99; i++) users.push(await env.user())
    const hundred = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'big', members: users.map(U) } })
    expect(hundred.statusCode).toBe(200)
    expect((await members(hundred.json().id)).length).toBe(101)
    const over = await env.post('/v0/group.create', { token: client.apiKey, body: { name: 'big', members: [...users.map(U), ada.email] } })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toContain('members')
  })

  it('needs group:write and organization access', async () => {
    const ada = await env.user()
    const reader = await env.apiClient({ scopes: ['groups:read'] })
    const res = await env.post('/v0/group.create', { token: reader.apiKey, body: { name: 'x', members: [U(ada)] } })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('missing_scope')
    const pat = await env.personalToken(ada)
    const personal = await env.post('/v0/group.create', { token: pat, body: { name: 'x', members: [U(ada)] } })
    expect(personal.statusCode).toBe(403)
    expect(personal.json().code).toBe('access_mode_not_supported')
    expect((await env.post('/v0/group.create', { body: { name: 'x' } })).statusCode).toBe(401)
    expect((await env.get('/v0/group.create', { token: client.apiKey })).statusCode).toBe(405)
  })
})

describe('POST /v0/group.rename and /v0/group.archive', () => {
  it('an admin renames (204) and archives (204, id in the query)', async () => {
    const group = await env.group({ admins: [client.bot] })
    const res = await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'Renamed' } })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expect((await findGroup(env.db, env.org.id, group.id))!.name).toBe('Renamed')
    const archived = await env.post('/v0/group.archive', { token: client.apiKey, query: { id: group.address } })
    expect(archived.statusCode).toBe(204)
    expect(archived.body).toBe('')
    const after = await findGroup(env.db, env.org.id, group.id)
    expect(after!.archivedAt).not.toBeNull()
    // Archiving again is a no-op that keeps the first archive time.
    expect((await env.post('/v0/group.archive', { token: client.apiKey, query: { id: group.address } })).statusCode).toBe(204)
    expect((await findGroup(env.db, env.org.id, group.id))!.archivedAt).toBe(after!.archivedAt)
  })

  it('in admin-only mode a plain member may not rename or archive (403)', async () => {
    const ada = await env.user()
    const group = await env.group({ members: [client.bot], admins: [U(ada)] })
    const rename = await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'No' } })
    expect(rename.statusCode).toBe(403)
    const archive = await env.post('/v0/group.archive', { token: client.apiKey, query: { id: group.address } })
    expect(archive.statusCode).toBe(403)
    const stored = await findGroup(env.db, env.org.id, group.id)
    expect(stored).toMatchObject({ name: group.name, archivedAt: null })
  })

  it('without admins any member manages the group; a non-member may not, even of a public group', async () => {
    const ada = await env.user()
    const group = await env.group({ members: [client.bot, U(ada)] })
    expect((await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'Ours' } })).statusCode).toBe(204)
    const outsider = await env.apiClient({ scopes: ['group:write'] })
    const res = await env.post('/v0/group.rename', { token: outsider.apiKey, body: { id: group.address, name: 'Theirs' } })
    expect(res.statusCode).toBe(403)
    expect((await env.post('/v0/group.archive', { token: outsider.apiKey, query: { id: group.address } })).statusCode).toBe(403)
    expect((await findGroup(env.db, env.org.id, group.id))!.name).toBe('Ours')
  })

  it('404 for an unknown group, 400 for a non-group id or a missing id', async () => {
    const unknown = 'G-00000000-0000-4000-8000-000000000000'
    expect((await env.post('/v0/group.rename', { token: client.apiKey, body: { id: unknown, name: 'x' } })).statusCode).toBe(404)
    expect((await env.post('/v0/group.archive', { token: client.apiKey, query: { id: unknown } })).statusCode).toBe(404)
    const wrongTag = await env.post('/v0/group.archive', { token: client.apiKey, query: { id: 'U-00000000-0000-4000-8000-000000000000' } })
    expect(wrongTag.statusCode).toBe(400)
    expect(wrongTag.json().error).toMatch(/^id:/)
    expect((await env.post('/v0/group.archive', { token: client.apiKey })).statusCode).toBe(400)
  })

  it('name limit 64 on rename', async () => {
    const group = await env.group({ admins: [client.bot] })
    expect((await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'n'.repeat(64) } })).statusCode).toBe(204)
    expect((await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'n'.repeat(65) } })).statusCode).toBe(400)
  })

  it('an archived group refuses renames and new members (403 group_archived); the rule is in access.ts', async () => {
    const ada = await env.user()
    const group = await env.group({ admins: [client.bot] })
    await env.post('/v0/group.archive', { token: client.apiKey, query: { id: group.address } })
    const rename = await env.post('/v0/group.rename', { token: client.apiKey, body: { id: group.address, name: 'x' } })
    expect(rename.statusCode).toBe(403)
    expect(rename.json().code).toBe('group_archived')
    const add = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [U(ada)] } })
    expect(add.statusCode).toBe(403)
    expect(add.json().code).toBe('group_archived')
    const stored = (await findGroup(env.db, env.org.id, group.id))!
    expect(canWriteToGroup(stored)).toBe(false)
    expect(() => requireGroupWritable(stored)).toThrow(AppError)
    expect(canWriteToGroup({ ...stored, archivedAt: null })).toBe(true)
  })
})

describe('GET /v0/group.members', () => {
  it('lists members and admins, paged by limit with nextCursor absent on the last page', async () => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => env.user()))
    const group = await env.group({ members: users.slice(0, 3).map(U), admins: users.slice(3).map(U) })
    const first = await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 2 } })
    expect(first.statusCode).toBe(200)
    expect(first.json().members).toHaveLength(2)
    expect(first.json().nextCursor).toEqual(expect.any(String))
    expect(contractErrors('chat.json', '/group.members', 'get', 200, first.json())).toEqual([])
    const seen = [...first.json().members]
    let cursor = first.json().nextCursor as string | undefined
    while (cursor) {
      const page = await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 2, cursor } })
      seen.push(...page.json().members)
      cursor = page.json().nextCursor
    }
    expect(seen.sort()).toEqual(users.map(U).sort())
    const all = await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 5 } })
    expect(all.json().members).toHaveLength(5)
    expect(all.json()).not.toHaveProperty('nextCursor')
  })

  it('limit is 1 to 100 (default 10)', async () => {
    const users = await Promise.all(Array.from({ length: 11 }, () => env.user()))
    const group = await env.group({ members: users.map(U) })
    const def = await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address } })
    expect(def.json().members).toHaveLength(10)
    expect((await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 100 } })).statusCode).toBe(200)
    expect((await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 101 } })).statusCode).toBe(400)
    expect((await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, limit: 0 } })).statusCode).toBe(400)
    const bad = await env.get('/v0/group.members', { token: client.apiKey, query: { group: group.address, cursor: 'zzz' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^cursor:/)
  })

  it('private group: only when the app is in it (403 otherwise); public: always', async () => {
    const ada = await env.user()
    const priv = await env.group({ private: true, members: [U(ada)] })
    expect((await env.get('/v0/group.members', { token: client.apiKey, query: { group: priv.address } })).statusCode).toBe(403)
    const mine = await env.group({ private: true, members: [U(ada), client.bot] })
    expect(await members(mine.address)).toEqual([U(ada), client.bot].sort())
    const pub = await env.group({ members: [U(ada)] })
    expect(await members(pub.address)).toEqual([U(ada)])
  })

  it('unknown group is a 400; needs groups:read', async () => {
    const res = await env.get('/v0/group.members', { token: client.apiKey, query: { group: 'G-00000000-0000-4000-8000-000000000000' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/^group:/)
    const writer = await env.apiClient({ scopes: ['group:write'] })
    const group = await env.group({ members: [client.bot] })
    expect((await env.get('/v0/group.members', { token: writer.apiKey, query: { group: group.address } })).statusCode).toBe(403)
  })

  it('leaves deactivated users out', async () => {
    const ada = await env.user()
    const bob = await env.user()
    const group = await env.group({ members: [U(ada), U(bob)] })
    await env.db.updateTable('users').set({ active: 0 }).where('id', '=', bob.id).execute()
    expect(await members(group.address)).toEqual([U(ada)])
  })
})

describe('POST /v0/group.add and /v0/group.remove', () => {
  it('adds members to a public group the app is not in; 204; idempotent', async () => {
    const ada = await env.user()
    const bob = await env.user()
    const group = await env.group({ members: [U(ada)] })
    const res = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [U(bob)] } })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [U(bob)]: 'member' })
    expect((await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [U(bob)] } })).statusCode).toBe(204)
    expect(await roles(group.address)).toEqual({ [U(ada)]: 'member', [U(bob)]: 'member' })
  })

  it('private group: the app must be in it', async () => {
    const ada = await env.user()
    const bob = await env.user()
    const theirs = await env.group({ private: true, members: [U(ada)] })
    const res = await env.post('/v0/group.add', { token: client.apiKey, body: { group: theirs.address, members: [U(bob)] } })
    expect(res.statusCode).toBe(403)
    expect(await roles(theirs.address)).toEqual({ [U(ada)]: 'member' })
    const mine = await env.group({ private: true, members: [U(ada), client.bot] })
    expect((await env.post('/v0/group.add', { token: client.apiKey, body: { group: mine.address, members: [U(bob)] } })).statusCode).toBe(204)
    const removeTheirs = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: theirs.address, members: [U(ada)] } })
    expect(removeTheirs.statusCode).toBe(403)
    expect(await roles(theirs.address)).toEqual({ [U(ada)]: 'member' })
  })

  it('adding admins needs the app to be a group admin; an existing member is promoted', async () => {
    const ada = await env.user()
    const bob = await env.user()
    const asMember = await env.group({ members: [U(ada), client.bot] })
    const denied = await env.post('/v0/group.add', { token: client.apiKey, body: { group: asMember.address, admins: [U(bob)] } })
    expect(denied.statusCode).toBe(403)
    expect(await roles(asMember.address)).toEqual({ [U(ada)]: 'member', [client.bot]: 'member' })
    const asAdmin = await env.group({ members: [U(ada)], admins: [client.bot] })
    const ok = await env.post('/v0/group.add', { token: client.apiKey, body: { group: asAdmin.address, admins: [U(ada), U(bob)] } })
    expect(ok.statusCode).toBe(204)
    expect(await roles(asAdmin.address)).toEqual({ [U(ada)]: 'admin', [U(bob)]: 'admin', [client.bot]: 'admin' })
    // Listing an admin under members does not demote.
    expect((await env.post('/v0/group.add', { token: client.apiKey, body: { group: asAdmin.address, members: [U(ada)] } })).statusCode).toBe(204)
    expect((await roles(asAdmin.address))[U(ada)]).toBe('admin')
  })

  it('accepts tagged user and bot ids only; unknown ids and groups are 400 naming the entry', async () => {
    const ada = await env.user()
    const group = await env.group({ members: [client.bot] })
    const email = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [ada.email] } })
    expect(email.statusCode).toBe(400)
    expect(email.json().error).toContain('members')
    const unknown = 'U-00000000-0000-4000-8000-000000000000'
    const res = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [U(ada), unknown] } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toContain(unknown)
    expect(await roles(group.address)).toEqual({ [client.bot]: 'member' })
    // Bots are members like people (test/group-bots.test.ts); naming one already in the group is a no-op.
    const bot = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [client.bot] } })
    expect(bot.statusCode).toBe(204)
    expect(await roles(group.address)).toEqual({ [client.bot]: 'member' })
    const noGroup = await env.post('/v0/group.add', { token: client.apiKey, body: { group: 'G-00000000-0000-4000-8000-000000000000', members: [U(ada)] } })
    expect(noGroup.statusCode).toBe(400)
    expect(noGroup.json().error).toMatch(/^group:/)
    const empty = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address } })
    expect(empty.statusCode).toBe(400)
    const adminGroup = await env.group({ admins: [client.bot] })
    const both = await env.post('/v0/group.add', { token: client.apiKey, body: { group: adminGroup.address, members: [U(ada)], admins: [U(ada)] } })
    expect(both.statusCode).toBe(400)
    expect(both.json().error).toContain(U(ada))
  })

  it('list size limit 100 on add and remove', async () => {
    const group = await env.group({ members: [client.bot] })
    const fake = (i: number) => `U-00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    const hundred = Array.from({ length: 100 }, (_, i) => fake(i))
    // At the limit the list is accepted by the schema and fails on its first unknown entry.
    const at = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: hundred } })
    expect(at.statusCode).toBe(400)
    expect(at.json().error).toContain(fake(0))
    const over = await env.post('/v0/group.add', { token: client.apiKey, body: { group: group.address, members: [...hundred, fake(100)] } })
    expect(over.statusCode).toBe(400)
    expect(over.json().error).toMatch(/members.*100/)
    const overRemove = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address, members: [...hundred, fake(100)] } })
    expect(overRemove.statusCode).toBe(400)
    expect(overRemove.json().error).toMatch(/members.*100/)
  })

  it('removes members (204); removing an admin is not supported; non-members are ignored', async () => {
    const ada = await env.user()
    const bob = await env.user()
    const carol = await env.user()
    const group = await env.group({ members: [U(ada), U(bob)], admins: [U(carol)] })
    const res = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address, members: [U(ada)] } })
    expect(res.statusCode).toBe(204)
    expect(await roles(group.address)).toEqual({ [U(bob)]: 'member', [U(carol)]: 'admin' })
    const admin = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address, members: [U(bob), U(carol)] } })
    expect(admin.statusCode).toBe(400)
    expect(admin.json().error).toContain(U(carol))
    expect(await roles(group.address)).toEqual({ [U(bob)]: 'member', [U(carol)]: 'admin' })
    expect((await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address, members: [U(ada)] } })).statusCode).toBe(204)
    const empty = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address, members: [] } })
    expect(empty.statusCode).toBe(400)
    const missing = await env.post('/v0/group.remove', { token: client.apiKey, body: { group: group.address } })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error).toContain('members')
  })
})

describe('groups in the admin console (/admin/groups.*)', () => {
  it('an administrator creates a group (becoming its group admin) and lists every group, private ones included', async () => {
    const admin = await env.admin()
    const alice = await env.user()
    const created = await env.post('/admin/groups.create', { token: admin.token, body: { name: ' Ops ', private: true, members: [alice.email] } })
    expect(created.statusCode, created.body).toBe(200)
    const group = created.json().group as { id: string; chat: string; name: string; private: boolean }
    expect(group).toMatchObject({ name: 'Ops', private: true, description: null })
    expect(group.id).toMatch(/^G-/)
    expect(group.chat).toMatch(/^C-/)
    expect(await roles(group.id)).toEqual({ [U(admin.user)]: 'admin', [U(alice)]: 'member' })
    const open = await env.post('/admin/groups.create', { token: admin.token, body: { name: 'Lobby' } })
    expect(await roles(open.json().group.id)).toEqual({ [U(admin.user)]: 'admin' })

    const list = await env.get('/admin/groups.list', { token: admin.token })
    expect(list.statusCode).toBe(200)
    expect(list.json().groups.map((g: { name: string; private: boolean }) => [g.name, g.private])).toEqual([
      ['Ops', true],
      ['Lobby', false],
    ])
  })

  it('names the field of bad input and stays closed to non-administrators', async () => {
    const admin = await env.admin()
    const blank = await env.post('/admin/groups.create', { token: admin.token, body: { name: '  ' } })
    expect(blank.statusCode).toBe(400)
    expect(blank.json().error).toMatch(/^name:/)
    const stranger = await env.post('/admin/groups.create', { token: admin.token, body: { name: 'x', members: ['nobody@example.com'] } })
    expect(stranger.statusCode).toBe(400)
    expect(stranger.json().error).toMatch(/^members/)
    const user = await env.user()
    expect((await env.get('/admin/groups.list', { token: await env.personalToken(user) })).statusCode).toBe(403)
  })
})
