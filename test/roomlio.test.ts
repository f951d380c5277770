import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { linkId, messageId, parseLinkId, parseMessageId, parseRoomId, parseUserId, roomId, userId } from '../src/roomlio-ids.js'
import { newId } from '../src/ids.js'
import { png, TestEnv } from './helpers.js'
import { insertMessageRows } from './message-rows.js'

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

const T0 = Date.UTC(2021, 0, 6, 19, 13, 5) * 1000

async function historyClient() {
  return env.apiClient({ scopes: ['chat:history'] })
}

async function roomHistory(token: string, body: unknown, path = '/rpc/WebAPI/RoomHistory') {
  return env.post(path, { token, body })
}

describe('Roomlio ids', () => {
  it('encode stored keys reversibly and canonically', () => {
    const g = newId()
    const rid = roomId(g)
    expect(rid).toMatch(/^rm_[0-9a-v]{26}$/)
    expect(parseRoomId(rid)).toBe(g)
    expect(linkId(g)).toMatch(/^lnk_[0-9a-v]{26}$/)
    expect(parseLinkId(linkId(g))).toBe(g)
    const u = `U-${newId()}`
    expect(userId(u)).toMatch(/^usr_[0-9a-v]{28}$/)
    expect(parseUserId(userId(u))).toBe(u)
    expect(parseUserId(userId(`B-${g}`))).toBe(`B-${g}`)
    const key = { chatId: newId(), ts: 1609960385123456 }
    const mid = messageId(key)
    expect(mid).toMatch(/^msg_[0-9a-v]{39}$/)
    expect(parseMessageId(mid)).toEqual(key)
    // Only the canonical spelling decodes: other lengths, letters or non-zero padding bits do not.
    expect(parseRoomId(`${rid}0`)).toBeUndefined()
    expect(parseRoomId(rid.replace(/.$/, 'w'))).toBeUndefined()
    expect(parseRoomId(rid.replace(/.$/, (c) => (c === '1' ? '2' : '1')))).toBeUndefined()
    expect(parseRoomId(`msg_${rid.slice(3)}`)).toBeUndefined()
    expect(parseMessageId(rid)).toBeUndefined()
  })
})

