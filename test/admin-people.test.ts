import type { AddressInfo } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import { SMTPServer } from 'smtp-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { User } from '../src/domain.js'
import { Browser, TestEnv } from './helpers.js'
import { cookieOf, openRealtime, realtimeOrigin } from './realtime.js'

/**
 * Everyday administration through the admin API: people (list, invite, deactivate, reactivate,
 * sign-in links instead of password resets, sessions), their tokens, and group settings (rename,
 * archive, group admins). Every route answers an administrator's session (writes with the CSRF
 * header) or an administrator's token with `admin:read` (reads) / `admin:write` (changes), and
 * refuses a member's session and an organization key.
 */

function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))])
}

/** The path and query of a sign-in link, to open with a Browser over app.inject. */
const pathOf = (link: string) => {
  const url = new URL(link)
  return url.pathname + url.search
}

/** Opens a sign-in link in a fresh browser: the status, and the browser (signed in when it worked). */
async function openLink(env: TestEnv, link: string): Promise<{ status: number; browser: Browser }> {
  const browser = new Browser(env.app)
  const res = await browser.get(pathOf(link))
  return { status: res.statusCode, browser }
}

async function adminBrowser(env: TestEnv): Promise<{ admin: User; browser: Browser }> {
  const admin = await env.userWithPassword({ isAdmin: true })
  const browser = await env.signedIn(admin)
  browser.csrfToken = (await browser.get('/account/session.info')).json().csrfToken
  return { admin, browser }
}

