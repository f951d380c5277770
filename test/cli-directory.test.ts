import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliHarness, type CliHarness } from './cli-harness.js'
import { dialect } from './helpers.js'

let h: CliHarness


const cli = (...argv: string[]) => h.cli(...argv)

async function json(...argv: string[]) {
  const res = await cli(...argv, '--json')
  expect(res.err).toBe('')
  expect(res.code).toBe(0)
  return JSON.parse(res.out)
}

beforeEach(async () => {
  h = await cliHarness()
})
afterEach(async () => {
  await h.drop()
})

describe(`atrium user and group commands (${dialect})`, () => {
  it('user list and user deactivate', { timeout: 90_000 }, async () => {
    const ada = await json('user', 'add', '--email', 'ada@example.com', '--name', 'Ada')
    const bob = await json('user', 'add', '--email', 'bob@example.com', '--name', 'Bob')
    const listed = await json('user', 'list')
    // The bootstrap admin comes first, then users in the order they joined.
    expect(listed.users.map((u: { email: string }) => u.email)).toEqual(['admin@atrium.local', 'ada@example.com', 'bob@example.com'])
    expect(listed.users[1]).toEqual({ id: ada.id, name: 'Ada', email: 'ada@example.com', isAdmin: false, active: true })

    const deactivated = await json('user', 'deactivate', 'bob@example.com')
    expect(deactivated).toEqual({ id: bob.id, email: 'bob@example.com', active: false })
    const all = await json('user', 'list', '--all')
    expect(all.users.map((u: { id: string; active: boolean }) => [u.id, u.active])).toEqual([
      [listed.users[0].id, true],
      [ada.id, true],
      [bob.id, false],
    ])
    const audit = await h.withDb((db) => db.selectFrom('audit_log').select(['event_type', 'data']).where('user_id', '=', bob.id.slice(2)).orderBy('created_at').execute())
    expect(audit.map((a) => a.event_type)).toEqual(['USER_CREATED', 'USER_DEACTIVATED'])
    expect(JSON.parse(audit[1]!.data)).toEqual({ source: 'cli' })
  })

  it('group create and group add', { timeout: 90_000 }, async () => {
    const ada = await json('user', 'add', '--email', 'ada@example.com', '--name', 'Ada')
    const bob = await json('user', 'add', '--email', 'bob@example.com', '--name', 'Bob')
    const group = await json('group', 'create', '--name', 'Eng', '--members', 'ada@example.com', '--private')
    expect(group).toEqual({ id: expect.stringMatching(/^G-/), name: 'Eng', private: true, dateCreated: expect.any(String) })
    const added = await json('group', 'add', '--group', group.id, '--admins', bob.id)
    expect(added).toEqual({ group: group.id, members: [], admins: [bob.id] })
    const rows = await h.withDb((db) => db.selectFrom('group_members').select(['address', 'role']).where('group_id', '=', group.id.slice(2)).orderBy('role').execute())
    expect(rows).toEqual([{ address: bob.id, role: 'admin' }, { address: ada.id, role: 'member' }])
  })

  it('an app joins and leaves a group by its bot; group members names it after the app', { timeout: 90_000 }, async () => {
    const ada = await json('user', 'add', '--email', 'ada@example.com', '--name', 'Ada')
    const client = await json('client', 'create', '--name', 'Deploy bot', '--scopes', 'chat:write')
    const group = await json('group', 'create', '--name', 'Deploys', '--members', 'ada@example.com', '--private')
    expect(await json('group', 'add', '--group', group.id, '--members', client.botId)).toEqual({ group: group.id, members: [client.botId], admins: [] })
    const listed = await json('group', 'members', '--group', group.id)
    expect(listed.members).toEqual([
      { id: ada.id, kind: 'user', name: 'Ada', role: 'member', email: 'ada@example.com' },
      { id: client.botId, kind: 'bot', name: 'Deploy bot', role: 'member', email: null },
    ])
    const human = await cli('group', 'members', '--group', group.id)
    expect(human.out).toContain(`${client.botId}  Deploy bot (app)  member`)
    expect(await json('group', 'remove', '--group', group.id, '--members', client.botId)).toEqual({ group: group.id, members: [client.botId] })
    const rows = await h.withDb((db) => db.selectFrom('group_members').select('address').where('group_id', '=', group.id.slice(2)).execute())
    expect(rows).toEqual([{ address: ada.id }])
    const unknown = await cli('group', 'add', '--group', group.id, '--members', 'B-00000000-0000-4000-8000-000000000000', '--json')
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.err).error).toContain('no bot "B-00000000-0000-4000-8000-000000000000"')
  })

  it('reports bad input with exit code 2, naming it', { timeout: 90_000 }, async () => {
    await json('user', 'add', '--email', 'ada@example.com', '--name', 'Ada')
    const unknown = await cli('group', 'create', '--name', 'X', '--members', 'nobody@example.com', '--json')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('nobody@example.com')
    const missing = await cli('user', 'deactivate', 'nobody@example.com', '--json')
    expect(missing.code).toBe(2)
    const badGroup = await cli('group', 'add', '--group', 'G-00000000-0000-4000-8000-000000000000', '--members', 'U-00000000-0000-4000-8000-000000000000', '--json')
    expect(badGroup.code).toBe(2)
    expect(badGroup.err).toContain('group')
  })
})
