import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { Relays } from '../src/console/Relays'
import { Webhooks } from '../src/console/Webhooks'
import { Console } from '../src/pages/Console'
import { Tokens } from '../src/pages/Tokens'
import { RouterProvider } from '../src/router'

/**
 * The developer console against a scripted server: every call the screens make is recorded (method,
 * path, query, JSON body) and answered from a table, so these tests also pin the admin paths and
 * bodies the console uses.
 */
interface Call {
  method: string
  path: string
  query: Record<string, string>
  body: Record<string, unknown> | undefined
}

type Answer = { status?: number; body?: unknown } | ((call: Call) => { status?: number; body?: unknown })

let calls: Call[] = []
let routes: Record<string, Answer> = {}

beforeEach(() => {
  calls = []
  routes = {}
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, 'http://atrium.test')
      const method = init?.method ?? 'GET'
      const call: Call = {
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined,
      }
      calls.push(call)
      const route = routes[`${method} ${url.pathname}`]
      if (!route) return new Response(JSON.stringify({ error: `no route ${method} ${url.pathname}`, code: 'not_found' }), { status: 404 })
      const answer = typeof route === 'function' ? route(call) : route
      const status = answer.status ?? 200
      return new Response(status === 204 ? null : JSON.stringify(answer.body ?? {}), { status, headers: { 'content-type': 'application/json' } })
    }),
  )
  vi.stubGlobal('confirm', () => true)
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

const posts = (path: string) => calls.filter((c) => c.method === 'POST' && c.path === path)

const client = {
  clientId: 'app_deploys',
  botId: 'B-0b4c1a34-66a3-4d7c-9f3e-7d7bb0a4f0a1',
  name: 'Deploys',
  authType: 'api_key',
  scopes: ['chat:read'],
  redirectUris: [],
  interactivityUrl: 'https://hooks.example/old',
  webhookUrl: null,
  createdAt: '2026-11-01T10:00:00.000Z',
}

