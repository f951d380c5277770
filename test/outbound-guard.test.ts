import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { chatCompletion, LlmError } from '../src/llm/client.js'
import { checkOutboundUrl, isPublicAddress, postOutbound, type Resolver } from '../src/net/outbound.js'
import { cliHarness } from './cli-harness.js'
import { dialect, TestEnv, type ClientFixture } from './helpers.js'
import { Receiver } from './receiver.js'

/**
 * The outbound guard (src/net/outbound.ts): every spelling of a loopback address is refused, a
 * host is resolved once with every address checked and the connection pinned to them, and private
 * destinations are refused when they are saved, naming the setting that allows them.
 */

let env: TestEnv
let receiver: Receiver
let client: ClientFixture
let admin: string

beforeEach(async () => {
  env = await TestEnv.create()
  receiver = await Receiver.start()
  client = await env.apiClient()
  admin = (await env.admin()).token
})
afterEach(async () => {
  await env.close()
  await receiver.close()
})

const port = () => new URL(receiver.url('/')).port

/** Loopback written every way URL parsing accepts: IPv4-compatible and IPv4-mapped IPv6, decimal, octal, hex and short IPv4. */
const loopbackSpellings = (p: string) => [
  `http://[::7f00:1]:${p}/hook`,
  `http://[::ffff:127.0.0.1]:${p}/hook`,
  `http://[::ffff:7f00:1]:${p}/hook`,
  `http://2130706433:${p}/hook`,
  `http://0177.0.0.1:${p}/hook`,
  `http://0x7f.1:${p}/hook`,
  `http://127.1:${p}/hook`,
  `http://[::]:${p}/hook`,
  `http://0:${p}/hook`,
]

describe(`outbound guard: addresses (${dialect})`, () => {
  it('classifies IPv4-compatible and IPv4-mapped IPv6 by the IPv4 address they carry', () => {
    for (const a of ['::7f00:1', '::127.0.0.1', '::ffff:7f00:1', '::ffff:127.0.0.1', '::a00:1', '::ffff:a9fe:a9fe', '::808:808', '64:ff9b::7f00:1', '2002:7f00:1::1', '::', '::1']) {
      expect(isPublicAddress(a), a).toBe(false)
    }
    for (const a of ['::ffff:808:808', '8.8.8.8', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true)
  })

  it('refuses every spelling of loopback at delivery time; nothing reaches the listener', async () => {
    for (const url of loopbackSpellings(port())) {
      const result = await postOutbound(url, '{}', {}, { timeoutMs: 1000, allowPrivate: false })
      expect(result.kind, url).toBe('blocked')
    }
    expect(receiver.requests).toHaveLength(0)
  })

  it('refuses every spelling of loopback in webhook.subscribe with a 400 naming the setting; nothing is stored', async () => {
    for (const url of loopbackSpellings(port())) {
      const res = await env.post('/v0/webhook.subscribe', { token: client.apiKey, body: { event: 'chat.message.dm', url } })
      expect(res.statusCode, url).toBe(400)
      expect(res.json()).toMatchObject({ code: 'invalid_request', error: expect.stringMatching(/^url: .*ATRIUM_ALLOW_PRIVATE_URLS/) })
    }
    const list = await env.get('/v0/webhook.list', { token: client.apiKey })
    expect(list.statusCode, list.body).toBe(200)
    expect(list.json().webhooks).toEqual([])
  })
})

describe(`outbound guard: DNS (${dialect})`, () => {
  it('refuses a name when any address of the answer is private', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]
    const result = await postOutbound(`http://mixed.atrium.test:${port()}/x`, '{}', {}, { timeoutMs: 1000, allowPrivate: false, resolve })
    expect(result).toMatchObject({ kind: 'blocked', error: expect.stringContaining('127.0.0.1') })
    expect(await checkOutboundUrl(`http://mixed.atrium.test:${port()}/x`, false, { resolve })).toMatch(/ATRIUM_ALLOW_PRIVATE_URLS/)
    expect(receiver.requests).toHaveLength(0)
  })

  it('resolves once and connects to the checked address: an answer that changes afterwards is never used', async () => {
    let calls = 0
    // First answer public, every later one loopback (a rebinding name with a zero TTL).
    const publicFirst: Resolver = async () => (calls++ === 0 ? [{ address: '8.8.8.8', family: 4 }] : [{ address: '127.0.0.1', family: 4 }])
    const result = await postOutbound(`http://rebind.atrium.test:${port()}/x`, '{}', {}, { timeoutMs: 500, allowPrivate: false, resolve: publicFirst })
    expect(calls).toBe(1)
    expect(result.kind).not.toBe('response')
    expect(receiver.requests).toHaveLength(0)

    // The connection uses exactly the resolver's answer: a name the system cannot resolve reaches
    // the listener when the checked answer (loopback, allowed here) says where it is.
    let pinnedCalls = 0
    const pinned: Resolver = async () => {
      pinnedCalls++
      return [{ address: '127.0.0.1', family: 4 }]
    }
    const reached = await postOutbound(`http://pinned.atrium.test:${port()}/x`, '{"a":1}', {}, { timeoutMs: 2000, allowPrivate: true, resolve: pinned })
    expect(reached).toMatchObject({ kind: 'response', status: 200 })
    expect(pinnedCalls).toBe(1)
    expect(receiver.requests).toHaveLength(1)
    expect(receiver.requests[0]!.headers.host).toBe(`pinned.atrium.test:${port()}`)
  })
})

