import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { freshDatabase } from './helpers.js'

describe('web client serving', () => {
  let app: FastifyInstance
  let drop: () => Promise<void>
  let root: string

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'atrium-web-'))
    mkdirSync(path.join(root, 'assets'))
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
    const fresh = await freshDatabase()
    drop = fresh.drop
    app = await buildApp(fresh.config, { db: fresh.db, logger: false, webRoot: root })
    await app.ready()
  })
  afterEach(async () => {
    await app.close()
    await drop()
    rmSync(root, { recursive: true, force: true })
  })

  it('serves index.html at / and at client routes, uncached', async () => {
    for (const url of ['/', '/office', '/chat', '/chat/C-0f1e2d3c-4b5a-4968-8776-655443322110', '/builder', '/console/clients', '/tokens', '/people']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.body).toContain('<div id="root">')
    }
  })

  it('serves hashed assets with a long cache lifetime', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expect(res.headers['cache-control']).toContain('immutable')
  })

  it('never shadows API paths: unknown ones stay JSON 404s', async () => {
    for (const url of ['/v0/nope', '/v1/nope', '/admin/nope', '/oauth/nope', '/scim/v2/nope', '/rpc/nope', '/nope', '/assets/missing.js']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      // /v1 carries the code in `error` ({ok:false, error, message}); the others in `code`.
      expect(url.startsWith('/v1/') ? res.json().error : res.json().code, url).toBe('not_found')
    }
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    expect(health.json()).toEqual({ ok: true })
  })

  it('answers a plain explanation at / when the client is not built', async () => {
    const fresh = await freshDatabase()
    const bare = await buildApp(fresh.config, { db: fresh.db, logger: false, webRoot: path.join(root, 'missing') })
    try {
      const res = await bare.inject({ method: 'GET', url: '/' })
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain('npm run build')
    } finally {
      await bare.close()
      await fresh.drop()
    }
  })
})
