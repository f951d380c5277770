import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BLOCK_LIMITS, validateBlocks } from '../src/blockkit/index.js'
import { contractErrors } from './contract.js'
import { exampleBlocks, exampleBodies, exampleButtons, exampleTextObjects } from './fixtures/block-kit-examples.js'
import { TestEnv, type ClientFixture } from './helpers.js'

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
const section = (text = 'hello') => ({ type: 'section', text: { type: 'mrkdwn', text } })
const urlButton = (label = 'Open') => ({ type: 'button', text: { type: 'plain_text', text: label }, url: 'https://example.com' })
const interactiveButton = (label = 'Go') => ({ type: 'button', text: { type: 'plain_text', text: label }, action_id: 'go', value: 'v' })

describe('Block Kit through chat.post', () => {
  let env: TestEnv
  let client: ClientFixture
  let group: string
  beforeEach(async () => {
    env = await TestEnv.create()
    client = await env.apiClient({ interactivityUrl: 'https://example.com/roam/interactivity' })
    group = (await env.group({ members: [client.bot] })).address
  })
  afterEach(async () => env.close())

  const post = (body: Record<string, unknown>, token = client.apiKey) => env.post('/v0/chat.post', { token, body: { ...body, sync: true } })

  it('accepts every complete example of the guide and returns blocks and color unchanged', async () => {
    for (const example of exampleBodies) {
      const res = await post({ ...clone(example), chat: group })
      expect(res.statusCode, res.body).toBe(200)
      const history = await env.get('/v0/chat.history', { token: client.apiKey, query: { chat: group, limit: 1 } })
      const [message] = history.json().messages
      expect(message).toMatchObject({ contentType: 'block', blocks: example.blocks, color: example.color, timestamp: res.json().timestamp })
      expect(contractErrors('chat.json', '/chat.history', 'get', 200, history.json())).toEqual([])
    }
  })

  it('accepts every block, text object and button example of the guide', async () => {
    for (const block of exampleBlocks) expect((await post({ chat: group, blocks: [clone(block)] })).statusCode).toBe(200)
    for (const text of exampleTextObjects) {
      expect((await post({ chat: group, blocks: [{ type: 'section', text: clone(text) }] })).statusCode).toBe(200)
      expect((await post({ chat: group, blocks: [{ type: 'context', elements: [clone(text)] }] })).statusCode).toBe(200)
    }
    for (const button of exampleButtons) {
      expect((await post({ chat: group, blocks: [{ ...section(), accessory: clone(button) }] })).statusCode).toBe(200)
      expect((await post({ chat: group, blocks: [{ type: 'actions', elements: [clone(button)] }] })).statusCode).toBe(200)
    }
  })

  it('rejects interactive buttons when the app has no Interactivity URL, but allows URL buttons', async () => {
    const plain = await env.apiClient()
    const g = (await env.group({ members: [plain.bot] })).address
    const interactive = await post({ chat: g, blocks: [{ type: 'actions', elements: [interactiveButton()] }] }, plain.apiKey)
    expect(interactive.statusCode).toBe(400)
    expect(interactive.json().error).toMatch(/Interactivity URL/)
    const accessory = await post({ chat: g, blocks: [{ ...section(), accessory: interactiveButton() }] }, plain.apiKey)
    expect(accessory.statusCode).toBe(400)
    expect((await post({ chat: g, blocks: [{ type: 'actions', elements: [urlButton()] }] }, plain.apiKey)).statusCode).toBe(200)
    expect(await env.db.selectFrom('messages').select('ts').execute()).toHaveLength(1)
  })

  it('reports violations with a JSON pointer and the limit', async () => {
    const nine = Array.from({ length: 9 }, () => urlButton())
    const res = await post({ chat: group, blocks: [section(), section(), section(), { type: 'actions', elements: nine }] })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('blocks/3/elements/8: actions allow at most 8 buttons')
  })

  it('allows exactly 10 blocks and rejects 11', async () => {
    const ten = Array.from({ length: 10 }, () => ({ type: 'divider' }))
    expect((await post({ chat: group, blocks: ten })).statusCode).toBe(200)
    const res = await post({ chat: group, blocks: [...ten, { type: 'divider' }] })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('blocks/10: a message allows at most 10 blocks')
  })

  it('allows exactly 8,000 bytes of blocks and rejects 8,001', async () => {
    // Section text is limited to 3,000 characters, so spread the bytes over several sections.
    const spread = (total: number) => {
      const per = 2500
      const blocks = []
      let remaining = total
      while (remaining > 0) {
        const base = Buffer.byteLength(JSON.stringify(section(''))) + (blocks.length > 0 ? 1 : 0)
        const take = Math.min(per, remaining - base - 2)
        blocks.push(section('y'.repeat(take)))
        remaining = total - Buffer.byteLength(JSON.stringify(blocks))
        if (remaining < Buffer.byteLength(JSON.stringify(section('y'))) + 1) {
          const last = blocks[blocks.length - 1]!
          last.text.text += 'y'.repeat(remaining)
          break
        }
      }
      return blocks
    }
    const exact = spread(8000)
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(8000)
    expect((await post({ chat: group, blocks: exact })).statusCode).toBe(200)
    const over = spread(8001)
    expect(Buffer.byteLength(JSON.stringify(over))).toBe(8001)
    const res = await post({ chat: group, blocks: over })
    expect(res.statusCode).toBe(413)
    expect(res.json().error).toBe('blocks: must be at most 8000 bytes as JSON (got 8001)')
  })

  it('checks color: named values and #RRGGBB only, and only with blocks', async () => {
    for (const color of ['good', 'warning', 'danger', '#5B3FD9', '#00ff00']) {
      expect((await post({ chat: group, blocks: [section()], color })).statusCode).toBe(200)
    }
    for (const color of ['green', '#fff', '#12345G', '5B3FD9']) {
      const res = await post({ chat: group, blocks: [section()], color })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/^color: /)
    }
    const textColor = await post({ chat: group, text: 'hi', color: 'good' })
    expect(textColor.statusCode).toBe(400)
    expect(textColor.json().error).toMatch(/^color: /)
  })

  it('keeps blocks exclusive with text, items and poll', async () => {
    for (const extra of [{ text: 'hi' }, { items: ['0f1e2d3c-0000-4000-8000-000000000000'] }, { poll: { question: 'q', options: ['a', 'b'] } }]) {
      const res = await post({ chat: group, blocks: [section()], ...extra })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatch(/only one content kind/)
    }
  })
})

