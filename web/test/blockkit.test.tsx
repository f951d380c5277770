import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { BlockKit, stripColor } from '../src/blockkit/BlockKit'
import { parseMrkdwn } from '../src/blockkit/mrkdwn'
import { DirectoryContext, directoryFrom } from '../src/directory'
import type { ActionOutcome, Block } from '../src/blockkit/types'

afterEach(cleanup)

/** The complete example of seeds/roam-block-kit.txt. */
const SEED_BLOCKS: Block[] = [
  { type: 'header', text: { type: 'plain_text', text: 'Deploy Request: api-gateway v2.4.1' } },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: '*Environment:* Production\n*Branch:* `main`\n*Commit:* `a1b2c3d` — Fix rate limiting edge case' },
    accessory: { type: 'button', text: { type: 'plain_text', text: 'View Diff' }, url: 'https://github.com/example/api-gateway/compare/v2.4.0...v2.4.1' },
  },
  { type: 'divider' },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'Requested by *@alice* · All CI checks passing' }] },
  {
    type: 'actions',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'deploy_approve', value: 'api-gateway-v2.4.1', style: 'primary' },
      { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'deploy_reject', value: 'api-gateway-v2.4.1', style: 'danger' },
    ],
  },
]

describe('Block Kit renderer', () => {
  it('renders all five block types of the seed example with the colour strip', () => {
    const { container } = render(<BlockKit blocks={SEED_BLOCKS} color="#5B3FD9" />)
    expect(screen.getByRole('heading', { name: 'Deploy Request: api-gateway v2.4.1' })).toBeTruthy()
    const section = container.querySelector('.bk-section-text')!
    expect(section.querySelectorAll('strong').length).toBe(3)
    expect(section.querySelector('strong')!.textContent).toBe('Environment:')
    expect([...section.querySelectorAll('code')].map((c) => c.textContent)).toEqual(['main', 'a1b2c3d'])
    expect(section.querySelectorAll('br').length).toBe(2)
    expect(container.querySelectorAll('hr.bk-divider').length).toBe(1)
    expect(container.querySelector('.bk-context strong')!.textContent).toBe('@alice')
    expect(screen.getByRole('button', { name: 'Approve' }).className).toContain('bk-primary')
    expect(screen.getByRole('button', { name: 'Reject' }).className).toContain('bk-danger')
    const root = container.querySelector('.bk') as HTMLElement
    expect(root.dataset.color).toBe('#5B3FD9')
    expect(root.style.getPropertyValue('--bk-strip')).toBe('#5B3FD9')
  })

  it('opens URL buttons in a new tab with rel=noopener and never renders unsafe URLs as links', () => {
    const blocks: Block[] = [
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Logs' }, url: 'https://monitoring.example.com/deploys/v2.4.1' },
          { type: 'button', text: { type: 'plain_text', text: 'Evil' }, url: 'javascript:alert(1)' },
        ],
      },
    ]
    const { container } = render(<BlockKit blocks={blocks} />)
    const link = screen.getByRole('link', { name: /Logs/ })
    expect(link.getAttribute('href')).toBe('https://monitoring.example.com/deploys/v2.4.1')
    expect(link.getAttribute('target')).toBe('_blank')
    expect(link.getAttribute('rel')).toContain('noopener')
    expect(screen.queryByRole('link', { name: /Evil/ })).toBeNull()
    expect(container.innerHTML).not.toContain('javascript:')
  })

  it.each<[ActionOutcome, string]>([
    ['clicked', 'Clicked'],
    ['timeout', "App didn't respond in time"],
    ['no_response', "App didn't respond"],
    ['error', 'App returned an error'],
  ])('shows the %s outcome of an interactive button', async (outcome, text) => {
    const onAction = vi.fn(async () => outcome)
    render(<BlockKit blocks={SEED_BLOCKS} onAction={onAction} />)
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(text))
    expect(onAction).toHaveBeenCalledWith({ blockId: 'actions-1', actionId: 'deploy_approve', value: 'api-gateway-v2.4.1' })
    const button = screen.getByRole('button', { name: /Approve/ }) as HTMLButtonElement
    expect(button.disabled).toBe(outcome === 'clicked')
  })

  it('uses block_id when the block has one', async () => {
    const onAction = vi.fn(async () => 'clicked' as const)
    const blocks: Block[] = [
      { type: 'section', block_id: 'sec', text: { type: 'plain_text', text: 'Go?' }, accessory: { type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', value: '1' } },
    ]
    render(<BlockKit blocks={blocks} onAction={onAction} />)
    fireEvent.click(screen.getByRole('button', { name: 'Go' }))
    await waitFor(() => expect(onAction).toHaveBeenCalledWith({ blockId: 'sec', actionId: 'go', value: '1' }))
  })

  it('renders plain_text literally, header included', () => {
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: '*not bold* <script>alert(1)</script>' } },
      { type: 'section', text: { type: 'plain_text', text: '_not italic_' } },
    ]
    const { container } = render(<BlockKit blocks={blocks} />)
    expect(container.querySelector('script')).toBeNull()
    expect(container.querySelector('strong, em')).toBeNull()
    expect(container.textContent).toContain('<script>alert(1)</script>')
  })

  it('maps colour names and rejects anything else', () => {
    expect(stripColor('good')).toBe('#2eb67d')
    expect(stripColor('warning')).toBe('#ecb22e')
    expect(stripColor('danger')).toBe('#e01e5a')
    expect(stripColor('#abcdef')).toBe('#abcdef')
    expect(stripColor('#abcdeg')).toBeUndefined()
    expect(stripColor('red; background: url(x)')).toBeUndefined()
    expect(stripColor(undefined)).toBeUndefined()
  })
})