describe('admin API: people', () => {
  let env: TestEnv
  let admin: User
  let browser: Browser
  beforeEach(async () => {
    env = await TestEnv.create()
    ;({ admin, browser } = await adminBrowser(env))
  })
  afterEach(async () => env.close())

  it('users.list pages through everyone in join order, deactivated people included', async () => {
    const people = [await env.user({ name: 'Ann' }), await env.user({ name: 'Bob' }), await env.user({ name: 'Cy' })]
    const deactivated = await browser.postJson('/admin/users.deactivate', { id: `U-${people[1]!.id}` })
    expect(deactivated.statusCode, deactivated.body).toBe(200)
    const first = await browser.get('/admin/users.list?limit=2')
    expect(first.statusCode, first.body).toBe(200)
    expect(first.json().users.map((u: { id: string }) => u.id)).toEqual([`U-${admin.id}`, `U-${people[0]!.id}`])
    const second = await browser.get(`/admin/users.list?limit=2&cursor=${first.json().nextCursor}`)
    expect(second.json().users).toEqual([
      expect.objectContaining({ id: `U-${people[1]!.id}`, name: 'Bob', active: false, isAdmin: false }),
      expect.objectContaining({ id: `U-${people[2]!.id}`, name: 'Cy', active: true }),
    ])
    expect(second.json().nextCursor).toBeUndefined()
    for (const query of ['limit=0', 'limit=201', 'cursor=nonsense']) {
      const bad = await browser.get(`/admin/users.list?${query}`)
      expect(bad.statusCode, query).toBe(400)
      expect(bad.json().error).toMatch(/^(querystring\/)?(limit|cursor)/)
    }
  })

  it('deactivating ends the sessions (sockets close), stops the tokens; reactivating brings the tokens back, not the sessions', async () => {
    const user = await env.userWithPassword()
    const tab = await env.signedIn(user)
    const pat = await env.personalToken(user)
    const socket = openRealtime(await realtimeOrigin(env), cookieOf(tab))
    expect(await socket.ready).toBe(true)

    const res = await browser.postJson('/admin/users.deactivate', { id: `U-${user.id}` })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().user).toMatchObject({ id: `U-${user.id}`, active: false })
    expect((await within(5_000, socket.closed)).valueOf()).toMatchObject({ code: 4401 })
    expect((await tab.get('/account/session.info')).statusCode).toBe(401)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(401)
    expect(await env.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([])
    // Deactivating again changes nothing and is not an error.
    expect((await browser.postJson('/admin/users.deactivate', { id: `U-${user.id}` })).statusCode).toBe(200)

    const back = await browser.postJson('/admin/users.reactivate', { id: `U-${user.id}` })
    expect(back.statusCode).toBe(200)
    expect(back.json().user.active).toBe(true)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(200)
    expect((await tab.get('/account/session.info')).statusCode).toBe(401)
    const audit = await env.db.selectFrom('audit_log').select('event_type').where('user_id', '=', user.id).execute()
    expect(audit.map((a) => a.event_type)).toEqual(expect.arrayContaining(['USER_DEACTIVATED', 'USER_REACTIVATED']))
  })

  it('an administrator cannot deactivate themself; unknown and malformed ids are named', async () => {
    const self = await browser.postJson('/admin/users.deactivate', { id: `U-${admin.id}` })
    expect(self.statusCode).toBe(400)
    expect(self.json().error).toMatch(/^id: /)
    expect((await browser.get('/account/session.info')).statusCode).toBe(200)
    const unknown = await browser.postJson('/admin/users.deactivate', { id: 'U-00000000-0000-4000-8000-000000000000' })
    expect(unknown.statusCode).toBe(404)
    const group = await browser.postJson('/admin/users.reactivate', { id: 'G-00000000-0000-4000-8000-000000000000' })
    expect(group.statusCode).toBe(400)
    expect(group.json().error).toMatch(/^id: /)
  })

  it('resetPassword hands out a one-time sign-in link and leaves the password alone', async () => {
    const user = await env.userWithPassword()
    const before = await env.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()
    const res = await browser.postJson('/admin/users.resetPassword', { id: `U-${user.id}` })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ emailed: false, signinLink: expect.stringMatching(/\/login\/link\?token=[A-Za-z0-9]{43}$/) })
    expect(JSON.stringify(body)).not.toContain(user.password)
    expect(Object.keys(body).sort()).toEqual(['emailed', 'expiresAt', 'signinLink'])
    const after = await env.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()
    expect(after.password_hash).toBe(before.password_hash)

    const first = await openLink(env, body.signinLink)
    expect(first.status).toBe(303)
    expect((await first.browser.get('/account/session.info')).json().user.email).toBe(user.email)
    expect((await openLink(env, body.signinLink)).status).toBe(401)
    // The old password still works: nothing was reset behind the person's back.
    await new Browser(env.app).signIn(user.email, user.password)

    await browser.postJson('/admin/users.deactivate', { id: `U-${user.id}` })
    const refused = await browser.postJson('/admin/users.resetPassword', { id: `U-${user.id}` })
    expect(refused.statusCode).toBe(409)
  })

  it('users.invite adds the person and returns their link when no SMTP server is configured', async () => {
    const res = await browser.postJson('/admin/users.invite', { email: 'New.Person@Example.com', name: ' New Person ' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ user: { email: 'new.person@example.com', name: 'New Person', isAdmin: false, active: true }, emailed: false })
    const opened = await openLink(env, res.json().signinLink)
    expect(opened.status).toBe(303)
    expect((await opened.browser.get('/account/session.info')).json().user.email).toBe('new.person@example.com')
    const again = await browser.postJson('/admin/users.invite', { email: 'new.person@example.com', name: 'Twice' })
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toMatch(/^email: /)
    const bad = await browser.postJson('/admin/users.invite', { email: 'not-an-email', name: 'X' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatch(/^email: /)
    expect((await browser.postJson('/admin/users.invite', { email: 'x@example.com', name: 'x'.repeat(201) })).statusCode).toBe(400)
  })

  it("lists a person's sessions without secrets and ends one or all of them, closing their sockets", async () => {
    const user = await env.userWithPassword()
    const laptop = await env.signedIn(user)
    const phone = await env.signedIn(user)
    const list = await browser.get(`/admin/users.sessions?id=U-${user.id}`)
    expect(list.statusCode, list.body).toBe(200)
    const sessions = list.json().sessions as Array<{ id: string; createdAt: string; expiresAt: string }>
    expect(sessions).toHaveLength(2)
    const stored = await env.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()
    const cookies = [laptop, phone].map((b) => [...b.cookies.values()]).flat()
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'expiresAt', 'id'])
      expect(stored.map((r) => r.id)).not.toContain(s.id)
      for (const c of cookies) expect(c).not.toContain(s.id)
    }

    // Which listed session is the laptop's: end one, see which browser lost it.
    const laptopSocket = openRealtime(await realtimeOrigin(env), cookieOf(laptop))
    const phoneSocket = openRealtime(await realtimeOrigin(env), cookieOf(phone))
    expect(await laptopSocket.ready).toBe(true)
    expect(await phoneSocket.ready).toBe(true)
    const one = await browser.postJson('/admin/users.sessions.revoke', { id: `U-${user.id}`, session: sessions[0]!.id })
    expect(one.statusCode, one.body).toBe(200)
    expect(one.json()).toEqual({ revoked: 1 })
    const states = await Promise.all([laptop, phone].map(async (b) => (await b.get('/account/session.info')).statusCode))
    expect([...states].sort()).toEqual([200, 401])
    const [gone, kept] = states[0] === 401 ? [laptopSocket, phoneSocket] : [phoneSocket, laptopSocket]
    expect(await within(5_000, gone.closed)).toMatchObject({ code: 4401 })
    expect((await browser.get(`/admin/users.sessions?id=U-${user.id}`)).json().sessions).toHaveLength(1)

    const again = await browser.postJson('/admin/users.sessions.revoke', { id: `U-${user.id}`, session: sessions[0]!.id })
    expect(again.statusCode).toBe(404)
    expect(again.json().error).toMatch(/^session: /)

    const all = await browser.postJson('/admin/users.sessions.revoke', { id: `U-${user.id}` })
    expect(all.json()).toEqual({ revoked: 1 })
    expect(await within(5_000, kept.closed)).toMatchObject({ code: 4401 })
    for (const b of [laptop, phone]) expect((await b.get('/account/session.info')).statusCode).toBe(401)
    // The administrator's own session is untouched.
    expect((await browser.get('/account/session.info')).statusCode).toBe(200)
    const malformed = await browser.postJson('/admin/users.sessions.revoke', { id: `U-${user.id}`, session: 'x'.repeat(33) })
    expect(malformed.statusCode).toBe(400)
  })

  it("lists one person's tokens and revokes them", async () => {
    await env.db.updateTable('organizations').set({ personal_access_policy: 'auto' }).execute()
    const user = await env.user()
    const other = await env.user()
    const pat = await env.personalToken(user, ['chat:read'])
    await env.personalToken(other, ['chat:read'])
    const list = await browser.get(`/admin/pats.list?user=U-${user.id}`)
    expect(list.statusCode, list.body).toBe(200)
    expect(list.json().tokens).toHaveLength(1)
    expect(list.json().tokens[0]).toMatchObject({ user: `U-${user.id}`, status: 'active' })
    expect(JSON.stringify(list.json())).not.toContain(pat)
    const revoked = await browser.postJson('/admin/pats.revoke', { id: list.json().tokens[0].id })
    expect(revoked.statusCode).toBe(200)
    expect((await env.get('/v0/token.info', { token: pat })).statusCode).toBe(401)
    expect((await browser.get('/admin/pats.list?user=G-00000000-0000-4000-8000-000000000000')).statusCode).toBe(400)
  })
})