describe('developer console: API clients', () => {
  it('creates an API key client and shows the key and signing secret once', async () => {
    routes['GET /admin/clients.list'] = { body: { clients: [] } }
    routes['POST /admin/clients.create'] = { body: { client, apiKey: 'rmk-abc.def', signingSecret: 'whsec_c2VjcmV0' } }
    window.history.replaceState(null, '', '/console/clients')
    render(
      <RouterProvider>
        <Console />
      </RouterProvider>,
    )
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Deploys' } })
    fireEvent.change(screen.getByLabelText('Interactivity URL'), { target: { value: 'https://hooks.example/old' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create client' }))
    await waitFor(() => expect(document.querySelector('[data-secret="API key"]')?.textContent).toBe('rmk-abc.def'))
    expect(document.querySelector('[data-secret="Signing secret"]')?.textContent).toBe('whsec_c2VjcmV0')
    expect(posts('/admin/clients.create')[0]!.body).toEqual({
      name: 'Deploys',
      authType: 'api_key',
      scopes: ['chat:read', 'chat:send_message', 'chat:history'],
      interactivityUrl: 'https://hooks.example/old',
    })
    // The list is read again after the create.
    expect(calls.filter((c) => c.path === '/admin/clients.list').length).toBe(2)
  })

  it('changes a client’s URLs through clients.update and rotates its secret through clients.rotateSecret', async () => {
    routes['GET /admin/clients.list'] = { body: { clients: [client] } }
    routes['POST /admin/clients.update'] = (c) => ({ body: { client: { ...client, ...c.body } } })
    routes['POST /admin/clients.rotateSecret'] = { body: { client, signingSecret: 'whsec_bmV3' } }
    window.history.replaceState(null, '', '/console/clients')
    render(
      <RouterProvider>
        <Console />
      </RouterProvider>,
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Settings of Deploys' }))
    const form = screen.getByRole('button', { name: 'Rotate signing secret' }).closest('form')!
    fireEvent.change(within(form).getByLabelText('Interactivity URL'), { target: { value: 'https://hooks.example/new' } })
    fireEvent.change(within(form).getByLabelText('Webhook URL'), { target: { value: 'https://hooks.example/events' } })
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(posts('/admin/clients.update')).toHaveLength(1))
    expect(posts('/admin/clients.update')[0]!.body).toEqual({ clientId: 'app_deploys', interactivityUrl: 'https://hooks.example/new', webhookUrl: 'https://hooks.example/events' })
    await screen.findByText('Saved.')
    fireEvent.click(within(form).getByRole('button', { name: 'Rotate signing secret' }))
    await waitFor(() => expect(document.querySelector('[data-secret="New signing secret"]')?.textContent).toBe('whsec_bmV3'))
    expect(posts('/admin/clients.rotateSecret')[0]!.body).toEqual({ clientId: 'app_deploys' })
  })

  it('shows the server’s error naming the field', async () => {
    routes['GET /admin/clients.list'] = { body: { clients: [] } }
    routes['POST /admin/clients.create'] = { status: 400, body: { error: 'webhookUrl: must be https (or http on localhost / 127.0.0.1)', code: 'invalid_request' } }
    window.history.replaceState(null, '', '/console')
    render(
      <RouterProvider>
        <Console />
      </RouterProvider>,
    )
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'x' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create client' }))
    await screen.findByText(/^webhookUrl: must be https/)
  })
})

describe('developer console: users and groups', () => {
  it('lists every group from /admin/groups.list and creates one with members by email', async () => {
    let groups = [{ id: 'G-1', chat: 'C-1', name: 'Ops', description: null, private: true, createdAt: '2026-11-01T10:00:00.000Z' }]
    routes['GET /admin/groups.list'] = () => ({ body: { groups } })
    routes['POST /admin/groups.create'] = (c) => {
      const group = { id: 'G-2', chat: 'C-2', name: c.body!.name as string, description: null, private: false, createdAt: '2026-11-02T10:00:00.000Z' }
      groups = [...groups, group]
      return { body: { group } }
    }
    window.history.replaceState(null, '', '/console/people')
    render(
      <RouterProvider>
        <Console />
      </RouterProvider>,
    )
    expect((await screen.findByRole('link', { name: 'Ops' })).getAttribute('href')).toBe('/chat/C-1')
    expect(screen.getByText('Private', { selector: 'td' })).toBeTruthy()
    fireEvent.change(screen.getByLabelText('New group'), { target: { value: 'Design' } })
    fireEvent.change(screen.getByLabelText(/^Members' emails/), { target: { value: 'a@example.com, b@example.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
    await screen.findByRole('link', { name: 'Design' })
    expect(posts('/admin/groups.create')[0]!.body).toEqual({ name: 'Design', private: false, members: ['a@example.com', 'b@example.com'] })
  })

  it('adds a person through /admin/users.create and shows their one-time sign-in link once', async () => {
    routes['GET /admin/groups.list'] = { body: { groups: [] } }
    routes['POST /admin/users.create'] = (c) => ({ body: { user: { id: 'U-9', email: c.body!.email, name: c.body!.name, isAdmin: true }, signinLink: 'http://atrium.test/login/link?token=abc' } })
    window.history.replaceState(null, '', '/console/people')
    render(
      <RouterProvider>
        <Console />
      </RouterProvider>,
    )
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'grace@example.com' } })
    fireEvent.change(screen.getByLabelText('Full name'), { target: { value: 'Grace Hopper' } })
    fireEvent.click(screen.getByLabelText('Administrator'))
    fireEvent.click(screen.getByRole('button', { name: 'Add person' }))
    await waitFor(() => expect(document.querySelector('[data-secret="Sign-in link"]')?.textContent).toBe('http://atrium.test/login/link?token=abc'))
    expect(posts('/admin/users.create')[0]!.body).toEqual({ email: 'grace@example.com', name: 'Grace Hopper', isAdmin: true })
  })
})

describe('developer console: webhooks', () => {
  const delivery = {
    id: '7a1c1f0e-3a54-4b8e-9f0e-1c2d3e4f5a6b',
    subscriptionId: '5f0c8d7e-1b2a-4c3d-8e9f-0a1b2c3d4e5f',
    eventId: '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b',
    event: 'chat:message:channel',
    url: 'https://hooks.example/events',
    status: 'failed',
    attempts: [{ attempt: 1, outcome: 'http_error', statusCode: 500, latencyMs: 12, response: 'boom', at: '2026-11-01T10:00:01.000Z' }],
    createdAt: '2026-11-01T10:00:00.000Z',
  }
  const subscription = {
    id: delivery.subscriptionId,
    event: 'chat:message:channel',
    url: 'https://hooks.example/events',
    status: 'active',
    model: 'organization',
    appId: 'a',
    userId: null,
    consecutiveFailures: 1,
    createdAt: '2026-11-01T09:00:00.000Z',
  }

  it('lists subscriptions from webhooks.list, reads the log from webhooks.deliveries, pages, filters and replays', async () => {
    routes['GET /admin/webhooks.list'] = { body: { webhooks: [subscription] } }
    routes['GET /admin/webhooks.deliveries'] = (c) => (c.query.cursor ? { body: { deliveries: [{ ...delivery, id: 'older', status: 'delivered' }] } } : { body: { deliveries: [delivery], nextCursor: 'page2' } })
    routes['POST /admin/webhooks.replay'] = { body: { ...delivery, status: 'pending' } }
    routes['POST /admin/webhooks.disable'] = { body: { ...subscription, status: 'disabled' } }
    render(<Webhooks />)
    const replay = await screen.findByRole('button', { name: `Replay chat:message:channel delivery ${delivery.id}` })
    expect(screen.getByText('failed')).toBeTruthy()
    fireEvent.click(replay)
    await screen.findByText('· replay queued')
    expect(posts('/admin/webhooks.replay')[0]!.body).toEqual({ id: delivery.id })
    expect(screen.getByText('pending')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Attempts' }))
    await screen.findByText('boom')

    fireEvent.click(screen.getByRole('button', { name: 'Older deliveries' }))
    await waitFor(() => expect(calls.some((c) => c.path === '/admin/webhooks.deliveries' && c.query.cursor === 'page2')).toBe(true))
    await screen.findByText('delivered')

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } })
    await waitFor(() => expect(calls.some((c) => c.path === '/admin/webhooks.deliveries' && c.query.status === 'failed')).toBe(true))

    fireEvent.click(screen.getByRole('button', { name: 'Disable' }))
    await waitFor(() => expect(posts('/admin/webhooks.disable')[0]?.body).toEqual({ id: subscription.id }))

    fireEvent.click(screen.getByRole('button', { name: 'Deliveries of chat:message:channel to https://hooks.example/events' }))
    await waitFor(() => expect(calls.some((c) => c.path === '/admin/webhooks.deliveries' && c.query.subscriptionId === subscription.id)).toBe(true))
    // No path outside the admin webhooks API was called.
    expect(calls.every((c) => c.path.startsWith('/admin/webhooks.'))).toBe(true)
  })
})