describe('mrkdwn', () => {
  const alice = 'U-0f1e2d3c-4b5a-4968-8776-655443322110'
  const renderText = (text: string) =>
    render(
      <DirectoryContext.Provider value={directoryFrom([[alice, 'Alice Liddell']])}>
        <BlockKit blocks={[{ type: 'section', text: { type: 'mrkdwn', text } }]} />
      </DirectoryContext.Provider>,
    ).container.querySelector('.bk-section-text')!

  it('formats bold, italic, strike, code and code blocks', () => {
    const el = renderText('*b* _i_ ~s~ `c` ```x *y*```')
    expect(el.querySelector('strong')!.textContent).toBe('b')
    expect(el.querySelector('em')!.textContent).toBe('i')
    expect(el.querySelector('del')!.textContent).toBe('s')
    expect(el.querySelector(':scope > code')!.textContent).toBe('c')
    expect(el.querySelector('pre code')!.textContent).toBe('x *y*')
  })

  it('nests styles and leaves unmatched markers as text', () => {
    const el = renderText('*bold _and italic_* 2*3*4 snake_case_name a * b')
    expect(el.querySelector('strong em')!.textContent).toBe('and italic')
    expect(el.textContent).toContain('2*3*4 snake_case_name a * b')
    expect(el.querySelectorAll('strong').length).toBe(1)
  })

  it('shows mentions as names and <@all> as everyone', () => {
    const el = renderText(`hi <@${alice}> and <@U-00000000-0000-4000-8000-000000000000>, <@all> <!here>`)
    const mentions = [...el.querySelectorAll('.mention')].map((m) => m.textContent)
    expect(mentions).toEqual(['@Alice Liddell', '@unknown', '@everyone', '@everyone'])
    expect(el.textContent).not.toContain(alice)
  })

  it('renders links with labels, new tab, and refuses hostile schemes', () => {
    const el = renderText('<https://ro.am|Roam> <https://example.com> <javascript:alert(1)|click> <JaVaScRiPt:alert(1)> <data:text/html,x|d>')
    const links = [...el.querySelectorAll('a')]
    expect(links.map((a) => [a.getAttribute('href'), a.textContent])).toEqual([
      ['https://ro.am/', 'Roam'],
      ['https://example.com/', 'https://example.com'],
    ])
    for (const a of links) expect(a.getAttribute('rel')).toContain('noopener')
    expect(el.innerHTML.toLowerCase()).not.toContain('href="javascript')
    expect(el.textContent).toContain('click')
  })

  it('keeps script tags and HTML as inert text', () => {
    const el = renderText('<script>alert(1)</script><img src=x onerror=alert(1)>')
    expect(el.querySelector('script, img')).toBeNull()
    expect(el.textContent).toBe('<script>alert(1)</script><img src=x onerror=alert(1)>')
  })

  it('parses into a tree', () => {
    expect(parseMrkdwn('a *b*\nc')).toEqual([
      { t: 'text', v: 'a ' },
      { t: 'bold', c: [{ t: 'text', v: 'b' }] },
      { t: 'br' },
      { t: 'text', v: 'c' },
    ])
  })
})
