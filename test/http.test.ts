import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestEnv } from './helpers.js'

const fixtures = path.resolve(import.meta.dirname, 'fixtures', 'roam-openapi')

let env: TestEnv
beforeEach(async () => {
  env = await TestEnv.create()
})
afterEach(async () => {
  await env.close()
})

describe('HTTP conventions', () => {
  it('404 JSON for an unknown path', async () => {
    const res = await env.get('/v0/no.such')
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toContain('application/json')
    expect(res.json()).toEqual({ error: expect.stringContaining('/v0/no.such'), code: 'not_found' })
  })

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await env.inject({ method: 'DELETE', url: '/v0/token.info' })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toContain('GET')
    expect(res.json().code).toBe('method_not_allowed')
  })

  it('serves the generated OpenAPI document with every v0 route of Roam’s chat.json and webhooks.json', async () => {
    const res = await env.get('/v0/openapi.json')
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    const operations = (d: { paths: Record<string, Record<string, unknown>> }) =>
      Object.entries(d.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    const roam = ['chat.json', 'webhooks.json'].flatMap((file) => operations(JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'))))
    expect(roam.length).toBe(32)
    const ours = new Set(operations(doc))
    expect(roam.filter((op) => !ours.has(op))).toEqual([])
    // And each of them is served (not 404) at that method.
    for (const op of roam) {
      const [method, route] = op.split(' ') as [string, string]
      const served = await env.inject({ method: method as 'GET' | 'POST', url: `/v0${route}` })
      expect(served.statusCode, op).not.toBe(404)
    }
    expect(doc.paths['/token.info'].get.responses['200'].content['application/json'].schema.required).toEqual(['addr', 'scopes', 'roam'])
    expect(doc.components.schemas.Error).toBeDefined()
  })

  it('answers health checks', async () => {
    const res = await env.get('/healthz')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
  })
})
