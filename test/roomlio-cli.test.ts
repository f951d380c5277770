import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseRoomId } from '../src/roomlio-ids.js'
import { cliHarness, type CliHarness } from './cli-harness.js'

let h: CliHarness


const cli = (...argv: string[]) => h.cli(...argv)

/** A server on the database the CLI wrote to. */
const server = () => h.server()

beforeEach(async () => {
  h = await cliHarness()
})
afterEach(async () => {
  await h.drop()
})

describe('atrium room create', () => {
  it('--json prints roomID, chatId and groupId of a room RoomHistory finds by key', async () => {
    const res = await cli('room', 'create', '--key', 'support-7', '--name', 'Support 7', '--json')
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    const printed = JSON.parse(res.out)
    expect(printed).toEqual({
      roomID: expect.stringMatching(/^rm_[0-9a-v]{26}$/),
      roomKey: 'support-7',
      name: 'Support 7',
      chatId: expect.stringMatching(/^C-[0-9a-f-]{36}$/),
      groupId: expect.stringMatching(/^G-[0-9a-f-]{36}$/),
    })
    expect(parseRoomId(printed.roomID)).toBe(printed.groupId.slice(2))
    const again = await cli('room', 'create', '--key', 'support-7', '--name', 'Other', '--json')
    expect(again.code).toBe(2)
    expect(again.err).toContain('support-7')

    const key = JSON.parse((await cli('client', 'create', '--name', 'export', '--scopes', 'chat:history', '--json')).out).apiKey
    const srv = await server()
    const history = await srv.app.inject({
      method: 'POST',
      url: '/rpc/WebAPI/RoomHistory',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ roomKey: 'support-7', limit: 10 }),
    })
    await srv.close()
    expect(history.statusCode).toBe(200)
    expect(history.json()).toEqual({ messages: [], hasMore: false, nextCursor: '' })
  })
})
