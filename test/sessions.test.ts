import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSigninLink } from '../src/actions/sessions.js'
import { TestEnv } from './helpers.js'

describe('human sign-in', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  it('renders the login page through the layout with a CSRF token and strict headers', async () => {
    const browser = env.browser()
    const res = await browser.get('/login?next=/oauth/authorize%3Fa%3D%22%3E%3Cscript%3E')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(res.body).toContain('<form method="post" action="/login">')
    expect(res.body).toContain('name="_csrf"')
    // The next parameter is escaped, never inserted as markup.
    expect(res.body).not.toContain('"><script>')
    expect(res.body).toContain('value="/oauth/authorize?a=%22%3E%3Cscript%3E"')
    expect(browser.csrfToken).toBeTruthy()
  })

  it('signs in with the right password, sets an httpOnly session cookie and follows a same-site next', async () => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const res = await browser.submit('/login', { email: user.email.toUpperCase(), password: user.password, next: '/account/session.info' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/account/session.info')
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/atrium_session=[A-Za-z0-9]{43}/)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    const info = await browser.get('/account/session.info')
    expect(info.statusCode).toBe(200)
    expect(info.json().user).toEqual({ id: `U-${user.id}`, name: user.name, email: user.email, isAdmin: false })
    // The cookie value is stored only as a digest.
    const rows = await env.db.selectFrom('sessions').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(cookie).not.toContain(rows[0]!.id)
  })

  it('refuses a wrong password or unknown email with the same message, and sets no session', async () => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const wrong = await browser.submit('/login', { email: user.email, password: 'not the password' })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('Wrong email or password.')
    const unknown = await browser.submit('/login', { email: 'nobody@example.com', password: user.password })
    expect(unknown.statusCode).toBe(401)
    expect(unknown.body).toContain('Wrong email or password.')
    expect(browser.cookies.has('atrium_session')).toBe(false)
    // A user without a password cannot sign in at all.
    const noPassword = await env.user()
    const none = await browser.submit('/login', { email: noPassword.email, password: 'anything at all' })
    expect(none.statusCode).toBe(401)
  })

  it('rejects a login form without a valid CSRF token', async () => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const res = await browser.submit('/login', { email: user.email, password: user.password, _csrf: 'forged' })
    expect(res.statusCode).toBe(403)
    expect(browser.cookies.has('atrium_session')).toBe(false)
  })

  it('signs out: the session stops working', async () => {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    await browser.get('/login/done')
    const out = await browser.submit('/logout', {})
    expect(out.statusCode).toBe(303)
    expect((await env.db.selectFrom('sessions').selectAll().execute()).length).toBe(0)
    browser.cookies.set('atrium_session', 'x'.repeat(43))
    expect((await browser.get('/account/session.info')).statusCode).toBe(401)
  })

  it('admin API accepts an admin session; cookie writes need the CSRF header', async () => {
    const admin = await env.userWithPassword({ isAdmin: true })
    const browser = await env.signedIn(admin)
    const info = await browser.get('/admin/settings.info')
    expect(info.statusCode).toBe(200)
    expect(info.json()).toEqual({ personalAccess: 'approval' })
    await browser.get('/account/session.info')
    const token = (await browser.get('/account/session.info')).json().csrfToken as string
    browser.csrfToken = token
    const noCsrf = await browser.postJson('/admin/settings.update', { personalAccess: 'auto' }, { csrf: false })
    expect(noCsrf.statusCode).toBe(403)
    expect((await browser.get('/admin/settings.info')).json()).toEqual({ personalAccess: 'approval' })
    const ok = await browser.postJson('/admin/settings.update', { personalAccess: 'auto' })
    expect(ok.statusCode).toBe(200)
    expect((await browser.get('/admin/settings.info')).json()).toEqual({ personalAccess: 'auto' })
  })

  it('a non-admin session cannot use the admin API; on v0 a session acts only as the user (personal methods)', async () => {
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    expect((await browser.get('/admin/settings.info')).statusCode).toBe(403)
    // The web client's path (access.sessionOnPersonalApi): personal-capable v0 methods, as the user.
    const info = await browser.get('/v0/token.info')
    expect(info.statusCode).toBe(200)
    expect(info.json().addr).toBe(`U-${user.id}`)
  })

  it('account pages refuse bearer tokens', async () => {
    const user = await env.user()
    const token = await env.personalToken(user)
    const res = await env.get('/account/pats.list', { token })
    expect(res.statusCode).toBe(403)
  })

  it('a one-time sign-in link signs in once, then refuses; an expired or unknown link is refused', async () => {
    const admin = await env.user({ isAdmin: true })
    const link = await createSigninLink(env.ctx, env.org.id, admin.id)
    expect(link.url).toMatch(new RegExp(`^${env.ctx.config.publicUrl}/login/link\\?token=[A-Za-z0-9]{43}$`))
    const path = new URL(link.url).pathname + new URL(link.url).search
    const browser = env.browser()
    const first = await browser.get(path)
    expect(first.statusCode).toBe(303)
    expect(first.headers.location).toBe('/office')
    expect(String(first.headers['set-cookie'])).toMatch(/atrium_session=[A-Za-z0-9]{43}.*HttpOnly/i)
    const info = await browser.get('/account/session.info')
    expect(info.statusCode).toBe(200)
    expect(info.json().user).toMatchObject({ id: `U-${admin.id}`, isAdmin: true })
    // Only the digest is stored.
    const rows = await env.db.selectFrom('signin_links').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(link.url).not.toContain(rows[0]!.id)
    expect(rows[0]!.used_at).not.toBeNull()

    const again = await env.browser().get(path)
    expect(again.statusCode).toBe(401)
    expect(again.body).toContain('already used or has expired')
    expect(String(again.headers['set-cookie'])).not.toContain('atrium_session')

    const expired = await createSigninLink(env.ctx, env.org.id, admin.id, 0)
    expect((await env.browser().get(new URL(expired.url).pathname + new URL(expired.url).search)).statusCode).toBe(401)
    expect((await env.browser().get(`/login/link?token=${'a'.repeat(43)}`)).statusCode).toBe(401)
    expect((await env.browser().get('/login/link?token=short')).statusCode).toBe(401)
    expect((await env.browser().get('/login/link')).statusCode).toBe(400)
  })
})