describe('Block Kit validator', () => {
  const errors = (blocks: unknown) => validateBlocks(blocks).errors

  it('rejects mrkdwn in headers and button labels, and unknown block types', () => {
    expect(errors([{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }])).toEqual([
      'blocks/0/text/type: must be "plain_text" here (mrkdwn is allowed only in section and context)',
    ])
    expect(errors([{ ...section(), accessory: { type: 'button', text: { type: 'mrkdwn', text: 'x' }, url: 'https://a.b' } }])).toEqual([
      'blocks/0/accessory/text/type: must be "plain_text" here (mrkdwn is allowed only in section and context)',
    ])
    expect(errors([{ type: 'image' }])).toEqual(['blocks/0/type: must be one of "header", "section", "context", "divider", "actions"'])
    expect(errors([{ type: 'divider', text: 'x' }])).toEqual(['blocks/0/text: is not allowed here'])
    expect(errors([])).toEqual(['blocks: must contain at least 1 block'])
  })

  it('needs url, or action_id and value, on every button; style is primary or danger', () => {
    expect(errors([{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'x' } }] }])).toEqual([
      'blocks/0/elements/0: a button needs a url, or action_id and value for an interactive button',
    ])
    expect(errors([{ type: 'actions', elements: [{ ...interactiveButton(), value: undefined }] }])).toEqual([
      'blocks/0/elements/0/value: is required for an interactive button (one without url)',
    ])
    expect(errors([{ type: 'actions', elements: [{ ...urlButton(), url: 'javascript:alert(1)' }] }])).toEqual([
      'blocks/0/elements/0/url: must be an http or https URL',
    ])
    expect(errors([{ type: 'actions', elements: [{ ...urlButton(), style: 'secondary' }] }])).toEqual([
      'blocks/0/elements/0/style: must be "primary" or "danger" (omit it for the default style)',
    ])
    expect(errors([{ type: 'actions', elements: [] }])).toEqual(['blocks/0/elements: actions need at least 1 button'])
    expect(validateBlocks([{ type: 'actions', elements: [urlButton()] }]).interactive).toBe(false)
    expect(validateBlocks([{ type: 'actions', elements: [interactiveButton()] }]).interactive).toBe(true)
  })

  it('accepts what Slack Block Kit Builder adds (block_id, emoji, verbatim, action_id beside url)', () => {
    expect(
      errors([
        { type: 'header', block_id: 'h1', text: { type: 'plain_text', text: 'Hi', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'x', verbatim: false }, accessory: { ...urlButton(), action_id: 'a', value: 'v' } },
      ]),
    ).toEqual([])
  })

  it.each([
    ['header text', BLOCK_LIMITS.headerText, (n: number) => [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(n) } }], 'blocks/0/text/text'],
    ['section text', BLOCK_LIMITS.sectionText, (n: number) => [section('x'.repeat(n))], 'blocks/0/text/text'],
    ['button text', BLOCK_LIMITS.buttonText, (n: number) => [{ type: 'actions', elements: [urlButton('x'.repeat(n))] }], 'blocks/0/elements/0/text/text'],
    ['action_id', BLOCK_LIMITS.actionId, (n: number) => [{ type: 'actions', elements: [{ ...interactiveButton(), action_id: 'a'.repeat(n) }] }], 'blocks/0/elements/0/action_id'],
    ['value', BLOCK_LIMITS.value, (n: number) => [{ type: 'actions', elements: [{ ...interactiveButton(), value: 'v'.repeat(n) }] }], 'blocks/0/elements/0/value'],
    ['block_id', BLOCK_LIMITS.blockId, (n: number) => [{ type: 'divider', block_id: 'b'.repeat(n) }], 'blocks/0/block_id'],
    ['url', BLOCK_LIMITS.url, (n: number) => [{ type: 'actions', elements: [{ ...urlButton(), url: `https://a.b/${'u'.repeat(n - 12)}` }] }], 'blocks/0/elements/0/url'],
  ])('limits %s to %i characters', (_name, limit, build, pointer) => {
    expect(errors(build(limit))).toEqual([])
    expect(errors(build(limit + 1))).toEqual([`${pointer}: must be at most ${limit} characters`])
  })

  it('limits context to 10 elements', () => {
    const el = { type: 'plain_text', text: 'x' }
    expect(errors([{ type: 'context', elements: Array(10).fill(el) }])).toEqual([])
    expect(errors([{ type: 'context', elements: Array(11).fill(el) }])).toEqual(['blocks/0/elements/10: context allows at most 10 elements'])
  })
})
