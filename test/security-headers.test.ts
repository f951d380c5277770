import { createHash } from 'node:crypto'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { InProcessEventBus } from '../src/events/bus.js'
import { dialect, TestEnv } from './helpers.js'

/** The directives of a Content-Security-Policy header, by name. */
function csp(res: LightMyRequestResponse): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '')
  return new Map(header.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]))
}

function expectCommonHeaders(res: LightMyRequestResponse) {
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['referrer-policy']).toBe('same-origin')
  const policy = csp(res)
  expect(policy.get('frame-ancestors')).toEqual(["'none'"])
  expect(policy.get('img-src')?.slice(0, 3)).toEqual(["'self'", 'data:', 'blob:'])
  for (const [, values] of policy) {
    expect(values).not.toContain("'unsafe-inline'")
    expect(values).not.toContain("'unsafe-eval'")
    expect(values).not.toContain('*')
  }
}

describe(`security headers (${dialect})`, () => {
  let env: TestEnv | undefined
  let root: string | undefined
  afterEach(async () => {
    await env?.close()
    env = undefined
    if (root) rmSync(root, { recursive: true, force: true })
    root = undefined
  })

  it('server pages: no script at all, only the layout\'s own style (by hash), nosniff, same-origin referrer', async () => {
    env = await TestEnv.create()
    const res = await env.browser().get('/login')
    expect(res.statusCode).toBe(200)
    expectCommonHeaders(res)
    const policy = csp(res)
    expect(policy.get('default-src')).toEqual(["'none'"])
    expect(policy.has('script-src')).toBe(false)
    // Every inline <style> of the page is allowed by its hash, and there is nothing else inline.
    const styles = [...res.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!)
    expect(styles).toHaveLength(1)
    expect(policy.get('style-src')).toEqual([`'sha256-${createHash('sha256').update(styles[0]!).digest('base64')}'`])
    expect(res.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i)
  })

  it('the booking page (the one that had inline style attributes) has none', async () => {
    env = await TestEnv.create()
    const admin = await env.admin()
    const host = await env.user()
    await env.post('/admin/lobbies.create', { token: admin.token, body: { handle: 'csp', name: 'Intro', host: host.email, duration: 30, availability: [{ days: ['mon-sun'], start: '00:00', end: '24:00' }] } })
    const page = await env.browser().get('/l/csp')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('name="start"')
    expect(page.body).not.toMatch(/\sstyle=/i)
    expectCommonHeaders(page)
  })

  it('the web client and the API: scripts and styles from self only, never framed; JSON is nosniff', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atrium-csp-'))
    mkdirSync(path.join(root, 'assets'))
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc.js"></script>')
    writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)')
    env = await TestEnv.create()
    const app = await buildApp(env.ctx.config, { db: env.db, logger: false, webRoot: root, bus: new InProcessEventBus(), storage: env.ctx.storage })
    try {
      for (const url of ['/', '/office', '/assets/index-abc.js']) {
        const res = await app.inject({ method: 'GET', url })
        expect(res.statusCode, url).toBe(200)
        expectCommonHeaders(res)
        const policy = csp(res)
        expect(policy.get('script-src')).toEqual(["'self'"])
        expect(policy.get('style-src')).toEqual(["'self'"])
        expect(policy.get('object-src')).toEqual(["'none'"])
        expect(policy.get('connect-src')).toEqual(["'self'", `ws://${new URL(env.ctx.config.publicUrl).host}`])
        expect(res.headers['x-frame-options']).toBe('DENY')
      }
      const api = await app.inject({ method: 'GET', url: '/v0/token.info' })
      expect(api.statusCode).toBe(401)
      expect(api.headers['x-content-type-options']).toBe('nosniff')
      expect(api.headers['referrer-policy']).toBe('same-origin')
      // Plain http deployments send no HSTS.
      expect(api.headers['strict-transport-security']).toBeUndefined()
    } finally {
      await app.close()
    }
  })

  it('administrator-allowed image origins join img-src everywhere and reach the web client through /app/session', async () => {
    const imageOrigins = loadConfig({ ATRIUM_IMAGE_ORIGINS: 'https://images.example.com,https://cdn.example.org:8443' }).imageOrigins
    expect(imageOrigins).toEqual(['https://images.example.com', 'https://cdn.example.org:8443'])
    env = await TestEnv.create({ imageOrigins } as Partial<Config>)
    const user = await env.userWithPassword()
    const browser = await env.signedIn(user)
    const session = await browser.get('/app/session')
    expect(session.statusCode).toBe(200)
    expect(session.json().imageOrigins).toEqual(imageOrigins)
    expect(csp(session).get('img-src')).toEqual(["'self'", 'data:', 'blob:', ...imageOrigins])
    expect(csp(await browser.get('/login')).get('img-src')).toEqual(["'self'", 'data:', 'blob:', ...imageOrigins])
    // By default no other origin is allowed.
    const plain = await TestEnv.create()
    try {
      const other = await plain.signedIn(await plain.userWithPassword())
      expect((await other.get('/app/session')).json().imageOrigins).toEqual([])
    } finally {
      await plain.close()
    }
  })

  it('ATRIUM_IMAGE_ORIGINS accepts only origins', () => {
    expect(loadConfig({}).imageOrigins).toEqual([])
    for (const bad of ['images.example.com', 'https://x.example/path', 'ftp://x.example', 'https://a.example, https://b.example', "'unsafe-inline'", 'https://x.example;script-src', "https://x.example'"]) {
      expect(() => loadConfig({ ATRIUM_IMAGE_ORIGINS: bad }), bad).toThrow(/ATRIUM_IMAGE_ORIGINS/)
    }
  })

  it('the web client\'s page template and any built client carry no inline script or style', () => {
    const sources = [path.resolve(__dirname, '../web/index.html'), path.resolve(__dirname, '../web/dist/index.html')].filter((f) => existsSync(f))
    expect(sources.length).toBeGreaterThan(0)
    for (const file of sources) {
      const html = readFileSync(file, 'utf8')
      for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
        expect(m[1], file).toMatch(/\ssrc=/)
        expect(m[2]!.trim(), file).toBe('')
      }
      expect(html, file).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    }
  })
})
