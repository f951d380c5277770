import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'
import { findGroupRole, upsertGroupMembers } from '../src/store/repos/groups.js'
import { insertEvent } from '../src/store/repos/outbox.js'
import { listChatParticipants } from '../src/store/repos/chats.js'
import { nowMicros } from '../src/time.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

describe('store basics', () => {
  it('a DM between the same two addresses is one chat, whatever the order', async () => {
    const a = await env.user()
    const b = await env.user()
    const first = await env.dm(`U-${a.id}`, `U-${b.id}`)
    const again = await env.dm(`U-${b.id}`, `U-${a.id}`)
    expect(again.id).toBe(first.id)
    expect(first.address).toMatch(/^D-/)
    expect(await listChatParticipants(env.db, first.id)).toEqual([`U-${a.id}`, `U-${b.id}`].sort())
    const c = await env.user()
    const multi = await env.dm(`U-${a.id}`, `U-${b.id}`, `U-${c.id}`)
    expect(multi.address).toMatch(/^M-/)
    expect(multi.id).not.toBe(first.id)
  })

  it('a group member holds exactly one role; re-adding changes it', async () => {
    const u = await env.user()
    const group = await env.group({ members: [`U-${u.id}`] })
    expect(await findGroupRole(env.db, group.id, `U-${u.id}`)).toBe('member')
    await upsertGroupMembers(env.db, group.id, [{ address: `U-${u.id}`, role: 'admin' }], nowMicros())
    expect(await findGroupRole(env.db, group.id, `U-${u.id}`)).toBe('admin')
    const rows = await env.db.selectFrom('group_members').selectAll().where('group_id', '=', group.id).execute()
    expect(rows).toHaveLength(1)
  })

  it('outbox rows keep insertion order', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(await insertEvent(env.db, { orgId: env.org.id, type: 'test.event', payload: { i }, routing: {}, createdAt: nowMicros() }))
    }
    const rows = await env.db.selectFrom('outbox').select(['id', 'seq', 'payload']).orderBy('seq').execute()
    expect(rows.map((r) => r.id)).toEqual(ids)
    expect(rows.map((r) => JSON.parse(r.payload).i)).toEqual([0, 1, 2, 3, 4])
  })
})