describe('admin API: group settings', () => {
  let env: TestEnv
  let browser: Browser
  beforeEach(async () => {
    env = await TestEnv.create()
    ;({ browser } = await adminBrowser(env))
  })
  afterEach(async () => env.close())

  it('renames and archives a group; an archived group takes no new name', async () => {
    const member = await env.user()
    const group = await env.group({ name: 'Old name', members: [`U-${member.id}`] })
    const renamed = await browser.postJson('/admin/groups.rename', { id: group.address, name: '  New name ' })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect((await env.db.selectFrom('groups').select('name').where('id', '=', group.id).executeTakeFirstOrThrow()).name).toBe('New name')
    const tooLong = await browser.postJson('/admin/groups.rename', { id: group.address, name: 'x'.repeat(65) })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.json().error).toMatch(/^name: /)
    expect((await browser.postJson('/admin/groups.rename', { id: group.address, name: 'x'.repeat(64) })).statusCode).toBe(200)

    expect((await browser.postJson('/admin/groups.archive', { id: group.address })).statusCode).toBe(200)
    const row = await env.db.selectFrom('groups').select('archived_at').where('id', '=', group.id).executeTakeFirstOrThrow()
    expect(row.archived_at).not.toBeNull()
    const late = await browser.postJson('/admin/groups.rename', { id: group.address, name: 'Too late' })
    expect(late.statusCode).toBe(403)
    expect(late.json().code).toBe('group_archived')
    const listed = (await browser.get('/admin/groups.list')).json().groups.map((g: { id: string }) => g.id)
    expect(listed).not.toContain(group.address)
    expect((await browser.postJson('/admin/groups.archive', { id: 'G-00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404)
  })

  it('promotes a member to group admin and demotes them again; non-members are named', async () => {
    const member = await env.user()
    const outsider = await env.user()
    const group = await env.group({ members: [`U-${member.id}`] })
    const role = async () => (await env.db.selectFrom('group_members').select('role').where('group_id', '=', group.id).where('address', '=', `U-${member.id}`).executeTakeFirst())?.role
    const promoted = await browser.postJson('/admin/groups.promote', { group: group.address, member: `U-${member.id}` })
    expect(promoted.statusCode, promoted.body).toBe(200)
    expect(await role()).toBe('admin')
    const panel = await browser.get(`/app/group.members?group=${group.address}`)
    expect(panel.json().members).toContainEqual(expect.objectContaining({ id: `U-${member.id}`, role: 'admin' }))
    expect((await browser.postJson('/admin/groups.demote', { group: group.address, member: `U-${member.id}` })).statusCode).toBe(200)
    expect(await role()).toBe('member')

    const notIn = await browser.postJson('/admin/groups.promote', { group: group.address, member: `U-${outsider.id}` })
    expect(notIn.statusCode).toBe(400)
    expect(notIn.json().error).toMatch(/^member: /)
    expect((await env.db.selectFrom('group_members').select('address').where('address', '=', `U-${outsider.id}`).execute())).toEqual([])
    const unknownGroup = await browser.postJson('/admin/groups.promote', { group: 'G-00000000-0000-4000-8000-000000000000', member: `U-${member.id}` })
    expect(unknownGroup.statusCode).toBe(404)
  })
})

describe('admin API: mail', () => {
  let env: TestEnv
  let smtp: SMTPServer
  const inbox: Array<{ from: string; to: string[]; raw: string }> = []
  beforeEach(async () => {
    inbox.length = 0
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = ''
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString()))
        stream.on('end', () => {
          inbox.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw })
          callback()
        })
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const port = (smtp.server.address() as AddressInfo).port
    env = await TestEnv.create({ mail: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Atrium <atrium@example.com>' } })
  })
  afterEach(async () => {
    await env.close()
    await new Promise<void>((resolve) => smtp.close(() => resolve()))
  })

  /** The plain-text body of a received mail, its transfer encoding undone. */
  function bodyOf(raw: string): string {
    const [head, ...rest] = raw.split(/\r?\n\r?\n/)
    const body = rest.join('\n\n')
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head!)) {
      return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    }
    if (/content-transfer-encoding:\s*base64/i.test(head!)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    return body
  }

  const linkIn = (text: string) => /https?:\/\/\S+\/login\/link\?token=[A-Za-z0-9]{43}/.exec(text)?.[0]

  it('mails an invitation whose link signs the person in once', async () => {
    const { browser } = await adminBrowser(env)
    const res = await browser.postJson('/admin/users.invite', { email: 'dana@example.com', name: 'Dana' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().emailed).toBe(true)
    expect(inbox).toHaveLength(1)
    const mail = inbox[0]!
    expect(mail.to).toEqual(['dana@example.com'])
    expect(mail.from).toBe('atrium@example.com')
    expect(mail.raw).toMatch(/^Subject: You are invited to Test Roam on Atrium$/m)
    const link = linkIn(bodyOf(mail.raw))
    expect(link).toBe(res.json().signinLink)
    const first = await openLink(env, link!)
    expect(first.status).toBe(303)
    expect((await first.browser.get('/account/session.info')).json().user.email).toBe('dana@example.com')
    expect((await openLink(env, link!)).status).toBe(401)
  })

  it('mails a sign-in link for a password reset, and reports a refusing SMTP server without failing', async () => {
    const { browser } = await adminBrowser(env)
    const user = await env.userWithPassword()
    const res = await browser.postJson('/admin/users.resetPassword', { id: `U-${user.id}` })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().emailed).toBe(true)
    expect(inbox.map((m) => m.to)).toEqual([[user.email]])
    expect(inbox[0]!.raw).toMatch(/^Subject: Your sign-in link for Test Roam$/m)
    expect(bodyOf(inbox[0]!.raw)).not.toContain(user.password)
    const link = linkIn(bodyOf(inbox[0]!.raw))!
    expect((await openLink(env, link)).status).toBe(303)
    expect((await openLink(env, link)).status).toBe(401)

    // The SMTP server goes away: the administrator still gets the link, and is told why it was not mailed.
    await new Promise<void>((resolve) => smtp.close(() => resolve()))
    const unmailed = await browser.postJson('/admin/users.resetPassword', { id: `U-${user.id}` })
    expect(unmailed.statusCode).toBe(200)
    expect(unmailed.json()).toMatchObject({ emailed: false, mailError: expect.any(String) })
    expect((await openLink(env, unmailed.json().signinLink)).status).toBe(303)
    smtp = new SMTPServer({ logger: false })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  })
})

