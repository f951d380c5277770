import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { TestEnv } from './helpers.js'

/**
 * `/metrics` answers loopback callers, or anyone presenting ATRIUM_METRICS_TOKEN as a Bearer
 * token. A request that came through a proxy (it carries Forwarded, X-Forwarded-For or X-Real-IP)
 * is never a loopback caller, even when the proxy itself connects from 127.0.0.1.
 */
describe('who may read /metrics', () => {
  let env: TestEnv | undefined
  afterEach(async () => env?.close())

  const TOKEN = 'metrics-token-0123456789abcdef'
  const metrics = (remoteAddress: string, headers: Record<string, string> = {}) => env!.inject({ method: 'GET', url: '/metrics', remoteAddress, headers })

  it('without a token: loopback (IPv4, IPv6, mapped) only; remote and proxied callers are refused', async () => {
    env = await TestEnv.create()
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      const res = await metrics(address)
      expect(res.statusCode, address).toBe(200)
      expect(res.body).toContain('atrium_http_requests_total')
    }
    for (const address of ['10.0.0.5', '192.168.1.20', '2001:db8::1', '::ffff:10.0.0.5']) {
      const res = await metrics(address)
      expect(res.statusCode, address).toBe(403)
      expect(res.json().error).toMatch(/metrics/i)
      expect(res.body).not.toContain('atrium_http_requests_total')
    }
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const res = await metrics('127.0.0.1', { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' })
      expect(res.statusCode, header).toBe(403)
    }
    // A bearer token means nothing when none is configured.
    expect((await metrics('10.0.0.5', { authorization: `Bearer ${TOKEN}` })).statusCode).toBe(403)
  })

  it('with ATRIUM_METRICS_TOKEN: the right Bearer token is enough from anywhere; a wrong one is 401', async () => {
    env = await TestEnv.create({ metricsToken: TOKEN })
    const ok = await metrics('10.0.0.5', { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('atrium_http_requests_total')
    const wrong = await metrics('10.0.0.5', { authorization: `Bearer ${TOKEN}x` })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['www-authenticate']).toBe('Bearer')
    expect((await metrics('10.0.0.5', { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).statusCode).toBe(401)
    expect((await metrics('10.0.0.5')).statusCode).toBe(401)
    expect((await metrics('127.0.0.1')).statusCode).toBe(200)
  })

  it('the token is validated: at least 16 characters', () => {
    expect(() => loadConfig({ ATRIUM_METRICS_TOKEN: 'short' })).toThrow(/ATRIUM_METRICS_TOKEN/)
    expect(loadConfig({ ATRIUM_METRICS_TOKEN: 'x'.repeat(16) }).metricsToken).toBe('x'.repeat(16))
    expect(loadConfig({}).metricsToken).toBeUndefined()
  })
})