describe('POST /rpc/WebAPI/RoomHistory', () => {
  it("answers the seed's example request (roomID + limit 2) with the documented shape", async () => {
    const admin = await env.user({ isAdmin: true, name: 'Ada Admin' })
    const member = await env.user({ name: 'Max Member' })
    const group = await env.group({ name: 'Support', members: [`U-${member.id}`] })
    await insertMessageRows(env.db, group.chatId, { count: 1, sender: `U-${admin.id}`, startTs: T0, text: () => 'Hi! I have a questions.' })
    await insertMessageRows(env.db, group.chatId, { count: 2, sender: `U-${member.id}`, startTs: T0 + 5_000_000, editedAt: (i) => (i === 0 ? T0 + 60_000_000 : null) })
    const client = await historyClient()

    const res = await roomHistory(client.apiKey, { roomID: roomId(group.id), limit: 2 })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('application/json')
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['hasMore', 'messages', 'nextCursor'])
    expect(body.hasMore).toBe(true)
    expect(body.nextCursor).toBe(messageId({ chatId: group.chatId, ts: T0 + 5_001_000 }))
    expect(body.messages).toEqual([
      {
        id: messageId({ chatId: group.chatId, ts: T0 }),
        userID: userId(`U-${admin.id}`),
        visibility: '',
        username: 'Ada Admin',
        first: '',
        last: '',
        userType: 'admin',
        body: 'Hi! I have a questions.',
        messageType: 'user',
        links: [],
        roomID: roomId(group.id),
        roomName: 'Support',
        createdAt: '2021-01-06T19:13:05Z',
        editedAt: '0001-01-01T00:00:00Z',
      },
      expect.objectContaining({ userType: 'member', username: 'Max Member', createdAt: '2021-01-06T19:13:10Z', editedAt: '2021-01-06T19:14:05Z' }),
    ])
    // The next page starts at nextCursor and ends the room.
    const next = (await roomHistory(client.apiKey, { roomID: roomId(group.id), limit: 2, startCursor: body.nextCursor })).json()
    expect(next.messages.map((m: { id: string }) => m.id)).toEqual([body.nextCursor])
    expect(next.hasMore).toBe(false)
    expect(next.nextCursor).toBe('')
  })

  it('is also served at /rpc/RoomHistory and finds rooms by roomKey', async () => {
    const admin = await env.admin()
    const created = await env.post('/admin/room.create', { token: admin.token, body: { roomKey: 'sampleKey', name: 'Sample' } })
    expect(created.statusCode).toBe(200)
    const { roomID, chatId } = created.json()
    await insertMessageRows(env.db, chatId.slice(2), { count: 3, sender: `U-${admin.user.id}`, startTs: T0 })
    const client = await historyClient()
    const byKey = await roomHistory(client.apiKey, { roomKey: 'sampleKey', limit: 10 }, '/rpc/RoomHistory')
    expect(byKey.statusCode).toBe(200)
    expect(byKey.json().messages).toHaveLength(3)
    expect(byKey.json().messages[0].roomID).toBe(roomID)
    const byId = await roomHistory(client.apiKey, { roomID, limit: 10 })
    expect(byId.json()).toEqual(byKey.json())
  })

  it('shows image attachments as links, bots and block messages with their text, and leaves deleted messages out', async () => {
    const client = await env.apiClient({ scopes: ['chat:history'], name: 'Deploy Bot' })
    const group = await env.group({ members: [client.bot] })
    const itemId = newId()
    await env.db.insertInto('items').values({
      id: itemId, org_id: env.org.id, uploader: client.bot, type: 'photo', mime: 'image/png', name: 'shot.png', size: 10,
      width: 1, height: 1, storage_key: 'k', created_at: T0,
    }).execute()
    await insertMessageRows(env.db, group.chatId, { count: 3, sender: client.bot, startTs: T0, deletedAt: (i) => (i === 1 ? T0 + 9 : null) })
    await env.db.insertInto('message_items').values({ chat_id: group.chatId, ts: T0, item_id: itemId, position: 0 }).execute()
    await env.db.updateTable('messages').set({
      text: null, content_type: 'block',
      blocks: JSON.stringify([{ type: 'header', text: { type: 'plain_text', text: 'Deployed' } }, { type: 'section', text: { type: 'mrkdwn', text: '*v1.2* is live' } }]),
    }).where('chat_id', '=', group.chatId).where('ts', '=', T0 + 2000).execute()

    const body = (await roomHistory(client.apiKey, { roomID: roomId(group.id) })).json()
    expect(body.messages).toHaveLength(2)
    expect(body.messages[0].links).toEqual([{ id: linkId(itemId), type: 'image', url: expect.stringMatching(new RegExp(`/items/${itemId}$`)) }])
    expect(body.messages[0]).toMatchObject({ userID: userId(client.bot), username: 'Deploy Bot', userType: 'member' })
    expect(body.messages[1].body).toBe('Deployed\n*v1.2* is live')
    expect(body.hasMore).toBe(false)
  })

  it('walks a 5,000-message room exactly once with startCursor, and from a since instant', async () => {
    const user = await env.user()
    const group = await env.group()
    const keys = await insertMessageRows(env.db, group.chatId, { count: 5000, sender: `U-${user.id}`, startTs: T0, step: 1000 })
    const client = await historyClient()
    const walk = async (first: Record<string, unknown>, limit: number) => {
      const seen: string[] = []
      let body = (await roomHistory(client.apiKey, { roomID: roomId(group.id), limit, ...first })).json()
      seen.push(...body.messages.map((m: { id: string }) => m.id))
      for (let guard = 0; body.hasMore && guard < 100; guard++) {
        body = (await roomHistory(client.apiKey, { roomID: roomId(group.id), limit, startCursor: body.nextCursor })).json()
        seen.push(...body.messages.map((m: { id: string }) => m.id))
      }
      expect(body.hasMore).toBe(false)
      return seen
    }
    const all = keys.map((ts) => messageId({ chatId: group.chatId, ts }))
    expect(await walk({}, 1000)).toEqual(all)
    expect(await walk({}, 333)).toEqual(all)
    // since is inclusive, to the microsecond, and accepts any RFC 3339 offset.
    const sinceIso = new Date((T0 + 1234 * 1000) / 1000).toISOString()
    expect(await walk({ since: sinceIso }, 700)).toEqual(all.slice(1234))
    expect(await walk({ since: '2021-01-06T20:13:05.000001+01:00' }, 1000)).toEqual(all.slice(1))
    expect(await walk({ since: '2021-01-06' }, 1000)).toEqual(all)
  })

  it('limit defaults to 100 and allows 1 to 1000', async () => {
    const user = await env.user()
    const group = await env.group()
    await insertMessageRows(env.db, group.chatId, { count: 1001, sender: `U-${user.id}`, startTs: T0 })
    const client = await historyClient()
    const roomID = roomId(group.id)
    expect((await roomHistory(client.apiKey, { roomID })).json().messages).toHaveLength(100)
    expect((await roomHistory(client.apiKey, { roomID, limit: null, since: null })).json().messages).toHaveLength(100)
    expect((await roomHistory(client.apiKey, { roomID, limit: 1 })).json().messages).toHaveLength(1)
    const max = (await roomHistory(client.apiKey, { roomID, limit: 1000 })).json()
    expect(max.messages).toHaveLength(1000)
    expect(max.hasMore).toBe(true)
    for (const limit of [0, 1001, 2.5, 'many']) {
      const res = await roomHistory(client.apiKey, { roomID, limit })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ code: 'invalid_argument', message: expect.stringContaining('limit') })
    }
  })

  it('answers bad parameters with invalid_argument naming them', async () => {
    const group = await env.group()
    const other = await env.group()
    const client = await historyClient()
    const roomID = roomId(group.id)
    const cases: Array<[unknown, string]> = [
      [{}, 'roomID'],
      [{ roomID, roomKey: 'k' }, 'roomKey'],
      [{ roomID: 'rm_nope' }, 'roomID'],
      [{ roomID: `G-${group.id}` }, 'roomID'],
      [{ roomID, startCursor: 'msg_bad' }, 'startCursor'],
      [{ roomID, startCursor: messageId({ chatId: other.chatId, ts: T0 }) }, 'startCursor'],
      [{ roomID, since: 'yesterday' }, 'since'],
      [{ roomID, since: '2021-13-01' }, 'since'],
      [{ roomID, since: '2021-01-01', startCursor: messageId({ chatId: group.chatId, ts: T0 }) }, 'since'],
      [{ roomID: 42 }, 'roomID'],
    ]
    for (const [body, field] of cases) {
      const res = await roomHistory(client.apiKey, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().code).toBe('invalid_argument')
      expect(res.json().message).toContain(field)
      expect(Object.keys(res.json()).sort()).toEqual(['code', 'message'])
    }
    // null and "" mean "not given", as in protobuf JSON.
    const ok = await roomHistory(client.apiKey, { roomID, roomKey: null, startCursor: '', since: null })
    expect(ok.statusCode).toBe(200)
  })

  it('maps authentication, permission and lookup failures to Roomlio codes', async () => {
    const client = await historyClient()
    const group = await env.group()
    const roomID = roomId(group.id)
    const expectError = async (res: Awaited<ReturnType<typeof env.post>>, status: number, code: string) => {
      expect(res.statusCode).toBe(status)
      expect(res.json()).toEqual({ code, message: expect.any(String) })
    }
    await expectError(await env.post('/rpc/WebAPI/RoomHistory', { body: { roomID } }), 401, 'unauthenticated')
    await expectError(await roomHistory('rmk-nope', { roomID }), 401, 'unauthenticated')
    const noScope = await env.apiClient({ scopes: ['groups:read'] })
    await expectError(await roomHistory(noScope.apiKey, { roomID }), 403, 'permission_denied')
    const user = await env.user()
    await expectError(await roomHistory(await env.personalToken(user), { roomID }), 403, 'permission_denied')
    await expectError(await roomHistory(client.apiKey, { roomID: roomId(newId()) }), 404, 'not_found')
    await expectError(await roomHistory(client.apiKey, { roomKey: 'missing' }), 404, 'not_found')
    // A private group is readable only by its members.
    const secret = await env.group({ private: true })
    await expectError(await roomHistory(client.apiKey, { roomID: roomId(secret.id) }), 403, 'permission_denied')
    const insider = await env.group({ private: true, members: [client.bot] })
    expect((await roomHistory(client.apiKey, { roomID: roomId(insider.id) })).statusCode).toBe(200)
  })

  it('answers transport errors in the Roomlio shape: malformed bodies, wrong verbs, unknown methods', async () => {
    const client = await historyClient()
    const auth = { authorization: `Bearer ${client.apiKey}` }
    const bad = await env.inject({ method: 'POST', url: '/rpc/WebAPI/RoomHistory', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"roomID":' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('malformed')
    const form = await env.inject({ method: 'POST', url: '/rpc/WebAPI/RoomHistory', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<roomID/>' })
    expect(form.statusCode).toBe(415)
    expect(form.json().code).toBe('malformed')
    const get = await env.get('/rpc/WebAPI/RoomHistory', { token: client.apiKey })
    expect(get.statusCode).toBe(405)
    expect(get.headers.allow).toBe('POST')
    expect(get.json()).toEqual({ code: 'bad_route', message: expect.stringContaining('POST') })
    expect((await env.get('/rpc/RoomList')).statusCode).toBe(405)
    const unknown = await env.post('/rpc/WebAPI/UserRooms', { token: client.apiKey, body: {} })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ code: 'not_found', message: expect.stringContaining('UserRooms') })
  })
})

