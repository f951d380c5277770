import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { runCli } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/store/db.js'
import { cliHarness, cliRunner, type CliHarness } from './cli-harness.js'
import { dialect } from './helpers.js'
import { freshStore } from './servers.js'
import { organizationRows, TRANSFER_TABLES } from '../src/store/repos/transfer.js'
import { seedDirectory, seedMessages, snapshot } from './org-snapshot.js'
import { saveChatMute, saveNotificationLevel } from '../src/store/repos/notifications.js'

/** A database of the other dialect than the one under test: the destination of the move. */
interface Target {
  dialect: 'sqlite' | 'postgres'
  env: NodeJS.ProcessEnv
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string }>
  drop(): Promise<void>
}

async function otherDialectTarget(): Promise<Target> {
  const store = await freshStore(dialect === 'sqlite' ? 'postgres' : 'sqlite', 'target')
  const env = { ATRIUM_DATABASE_URL: store.url, ATRIUM_DATA_DIR: store.dataDir }
  return { dialect: store.dialect, env, cli: cliRunner(env), drop: () => store.drop() }
}

let h: CliHarness
let target: Target
let work: string

beforeEach(async () => {
  h = await cliHarness({ ATRIUM_RATE_LIMIT: 'off' })
  target = await otherDialectTarget()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-transfer-'))
})
afterEach(async () => {
  await h.drop()
  await target.drop()
  fs.rmSync(work, { recursive: true, force: true })
})

/** An organization with people, a group, messages, a reaction and a file; what the API says about it; its export. */
async function exportedOrganization() {
  const { apiKey, people } = await seedDirectory(h.cli)
  const source = await h.server()
  const seeded = await seedMessages(source.app, apiKey, people)
  // One person's notification level and a chat they muted move with the organization.
  const person = people[0]!.startsWith('U-') ? people[0]! : `U-${people[0]!}`
  const { org_id: orgId } = await source.db.selectFrom('users').select('org_id').where('id', '=', person.slice(2)).executeTakeFirstOrThrow()
  const { chat_id: chatId } = await source.db.selectFrom('groups').select('chat_id').where('id', '=', seeded.group.slice(2)).executeTakeFirstOrThrow()
  await saveNotificationLevel(source.db, orgId, person, 'all', 1)
  await saveChatMute(source.db, person, chatId, true, 1)
  const before = await snapshot(source.app, apiKey, seeded.group, seeded.itemId)
  await source.close()
  const exported = await h.cli('export')
  expect(exported.err).toBe('')
  expect(exported.code).toBe(0)
  const file = path.join(work, 'org.jsonl')
  fs.writeFileSync(file, exported.out)
  return { apiKey, ...seeded, before, file, text: exported.out }
}