/** Every new route × the callers that matter: admin session (+CSRF), admin tokens by scope, a member's session, an organization key. */
describe('admin API: who may call the people and group routes', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  type Target = { user: User; group: string }
  const routes: Array<{ method: 'GET' | 'POST'; path: string; request: (t: Target) => Record<string, unknown> }> = [
    { method: 'GET', path: '/admin/users.list', request: () => ({}) },
    { method: 'GET', path: '/admin/users.sessions', request: (t) => ({ id: `U-${t.user.id}` }) },
    { method: 'GET', path: '/admin/pats.list', request: (t) => ({ user: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/users.invite', request: () => ({ email: `p${Math.random().toString(36).slice(2)}@example.com`, name: 'Invited' }) },
    { method: 'POST', path: '/admin/users.deactivate', request: (t) => ({ id: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/users.reactivate', request: (t) => ({ id: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/users.resetPassword', request: (t) => ({ id: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/users.sessions.revoke', request: (t) => ({ id: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/groups.rename', request: (t) => ({ id: t.group, name: 'Renamed' }) },
    { method: 'POST', path: '/admin/groups.promote', request: (t) => ({ group: t.group, member: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/groups.demote', request: (t) => ({ group: t.group, member: `U-${t.user.id}` }) },
    { method: 'POST', path: '/admin/groups.archive', request: (t) => ({ id: t.group }) },
  ]

  it('answers administrators (session with CSRF, token with the matching admin scope) and refuses everyone else', async () => {
    const { admin, browser } = await adminBrowser(env)
    const reader = await env.personalToken(admin, ['admin:read'])
    const writer = await env.personalToken(admin, ['admin:write'])
    const member = await env.userWithPassword()
    const memberBrowser = await env.signedIn(member)
    memberBrowser.csrfToken = (await memberBrowser.get('/account/session.info')).json().csrfToken
    const orgKey = (await env.apiClient()).apiKey
    const target = async (): Promise<Target> => {
      const user = await env.user()
      const group = await env.group({ members: [`U-${user.id}`] })
      return { user, group: group.address }
    }
    const qs = (q: Record<string, unknown>) => new URLSearchParams(q as Record<string, string>).toString()
    const call = async (route: (typeof routes)[number], as: { browser?: Browser; token?: string; csrf?: boolean }): Promise<LightMyRequestResponse> => {
      const t = await target()
      const data = route.request(t)
      if (as.browser) return route.method === 'GET' ? as.browser.get(`${route.path}?${qs(data)}`) : as.browser.postJson(route.path, data, { csrf: as.csrf ?? true })
      return route.method === 'GET'
        ? env.get(route.path, { token: as.token!, query: data as Record<string, string> })
        : env.post(route.path, { token: as.token!, body: data })
    }
    for (const route of routes) {
      const write = route.method === 'POST'
      const label = `${route.method} ${route.path}`
      expect((await call(route, { browser })).statusCode, `${label} admin session`).toBe(200)
      expect((await call(route, { token: write ? writer : reader })).statusCode, `${label} admin token with its scope`).toBe(200)
      const wrongScope = await call(route, { token: write ? reader : writer })
      expect(wrongScope.statusCode, `${label} admin token without its scope`).toBe(403)
      expect(wrongScope.json().code).toBe('missing_scope')
      if (write) expect((await call(route, { browser, csrf: false })).statusCode, `${label} admin session without CSRF`).toBe(403)
      const asMember = await call(route, { browser: memberBrowser })
      expect(asMember.statusCode, `${label} member session`).toBe(403)
      expect(asMember.json().code).toBe('forbidden')
      expect((await call(route, { token: orgKey })).statusCode, `${label} organization key`).toBe(403)
    }
  })
})
