import contentDisposition from 'content-disposition'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_ITEM_BYTES } from '../src/actions/items.js'
import { contractErrors } from './contract.js'
import { png, TestEnv, type ClientFixture } from './helpers.js'

function gif(width = 5, height = 4): Buffer {
  const b = Buffer.alloc(20)
  b.write('GIF89a', 0, 'latin1')
  b.writeUInt16LE(width, 6)
  b.writeUInt16LE(height, 8)
  return b
}

describe('item.upload', () => {
  let env: TestEnv
  let client: ClientFixture
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient()
  })
  afterEach(async () => env.close())

  const upload = (payload: Buffer, headers: Record<string, string | undefined>, token = client.apiKey) => {
    const h: Record<string, string> = { authorization: `Bearer ${token}` }
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v
    return env.inject({ method: 'POST', url: '/v0/item.upload', headers: h, payload })
  }

  it('stores an image as a photo with its dimensions and serves it at url', async () => {
    const bytes = png(3, 2)
    const res = await upload(bytes, { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="screenshot.png"' })
    expect(res.statusCode).toBe(200)
    expect(contractErrors('chat.json', '/item.upload', 'post', 200, res.json())).toEqual([])
    const item = res.json()
    expect(item).toMatchObject({ type: 'photo', name: 'screenshot.png', size: bytes.length, width: 3, height: 2, mime: 'image/png' })
    expect(item.thumbnail).toBe(item.url)
    expect(item.url).toBe(`${env.ctx.config.publicUrl}/items/${item.id}`)
    const file = await env.inject({ method: 'GET', url: new URL(item.url).pathname })
    expect(file.statusCode).toBe(200)
    expect(file.headers['content-type']).toBe('image/png')
    expect(file.rawPayload.equals(bytes)).toBe(true)
    expect((await env.inject({ method: 'GET', url: `/items/${crypto.randomUUID()}` })).statusCode).toBe(404)
  })

  it('stores other files as blobs (download only) and appends missing image extensions', async () => {
    const blob = await upload(Buffer.from('%PDF-1.4'), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="report.pdf"' })
    expect(blob.json()).toMatchObject({ type: 'blob', name: 'report.pdf', mime: 'application/octet-stream', size: 8 })
    expect(blob.json().thumbnail).toBeUndefined()
    expect(blob.json().width).toBeUndefined()
    const file = await env.inject({ method: 'GET', url: new URL(blob.json().url).pathname })
    expect(file.headers['content-disposition']).toBe('attachment; filename="report.pdf"')
    const named = await upload(gif(5, 4), { 'content-type': 'image/gif', 'content-disposition': 'attachment; filename="anim"' })
    expect(named.json()).toMatchObject({ name: 'anim.gif', width: 5, height: 4 })
    const jpg = await upload(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), { 'content-type': 'image/jpeg', 'content-disposition': 'attachment; filename="x.JPG"' })
    expect(jpg.statusCode).toBe(400) // magic matches but the image cannot be read
  })

  it('serves files with non-ASCII names: an ASCII filename= and the exact UTF-8 name in filename*', async () => {
    for (const name of ['Zürich plan.pdf', '会议记录.pdf']) {
      const up = await upload(Buffer.from('%PDF-1.4'), { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` })
      expect(up.statusCode, up.body).toBe(200)
      expect(up.json().name).toBe(name)
      const file = await env.inject({ method: 'GET', url: new URL(up.json().url).pathname })
      expect(file.statusCode).toBe(200)
      const header = String(file.headers['content-disposition'])
      expect(header).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/)
      expect(contentDisposition.parse(header).parameters.filename).toBe(name)
    }
  })

  it('415s content types outside the allowed set, or none', async () => {
    for (const type of ['text/plain', 'application/json', 'image/svg+xml', undefined]) {
      const res = await upload(Buffer.from('{"a":1}'), { 'content-type': type, 'content-disposition': 'attachment; filename="a.txt"' })
      expect(res.statusCode, String(type)).toBe(415)
      expect(res.json().code).toBe('unsupported_media_type')
    }
  })

  it('400s when image bytes do not match the declared type', async () => {
    const res = await upload(png(3, 2), { 'content-type': 'image/jpeg', 'content-disposition': 'attachment; filename="a.jpg"' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('body: the bytes are not an image of type image/jpeg')
    const webp = await upload(Buffer.from('not a webp at all'), { 'content-type': 'image/webp', 'content-disposition': 'attachment; filename="a.webp"' })
    expect(webp.statusCode).toBe(400)
  })

  it('requires a filename in Content-Disposition, at most 255 characters, and a non-empty body', async () => {
    for (const disposition of [undefined, 'attachment', 'attachment; filename=""']) {
      const res = await upload(Buffer.from('x'), { 'content-type': 'application/octet-stream', 'content-disposition': disposition })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/^Content-Disposition: /)
    }
    const ok = await upload(Buffer.from('x'), { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${'n'.repeat(255)}"` })
    expect(ok.statusCode).toBe(200)
    const long = await upload(Buffer.from('x'), { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${'n'.repeat(256)}"` })
    expect(long.statusCode).toBe(400)
    const path = await upload(Buffer.from('x'), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="../../etc/passwd"' })
    expect(path.json().name).toBe('passwd')
    const empty = await upload(Buffer.alloc(0), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="a"' })
    expect(empty.statusCode).toBe(400)
  })

  it('accepts exactly 10 MB and answers 413 one byte over', async () => {
    const headers = { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="big.bin"' }
    const ok = await upload(Buffer.alloc(MAX_ITEM_BYTES, 1), headers)
    expect(ok.statusCode).toBe(200)
    expect(ok.json().size).toBe(10 * 1024 * 1024)
    const over = await upload(Buffer.alloc(MAX_ITEM_BYTES + 1, 1), headers)
    expect(over.statusCode).toBe(413)
    expect(over.json().code).toBe('payload_too_large')
    expect(await env.db.selectFrom('items').select('id').execute()).toHaveLength(1)
  })

  it('needs item:write and an organization token', async () => {
    const headers = { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="a"' }
    const reader = await env.apiClient({ scopes: ['chat:read'] })
    expect((await upload(Buffer.from('x'), headers, reader.apiKey)).statusCode).toBe(403)
    const personal = await upload(Buffer.from('x'), headers, await env.personalToken(await env.user()))
    expect(personal.statusCode).toBe(403)
    expect((await upload(Buffer.from('x'), headers, 'rmk-wrong')).statusCode).toBe(401)
  })
})
