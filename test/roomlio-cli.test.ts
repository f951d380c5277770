import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDatabase } from '../src/store/db.js'
import { parseRoomId } from '../src/roomlio-ids.js'
import { freshDatabase, pgUrl } from './helpers.js'

let fresh: Awaited<ReturnType<typeof freshDatabase>>
let env: NodeJS.ProcessEnv

function envFor(config: Config, dataDir: string): NodeJS.ProcessEnv {
  if (config.database.dialect === 'sqlite') return { ATRIUM_DATA_DIR: dataDir }
  return { ATRIUM_DATABASE_URL: `${pgUrl}?options=${encodeURIComponent(`-c search_path=${config.database.schema!}`)}`, ATRIUM_DATA_DIR: dataDir }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) })
  return { code, out, err }
}

/** A server on the database the CLI wrote to. */
async function server() {
  const config = loadConfig(env)
  const db = openDatabase(fresh.config.database.dialect === 'sqlite' ? config.database : fresh.config.database)
  const app = await buildApp(config, { db, logger: false })
  return { app, close: async () => { await app.close(); await db.destroy() } }
}

beforeEach(async () => {
  fresh = await freshDatabase()
  env = envFor(fresh.config, `${fresh.config.dataDir}-cli`)
})
afterEach(async () => {
  await fresh.drop()
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