describe('developer console: webhook relays', () => {
  const group = 'G-3b84cbc6-3cd5-4804-8263-009c086932a0'
  const relay = { id: 'rly_1', name: 'PagerDuty', group, template: '{{event.title}}', colorRules: [], link: { text: 'Open incident', urlTemplate: '{{event.url}}' } }

  beforeEach(() => {
    routes['GET /app/chats.list'] = { body: { chats: [{ id: 'C-1', group, kind: 'channel', name: 'Ops', participants: [], unread: 0, lastTs: 0 }] } }
  })

  it('creates a relay for a group and shows its URL once', async () => {
    routes['GET /admin/relays.list'] = { body: { relays: [] } }
    routes['POST /admin/relays.create'] = (c) => ({ body: { relay: { id: 'rly_1', ...c.body }, url: 'http://atrium.test/relays/rly_1/s3cret' } })
    render(<Relays />)
    await screen.findByRole('option', { name: 'Ops' })
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'PagerDuty' } })
    fireEvent.change(screen.getByLabelText('Group'), { target: { value: group } })
    fireEvent.change(screen.getByLabelText(/^Message template/), { target: { value: '{{event.title}}' } })
    fireEvent.change(screen.getByLabelText(/^Filter/), { target: { value: 'event.severity == "critical"' } })
    fireEvent.change(screen.getByLabelText(/^Color rules/), { target: { value: '[{"when": "event.severity == \\"critical\\"", "color": "danger"}]' } })
    fireEvent.change(screen.getByLabelText('Link button text'), { target: { value: 'Open incident' } })
    fireEvent.change(screen.getByLabelText('Link button URL'), { target: { value: '{{event.url}}' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create relay' }))
    await waitFor(() => expect(document.querySelector('[data-secret="Relay URL"]')?.textContent).toBe('http://atrium.test/relays/rly_1/s3cret'))
    expect(posts('/admin/relays.create')[0]!.body).toEqual({
      name: 'PagerDuty',
      group,
      template: '{{event.title}}',
      filter: 'event.severity == "critical"',
      colorRules: [{ when: 'event.severity == "critical"', color: 'danger' }],
      link: { text: 'Open incident', urlTemplate: '{{event.url}}' },
    })
  })

  it('sends recipients’ emails for direct messages, and refuses color rules that are not JSON before calling the server', async () => {
    routes['GET /admin/relays.list'] = { body: { relays: [] } }
    routes['POST /admin/relays.create'] = (c) => ({ body: { relay: { id: 'rly_2', ...c.body }, url: 'http://atrium.test/relays/rly_2/x' } })
    render(<Relays />)
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Grafana' } })
    fireEvent.click(screen.getByLabelText('People (direct messages)'))
    fireEvent.change(screen.getByLabelText("Recipients' emails (one per line)"), { target: { value: 'a@example.com\nb@example.com' } })
    fireEvent.change(screen.getByLabelText(/^Message template/), { target: { value: '{{title}}' } })
    fireEvent.change(screen.getByLabelText(/^Color rules/), { target: { value: '[{nope' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create relay' }))
    await screen.findByText('Color rules: not valid JSON')
    expect(posts('/admin/relays.create')).toHaveLength(0)
    fireEvent.change(screen.getByLabelText(/^Color rules/), { target: { value: '' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create relay' }))
    await waitFor(() => expect(posts('/admin/relays.create')).toHaveLength(1))
    expect(posts('/admin/relays.create')[0]!.body).toEqual({ name: 'Grafana', to: ['a@example.com', 'b@example.com'], template: '{{title}}' })
  })

  it('edits, rotates the URL of, and deletes a relay', async () => {
    let relays = [relay]
    routes['GET /admin/relays.list'] = () => ({ body: { relays } })
    routes['POST /admin/relays.update'] = (c) => ({ body: { relay: { ...relay, ...c.body } } })
    routes['POST /admin/relays.rotate'] = { body: { url: 'http://atrium.test/relays/rly_1/n3w' } }
    routes['POST /admin/relays.delete'] = () => {
      relays = []
      return { status: 204 }
    }
    render(<Relays />)
    fireEvent.click(await screen.findByRole('button', { name: 'Edit PagerDuty' }))
    const form = screen.getByRole('button', { name: 'Save relay' }).closest('form')!
    fireEvent.change(within(form).getByLabelText(/^Message template/), { target: { value: '*{{event.title}}*' } })
    fireEvent.click(within(form).getByRole('button', { name: 'Save relay' }))
    await waitFor(() => expect(posts('/admin/relays.update')).toHaveLength(1))
    expect(posts('/admin/relays.update')[0]!.body).toEqual({
      id: 'rly_1',
      name: 'PagerDuty',
      group,
      template: '*{{event.title}}*',
      filter: null,
      colorRules: [],
      link: { text: 'Open incident', urlTemplate: '{{event.url}}' },
    })

    fireEvent.click(await screen.findByRole('button', { name: 'New URL for PagerDuty' }))
    await waitFor(() => expect(document.querySelector('[data-secret="Relay URL"]')?.textContent).toBe('http://atrium.test/relays/rly_1/n3w'))
    expect(posts('/admin/relays.rotate')[0]!.body).toEqual({ id: 'rly_1' })

    fireEvent.click(screen.getByRole('button', { name: 'Delete PagerDuty' }))
    await screen.findByText('No relays yet.')
    expect(posts('/admin/relays.delete')[0]!.body).toEqual({ id: 'rly_1' })
  })
})

describe('access tokens page', () => {
  it('creates a token with the shared scope picker and shows it once; revokes', async () => {
    let tokens: unknown[] = []
    routes['GET /account/pats.list'] = () => ({ body: { tokens } })
    routes['POST /account/pats.create'] = (c) => {
      tokens = [{ id: 'p1', kind: 'pat', user: 'U-1', name: c.body!.name, scopes: c.body!.scopes, status: 'pending', createdAt: '2026-11-01T10:00:00.000Z' }]
      return { body: { token: 'rmp-abc.def', status: 'pending' } }
    }
    routes['POST /account/pats.revoke'] = { body: {} }
    render(<Tokens />)
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'laptop' } })
    fireEvent.click(screen.getByLabelText('item:write'))
    expect(screen.queryByLabelText('admin:compliance:read')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }))
    await waitFor(() => expect(document.querySelector('[data-secret="Personal access token"]')?.textContent).toBe('rmp-abc.def'))
    expect(screen.getByText(/waiting for an administrator/)).toBeTruthy()
    expect(posts('/account/pats.create')[0]!.body).toEqual({ name: 'laptop', scopes: ['chat:read', 'chat:history', 'chat:send_message', 'item:write'] })
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke laptop' }))
    await waitFor(() => expect(posts('/account/pats.revoke')[0]?.body).toEqual({ id: 'p1' }))
  })
})