describe(`private destinations are refused when saved (${dialect})`, () => {
  it('admin clients.create and clients.update refuse a loopback Interactivity or webhook URL, naming the setting; nothing changes', async () => {
    const created = await env.post('/admin/clients.create', {
      token: admin,
      body: { name: 'buttons', authType: 'api_key', scopes: ['all'], interactivityUrl: `http://127.0.0.1:${port()}/click` },
    })
    expect(created.statusCode, created.body).toBe(400)
    expect(created.json()).toMatchObject({ code: 'invalid_request', error: expect.stringMatching(/^interactivityUrl: .*ATRIUM_ALLOW_PRIVATE_URLS=true/) })
    const names = async () => ((await env.get('/admin/clients.list', { token: admin })).json().clients as Array<{ name: string }>).map((c) => c.name)
    expect(await names()).not.toContain('buttons')

    const ok = await env.post('/admin/clients.create', { token: admin, body: { name: 'public', authType: 'api_key', scopes: ['all'], interactivityUrl: 'https://hooks.atrium.test/click' } })
    expect(ok.statusCode, ok.body).toBe(200)
    const clientId = ok.json().client.clientId as string
    for (const body of [{ clientId, interactivityUrl: 'http://localhost:9/click' }, { clientId, webhookUrl: 'http://[::ffff:169.254.169.254]/latest' }, { clientId, interactivityUrl: 'http://0x7f.1/x' }]) {
      const res = await env.post('/admin/clients.update', { token: admin, body })
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error).toMatch(/ATRIUM_ALLOW_PRIVATE_URLS/)
    }
    const listed = (await env.get('/admin/clients.list', { token: admin })).json().clients as Array<{ clientId: string; interactivityUrl: string | null; webhookUrl: string | null }>
    expect(listed.find((c) => c.clientId === clientId)).toMatchObject({ interactivityUrl: 'https://hooks.atrium.test/click', webhookUrl: null })
  })

  it('with ATRIUM_ALLOW_PRIVATE_URLS a loopback Interactivity URL is saved', async () => {
    const open = await TestEnv.create({ allowPrivateUrls: true })
    try {
      const token = (await open.admin()).token
      const res = await open.post('/admin/clients.create', { token, body: { name: 'local', authType: 'api_key', scopes: ['all'], interactivityUrl: `http://127.0.0.1:${port()}/click` } })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json().client.interactivityUrl).toBe(`http://127.0.0.1:${port()}/click`)
    } finally {
      await open.close()
    }
  })

  it('atrium client create refuses a loopback Interactivity URL', async () => {
    const h = await cliHarness()
    try {
      const res = await h.cli('client', 'create', '--name', 'local', '--scopes', 'chat:read', '--interactivity-url', 'http://localhost:8080/click')
      // 2: the command refused the request (1 would be the configuration or the environment).
      expect(res.code, res.err).toBe(2)
      expect(res.err).toMatch(/interactivityUrl: .*ATRIUM_ALLOW_PRIVATE_URLS/)
      const list = await h.cli('client', 'list', '--json')
      expect(list.out).not.toContain('localhost:8080')
    } finally {
      await h.drop()
    }
  })

  it('a relay link template with a literal private host is refused; a host taken from the payload is not judged at save', async () => {
    const group = await env.group()
    const bad = await env.post('/admin/relays.create', {
      token: admin,
      body: { name: 'meta', group: group.address, link: { text: 'Open', urlTemplate: 'http://169.254.169.254/latest/{{path}}' } },
    })
    expect(bad.statusCode, bad.body).toBe(400)
    expect(bad.json().error).toMatch(/^link\/urlTemplate: .*ATRIUM_ALLOW_PRIVATE_URLS/)
    expect((await env.get('/admin/relays.list', { token: admin })).json().relays).toEqual([])
    const templated = await env.post('/admin/relays.create', {
      token: admin,
      body: { name: 'dynamic', group: group.address, link: { text: 'Open', urlTemplate: '{{{url}}}' } },
    })
    expect(templated.statusCode, templated.body).toBe(200)
  })

  it('ATRIUM_LLM_URL on a private address is refused at start unless private URLs are allowed', () => {
    expect(() => loadConfig({ ATRIUM_LLM_URL: 'http://127.0.0.1:11434', ATRIUM_LLM_MODEL: 'llama3' })).toThrow(ConfigError)
    expect(() => loadConfig({ ATRIUM_LLM_URL: 'http://[::ffff:127.0.0.1]:11434', ATRIUM_LLM_MODEL: 'llama3' })).toThrow(/ATRIUM_LLM_URL: .*ATRIUM_ALLOW_PRIVATE_URLS/)
    expect(loadConfig({ ATRIUM_LLM_URL: 'http://127.0.0.1:11434', ATRIUM_LLM_MODEL: 'llama3', ATRIUM_ALLOW_PRIVATE_URLS: 'true' }).llm?.url).toBe('http://127.0.0.1:11434/v1/chat/completions')
  })

  it('the language model client goes through the guard: a name resolving to loopback is refused', async () => {
    const config = { url: `http://localhost:${port()}/v1/chat/completions`, model: 'm', apiKey: undefined, timeoutMs: 2000, chunkChars: 1000 }
    await expect(chatCompletion(config, [{ role: 'user', content: 'hi' }])).rejects.toThrow(LlmError)
    await expect(chatCompletion(config, [{ role: 'user', content: 'hi' }])).rejects.toThrow(/outbound guard/)
    expect(receiver.requests).toHaveLength(0)
  })
})