describe(`atrium export / import (${dialect} → the other dialect)`, () => {
  it('moves an organization: the v0 API answers the same afterwards, API keys keep working', { timeout: 120_000 }, async () => {
    const { apiKey, group, itemId, bytes, before, file, text } = await exportedOrganization()
    expect(before.history.messages).toHaveLength(3)

    // The file is JSON Lines: a header, rows, the file bytes, a trailer. No secret in clear.
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ type: 'header', format: 'atrium.organization/1', counts: expect.objectContaining({ messages: 3, files: 1 }) })
    expect(lines.at(-1)).toMatchObject({ type: 'end', counts: expect.objectContaining({ organizations: 1, messages: 3, reactions: 1, files: 1 }) })
    expect(lines.filter((l) => l.type === 'file')).toEqual([{ type: 'file', key: expect.any(String), base64: bytes.toString('base64') }])
    expect(text).not.toContain(apiKey)
    expect(text).not.toContain('whsec_')

    expect((await target.cli('migrate')).code).toBe(0)
    const imported = await target.cli('import', file, '--json')
    expect(imported.err).toBe('')
    expect(imported.code).toBe(0)
    const result = JSON.parse(imported.out)
    expect(result.counts).toMatchObject({ organizations: 1, users: 3, messages: 3, reactions: 1, files: 1, chat_mutes: 1, notification_settings: 1 })
    // The client's webhook signing secret did not travel: a new one, shown once.
    const secrets = [...result.signingSecrets].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name))
    expect(secrets).toEqual([
      { kind: 'client', clientId: expect.any(String), name: 'Atrium Admin', signingSecret: expect.stringMatching(/^whsec_/) },
      { kind: 'client', clientId: expect.any(String), name: 'ci', signingSecret: expect.stringMatching(/^whsec_/) },
    ])

    const config = loadConfig({ ...target.env, ATRIUM_RATE_LIMIT: 'off' })
    const app = await buildApp(config, { logger: false })
    try {
      // The secrets shown are the ones webhooks are now signed with.
      const db = openDatabase(config.database)
      const stored = await db.selectFrom('apps').select(['client_id as clientId', 'signing_secret as signingSecret']).execute().finally(() => db.destroy())
      expect(stored.map((a) => ({ ...a })).sort((a, b) => a.clientId.localeCompare(b.clientId))).toEqual(
        secrets.map((x: { clientId: string; signingSecret: string }) => ({ clientId: x.clientId, signingSecret: x.signingSecret })).sort((a: { clientId: string }, b: { clientId: string }) => a.clientId.localeCompare(b.clientId)),
      )
      expect(await snapshot(app, apiKey, group, itemId)).toEqual(before)
      // Writes go on where they stopped: the next message key is above every moved one.
      const posted = await app.inject({ method: 'POST', url: '/v0/chat.post', headers: { authorization: `Bearer ${apiKey}` }, payload: { chat: group, text: 'after the move', sync: true } })
      expect(posted.statusCode).toBe(200)
      expect(posted.json().timestamp).toBeGreaterThan(Math.max(...before.history.messages.map((m: { timestamp: number }) => m.timestamp)))
    } finally {
      await app.close()
    }

    // The destination now hosts an organization: a second import is refused.
    const again = await target.cli('import', file)
    expect(again.code).toBe(2)
    expect(again.err).toContain('already hosts an organization')
  })

  it('refuses a truncated or altered export and leaves the database empty', { timeout: 120_000 }, async () => {
    const { file, text } = await exportedOrganization()
    expect((await target.cli('migrate')).code).toBe(0)
    const lines = text.trimEnd().split('\n')

    const truncated = path.join(work, 'truncated.jsonl')
    fs.writeFileSync(truncated, `${lines.slice(0, -3).join('\n')}\n`)
    const cut = await target.cli('import', truncated)
    expect(cut.code).toBe(2)
    expect(cut.err).toContain('incomplete')

    const missingRow = path.join(work, 'missing.jsonl')
    fs.writeFileSync(missingRow, `${lines.filter((l) => !l.includes('"table":"reactions"')).join('\n')}\n`)
    const altered = await target.cli('import', missingRow)
    expect(altered.code).toBe(2)
    expect(altered.err).toContain('lists 1 reactions but holds 0')

    const badColumn = path.join(work, 'column.jsonl')
    fs.writeFileSync(badColumn, lines.map((l) => l.replace('"table":"users","row":{', '"table":"users","row":{"shoe_size":44,')).join('\n'))
    const column = await target.cli('import', badColumn)
    expect(column.code).toBe(2)
    expect(column.err).toMatch(/line \d+: users has no column "shoe_size"/)

    const notOurs = path.join(work, 'other.jsonl')
    fs.writeFileSync(notOurs, '{"hello":"world"}\n')
    expect((await target.cli('import', notOurs)).err).toContain('expected an object with a "type"')

    // Nothing of any attempt stayed: the intact export still goes in.
    const ok = await target.cli('import', file, '--json')
    expect(ok.err).toBe('')
    expect(ok.code).toBe(0)
  })

  it('draws a progress bar on stderr only when it is a terminal; stdout stays JSON Lines', { timeout: 120_000 }, async () => {
    await seedDirectory(h.cli)
    let out = ''
    let err = ''
    const code = await runCli(['export'], { env: h.env, stdout: (t) => (out += t), stderr: (t) => (err += t), stderrIsTTY: true })
    expect(code).toBe(0)
    expect(err).toMatch(/export \[#+\] 100% (\d+)\/\1 done/)
    expect(err.endsWith('\u001b[K\n')).toBe(true)
    for (const line of out.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
    // Not a terminal: nothing on stderr (see the other tests, which capture stderr as a pipe would).
    expect((await h.cli('export')).err).toBe('')
  })

  it('reads tables in keyset pages without skipping or repeating a row', { timeout: 120_000 }, async () => {
    const { apiKey, people } = await seedDirectory(h.cli)
    const source = await h.server()
    try {
      await seedMessages(source.app, apiKey, people)
      const org = await source.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()
      for (const name of ['messages', 'users', 'group_members'] as const) {
        const table = TRANSFER_TABLES.find((t) => t.name === name)!
        const all: unknown[] = []
        for await (const row of organizationRows(source.db, table, org.id, 500)) all.push(row)
        const paged: unknown[] = []
        for await (const row of organizationRows(source.db, table, org.id, 2)) paged.push(row)
        expect(all.length).toBeGreaterThanOrEqual(3)
        expect(paged).toEqual(all)
      }
    } finally {
      await source.close()
    }
  })

  it('names an organization that is not there', async () => {
    await seedDirectory(h.cli)
    const res = await h.cli('export', '--org', '00000000-0000-4000-8000-000000000000')
    expect(res.code).toBe(2)
    expect(res.err).toContain('--org: no organization')
  })
})
