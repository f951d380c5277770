import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'

/**
 * After sign-in the browser goes only to a path on this server's own origin, decided by parsing
 * `next` as a WHATWG URL against the server's origin (the way the browser will read the Location).
 */
describe('redirect after sign-in', () => {
  let env: TestEnv
  beforeEach(async () => {
    env = await TestEnv.create()
  })
  afterEach(async () => env.close())

  const offSite = [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/%2F/evil.example',
    '/\n/evil.example',
    ' //evil.example',
    'https:evil.example',
    'http:/evil.example',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,x',
    'evil.example',
    'x',
    '',
  ]

  it.each(offSite)('sends %j to / and never off-site', async (next) => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const res = await browser.submit('/login', { email: user.email, password: user.password, next })
    expect(res.statusCode).toBe(303)
    const location = String(res.headers.location)
    expect(new URL(location, env.ctx.config.publicUrl).origin).toBe(new URL(env.ctx.config.publicUrl).origin)
    expect(location).toMatch(/^\/(?![/\\])/)
    // %2F is not a slash to the URL parser: /%2F/evil.example is a path here, kept as such. With
    // the server's own scheme, `http:/evil.example` is a path on this origin too (as browsers read it).
    const sameOriginPath: Record<string, string> = { '/%2F/evil.example': '/%2F/evil.example', 'http:/evil.example': '/evil.example' }
    expect(location).toBe(sameOriginPath[next] ?? '/')
  })

  it('keeps a same-origin path with its query and fragment, and a full URL of our own origin', async () => {
    const user = await env.userWithPassword()
    const origin = new URL(env.ctx.config.publicUrl).origin
    for (const [next, expected] of [
      ['/oauth/authorize?client_id=a&state=b#frag', '/oauth/authorize?client_id=a&state=b#frag'],
      [`${origin}/account/session.info`, '/account/session.info'],
      ['/chat/é', '/chat/%C3%A9'],
    ] as const) {
      const browser = env.browser()
      await browser.get('/login')
      const res = await browser.submit('/login', { email: user.email, password: user.password, next })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe(expected)
    }
  })

  it('a CR/LF in next is neither a 500 nor a header injection', async () => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const res = await browser.submit('/login', { email: user.email, password: user.password, next: '/office\r\nSet-Cookie: pwned=1' })
    expect(res.statusCode).toBe(303)
    expect(String(res.headers.location)).not.toMatch(/[\r\n]/)
    expect(String(res.headers['set-cookie'])).not.toContain('pwned')
    expect(browser.cookies.has('atrium_session')).toBe(true)
  })

  it('the login page carries only the safe form of next in its form', async () => {
    const browser = env.browser()
    const res = await browser.get('/login?next=/%09/evil.example')
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<input type="hidden" name="next" value="/">')
    const crlf = await browser.get('/login?next=%2Fa%0D%0Ab')
    expect(crlf.statusCode).toBe(200)
    expect(crlf.body).toContain('<input type="hidden" name="next" value="/ab">')
  })

  it('a wrong password keeps the safe next in the form for the second try', async () => {
    const user = await env.userWithPassword()
    const browser = env.browser()
    await browser.get('/login')
    const res = await browser.submit('/login', { email: user.email, password: 'wrong password', next: '//evil.example' })
    expect(res.statusCode).toBe(401)
    expect(res.body).toContain('<input type="hidden" name="next" value="/">')
  })
})