describe('RoomCreate and RoomList (Atrium extensions)', () => {
  it('RoomCreate makes a group with its channel chat and the caller as admin; the key is unique', async () => {
    const client = await env.apiClient({ scopes: ['group:write', 'chat:history'] })
    const res = await env.post('/rpc/WebAPI/RoomCreate', { token: client.apiKey, body: { roomKey: 'ticket-42', roomName: 'Ticket 42' } })
    expect(res.statusCode).toBe(200)
    const { room } = res.json()
    expect(room).toEqual({
      id: expect.stringMatching(/^rm_[0-9a-v]{26}$/),
      roomKey: 'ticket-42',
      name: 'Ticket 42',
      groupId: expect.stringMatching(/^G-/),
      chatId: expect.stringMatching(/^C-/),
      archived: false,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    })
    const group = await env.db.selectFrom('groups').selectAll().where('id', '=', room.groupId.slice(2)).executeTakeFirstOrThrow()
    expect(group).toMatchObject({ chat_id: room.chatId.slice(2), room_key: 'ticket-42', name: 'Ticket 42', private: 0 })
    const chat = await env.db.selectFrom('chats').selectAll().where('id', '=', group.chat_id).executeTakeFirstOrThrow()
    expect(chat).toMatchObject({ kind: 'channel', group_id: group.id })
    const members = await env.db.selectFrom('group_members').selectAll().where('group_id', '=', group.id).execute()
    expect(members.map((m) => [m.address, m.role])).toEqual([[client.bot, 'admin']])

    const again = await env.post('/rpc/RoomCreate', { token: client.apiKey, body: { roomKey: 'ticket-42', roomName: 'Other' } })
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('already_exists')
    expect((await env.post('/rpc/RoomCreate', { token: client.apiKey, body: { roomName: 'No key' } })).json().room.roomKey).toBe('')
  })

  it('RoomCreate validates the name and key at their limits and needs group:write', async () => {
    const client = await env.apiClient({ scopes: ['group:write'] })
    const create = (body: unknown) => env.post('/rpc/RoomCreate', { token: client.apiKey, body })
    expect((await create({ roomName: 'n'.repeat(64), roomKey: 'k'.repeat(128) })).statusCode).toBe(200)
    for (const body of [{ roomName: 'n'.repeat(65) }, { roomName: '' }, {}, { roomName: 'ok', roomKey: 'k'.repeat(129) }]) {
      const res = await create(body)
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('invalid_argument')
    }
    const reader = await historyClient()
    expect((await env.post('/rpc/RoomCreate', { token: reader.apiKey, body: { roomName: 'x' } })).json().code).toBe('permission_denied')
  })

  it('RoomList pages through readable rooms exactly once, leaving out private rooms of others', async () => {
    const client = await env.apiClient({ scopes: ['chat:history'] })
    const visible: string[] = []
    for (let i = 0; i < 7; i++) visible.push(roomId((await env.group({ name: `g${i}` })).id))
    await env.group({ private: true })
    visible.push(roomId((await env.group({ private: true, members: [client.bot] })).id))
    const seen: string[] = []
    let body = (await env.post('/rpc/RoomList', { token: client.apiKey, body: { limit: 3 } })).json()
    seen.push(...body.rooms.map((r: { id: string }) => r.id))
    while (body.hasMore) {
      body = (await env.post('/rpc/RoomList', { token: client.apiKey, body: { limit: 3, startCursor: body.nextCursor } })).json()
      seen.push(...body.rooms.map((r: { id: string }) => r.id))
    }
    expect(seen.sort()).toEqual(visible.sort())
    expect(body.nextCursor).toBe('')
  })
})

describe('admin room.create', () => {
  it('creates a room with a key for administrators only', async () => {
    const admin = await env.admin()
    const res = await env.post('/admin/room.create', { token: admin.token, body: { roomKey: 'lobby', name: 'Lobby' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      roomID: expect.stringMatching(/^rm_/),
      roomKey: 'lobby',
      name: 'Lobby',
      groupId: expect.stringMatching(/^G-/),
      chatId: expect.stringMatching(/^C-/),
    })
    expect(parseRoomId(res.json().roomID)).toBe(res.json().groupId.slice(2))
    const dup = await env.post('/admin/room.create', { token: admin.token, body: { roomKey: 'lobby', name: 'Lobby 2' } })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().code).toBe('conflict')
    const user = await env.user()
    const denied = await env.post('/admin/room.create', { token: await env.personalToken(user), body: { roomKey: 'x', name: 'X' } })
    expect(denied.statusCode).toBe(403)
  })
})

const isoSecond = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

describe('one store behind the Roam and Roomlio facades', () => {
  it('messages posted, edited and deleted with v0 chat.post/update/delete show in RoomHistory with every documented field', async () => {
    const ada = await env.user({ isAdmin: true, name: 'Ada Admin' })
    const max = await env.user({ name: 'Max Member' })
    const bot = await env.apiClient({ scopes: ['chat:send_message', 'item:write'], name: 'Deploy Bot' })
    const group = await env.group({ name: 'Support', members: [`U-${max.id}`, bot.bot], admins: [`U-${ada.id}`] })
    const adaToken = await env.personalToken(ada)
    const maxToken = await env.personalToken(max)
    const post = async (token: string, body: Record<string, unknown>) => {
      const res = await env.post('/v0/chat.post', { token, body: { chat: group.address, sync: true, ...body } })
      expect(res.statusCode, res.body).toBe(200)
      return res.json().timestamp as number
    }

    const tsA = await post(adaToken, { text: 'Hi! I have a questions.' })
    const tsB = await post(maxToken, { text: 'Second' })
    const upload = await env.inject({
      method: 'POST',
      url: '/v0/item.upload',
      headers: { authorization: `Bearer ${bot.apiKey}`, 'content-type': 'image/png', 'content-disposition': 'attachment; filename="shot.png"' },
      payload: png(2, 2),
    })
    expect(upload.statusCode, upload.body).toBe(200)
    const item = upload.json()
    const tsC = await post(bot.apiKey, { text: 'screenshot attached', items: [item.id] })
    const tsD = await post(bot.apiKey, {
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Deployed' } }, { type: 'section', text: { type: 'mrkdwn', text: '*v1.2* is live' } }],
    })
    const tsE = await post(bot.apiKey, { text: 'Deploy started' })
    const tsF = await post(bot.apiKey, { text: 'to be deleted' })
    // chat.update and chat.delete are organization-only in Roam's API: the bot edits its own.
    const edit = await env.post('/v0/chat.update', { token: bot.apiKey, body: { chat: group.address, timestamp: tsE, text: 'Deploy started, edited' } })
    expect(edit.statusCode, edit.body).toBe(200)
    expect((await env.post('/v0/chat.delete', { token: bot.apiKey, body: { chat: group.address, timestamp: tsF } })).statusCode).toBe(200)

    const reader = await historyClient()
    const res = await roomHistory(reader.apiKey, { roomID: roomId(group.id) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    const common = { visibility: '', first: '', last: '', roomID: roomId(group.id), roomName: 'Support', createdAt: expect.stringMatching(isoSecond) }
    expect(body).toEqual({
      messages: [
        { ...common, id: messageId({ chatId: group.chatId, ts: tsA }), userID: userId(`U-${ada.id}`), username: 'Ada Admin', userType: 'admin', body: 'Hi! I have a questions.', messageType: 'user', links: [], editedAt: '0001-01-01T00:00:00Z' },
        { ...common, id: messageId({ chatId: group.chatId, ts: tsB }), userID: userId(`U-${max.id}`), username: 'Max Member', userType: 'member', body: 'Second', messageType: 'user', links: [], editedAt: '0001-01-01T00:00:00Z' },
        {
          ...common,
          id: messageId({ chatId: group.chatId, ts: tsC }),
          userID: userId(bot.bot),
          username: 'Deploy Bot',
          userType: 'member',
          body: 'screenshot attached',
          messageType: 'user',
          links: [{ id: linkId(item.id), type: 'image', url: item.url }],
          editedAt: '0001-01-01T00:00:00Z',
        },
        { ...common, id: messageId({ chatId: group.chatId, ts: tsD }), userID: userId(bot.bot), username: 'Deploy Bot', userType: 'member', body: 'Deployed\n*v1.2* is live', messageType: 'user', links: [], editedAt: '0001-01-01T00:00:00Z' },
        { ...common, id: messageId({ chatId: group.chatId, ts: tsE }), userID: userId(bot.bot), username: 'Deploy Bot', userType: 'member', body: 'Deploy started, edited', messageType: 'user', links: [], editedAt: expect.stringMatching(isoSecond) },
      ],
      hasMore: false,
      nextCursor: '',
    })
    // createdAt is the post's instant; editedAt the edit's, from the same rows v0 reads.
    const rowE = await env.db.selectFrom('messages').selectAll().where('chat_id', '=', group.chatId).where('ts', '=', tsE).executeTakeFirstOrThrow()
    expect(rowE.edited_at).not.toBeNull()
    expect(body.messages[4].editedAt).toBe(new Date(Math.floor(Number(rowE.edited_at) / 1_000_000) * 1000).toISOString().replace('.000Z', 'Z'))
    expect(Date.parse(body.messages[4].editedAt)).toBeGreaterThanOrEqual(Date.parse(body.messages[4].createdAt))
    // The message ids are keys v0 understands: the timestamps chat.post returned.
    expect(body.messages.map((m: { id: string }) => parseMessageId(m.id)!.ts)).toEqual([tsA, tsB, tsC, tsD, tsE])
  })

  it('messages sent with /v1/chat.sendMessage show in v0 chat.history and RoomHistory, under their persona', async () => {
    const bot = await env.apiClient({ scopes: ['group:write', 'chat:send_message'], name: 'Alerts App' })
    const created = await env.post('/rpc/WebAPI/RoomCreate', { token: bot.apiKey, body: { roomKey: 'alerts', roomName: 'Alerts' } })
    expect(created.statusCode, created.body).toBe(200)
    const { room } = created.json()
    const groupUuid = room.groupId.slice(2)

    const sent = await env.post('/v1/chat.sendMessage', {
      token: bot.apiKey,
      body: { recipients: [groupUuid], sender: { id: 'datadog', name: 'Datadog Alerts' }, text: 'CPU high on web-1' },
    })
    expect(sent.statusCode, sent.body).toBe(200)
    expect(sent.json()).toEqual({ chatId: room.chatId.slice(2), status: 'ok' })
    const plain = await env.post('/v1/chat.sendMessage', { token: bot.apiKey, body: { recipients: [groupUuid], text: 'Recovered' } })
    expect(plain.statusCode).toBe(200)

    const reader = await env.apiClient({ scopes: ['chat:history'] })
    const history = await env.get('/v0/chat.history', { token: reader.apiKey, query: { chat: room.chatId, after: '2000-01-01' } })
    expect(history.statusCode).toBe(200)
    const messages = history.json().messages as Array<{ sender: string; text: string; timestamp: number; chat: string }>
    expect(messages.map((m) => [m.sender, m.chat, m.text])).toEqual([
      [bot.bot, room.chatId, 'CPU high on web-1'],
      [bot.bot, room.chatId, 'Recovered'],
    ])

    const roomlio = await roomHistory(reader.apiKey, { roomKey: 'alerts' })
    expect(roomlio.statusCode).toBe(200)
    expect(roomlio.json().messages).toEqual([
      expect.objectContaining({ id: messageId({ chatId: room.chatId.slice(2), ts: messages[0]!.timestamp }), userID: userId(bot.bot), username: 'Datadog Alerts', userType: 'member', body: 'CPU high on web-1', messageType: 'user', roomID: room.id, roomName: 'Alerts', editedAt: '0001-01-01T00:00:00Z' }),
      expect.objectContaining({ id: messageId({ chatId: room.chatId.slice(2), ts: messages[1]!.timestamp }), username: 'Alerts App', body: 'Recovered' }),
    ])
  })

  it('RoomCreate and admin room.create make the group with createGroup: creator recorded, listed like any group', async () => {
    const bot = await env.apiClient({ scopes: ['group:write', 'groups:read'] })
    const viaRpc = (await env.post('/rpc/RoomCreate', { token: bot.apiKey, body: { roomKey: 'r1', roomName: '  Room One  ' } })).json().room
    const admin = await env.admin()
    const viaAdmin = (await env.post('/admin/room.create', { token: admin.token, body: { roomKey: 'r2', name: 'Room Two', private: true } })).json()
    const rows = await env.db.selectFrom('groups').select(['id', 'name', 'room_key', 'created_by', 'private']).orderBy('created_at').execute()
    expect(rows).toEqual([
      { id: viaRpc.groupId.slice(2), name: 'Room One', room_key: 'r1', created_by: bot.bot, private: 0 },
      { id: viaAdmin.groupId.slice(2), name: 'Room Two', room_key: 'r2', created_by: `U-${admin.user.id}`, private: 1 },
    ])
    // The public room is a group like any other: v1 groups.list lists it, the private one not.
    const listed = (await env.get('/v1/groups.list', { token: bot.apiKey })).json()
    expect(listed.map((g: { addressId: string }) => g.addressId)).toEqual([viaRpc.groupId.slice(2)])
    // A key taken by a group made elsewhere is taken for rooms too, and name rules are the groups'.
    expect((await env.post('/rpc/RoomCreate', { token: bot.apiKey, body: { roomKey: 'r2', roomName: 'Again' } })).statusCode).toBe(409)
    const blank = await env.post('/rpc/RoomCreate', { token: bot.apiKey, body: { roomName: '   ' } })
    expect(blank.statusCode).toBe(400)
    expect(blank.json()).toEqual({ code: 'invalid_argument', message: expect.stringContaining('roomName') })
  })
})
