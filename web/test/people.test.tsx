import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { People, type AdminPerson } from '../src/pages/People'
import { SessionContext, type SessionInfo } from '../src/session'

/** The administrators' People page against a scripted server. */

const me: AdminPerson = { id: 'U-00000000-0000-4000-8000-0000000000a0', email: 'root@example.com', name: 'Root', isAdmin: true, active: true, createdAt: '2026-01-01T00:00:00Z' }
const ada: AdminPerson = { id: 'U-00000000-0000-4000-8000-0000000000a1', email: 'ada@example.com', name: 'Ada', isAdmin: false, active: true, createdAt: '2026-01-02T00:00:00Z' }
const session = { user: { id: me.id, address: me.id, name: me.name, email: me.email, isAdmin: true, status: 'checkedIn', presence: 'online' }, org: { id: 'o', name: 'Org' }, csrfToken: 't' } as SessionInfo
const LINK = 'http://atrium.test/login/link?token=' + 'a'.repeat(43)

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function serve(routes: Record<string, (body: Record<string, unknown> | undefined, url: URL) => unknown>, posts: Array<[string, unknown]>) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, 'http://atrium.test')
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined
      if (init?.method === 'POST') posts.push([url.pathname, body])
      const answer = routes[url.pathname]
      if (!answer) return new Response(JSON.stringify({ error: 'Not found.' }), { status: 404 })
      return new Response(JSON.stringify(answer(body, url)), { status: 200 })
    }),
  )
}

const renderPage = () =>
  render(
    <SessionContext.Provider value={session}>
      <People />
    </SessionContext.Provider>,
  )

describe('People', () => {
  it('invites a person and shows their one-time link once, with a copy button', async () => {
    const posts: Array<[string, unknown]> = []
    let people = [me, ada]
    serve(
      {
        '/admin/users.list': () => ({ users: people }),
        '/admin/users.invite': (b) => {
          const user = { ...ada, id: 'U-00000000-0000-4000-8000-0000000000a2', email: String(b!.email), name: String(b!.name) }
          people = [...people, user]
          return { user, signinLink: LINK, expiresAt: '2026-01-03T00:00:00Z', emailed: false }
        },
      },
      posts,
    )
    renderPage()
    await screen.findByRole('cell', { name: 'ada@example.com' })
    // No deactivating oneself.
    expect(screen.queryByRole('button', { name: 'Deactivate Root' })).toBeNull()
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Bea' } })
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'bea@example.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    await screen.findByText(LINK)
    expect(screen.getByText(/no mail server is configured/)).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy()
    await screen.findByRole('cell', { name: 'bea@example.com' })
    expect(posts).toEqual([['/admin/users.invite', { email: 'bea@example.com', name: 'Bea', isAdmin: false }]])
  })

  it('deactivates only after confirmation, and lists and revokes sessions and tokens', async () => {
    const posts: Array<[string, unknown]> = []
    let people = [me, ada]
    let sessions = [{ id: 'f'.repeat(32), createdAt: '2026-01-02T10:00:00Z', expiresAt: '2026-01-09T10:00:00Z' }]
    serve(
      {
        '/admin/users.list': () => ({ users: people }),
        '/admin/users.deactivate': () => {
          people = people.map((p) => (p.id === ada.id ? { ...p, active: false } : p))
          return { user: { ...ada, active: false } }
        },
        '/admin/users.sessions': () => ({ sessions }),
        '/admin/users.sessions.revoke': () => {
          sessions = []
          return { revoked: 1 }
        },
        '/admin/pats.list': (_b, url) => ({
          tokens: url.searchParams.get('user') === ada.id ? [{ id: 'p1', kind: 'pat', user: ada.id, name: 'ci', scopes: ['chat:read'], status: 'active', createdAt: '2026-01-02T00:00:00Z' }] : [],
        }),
        '/admin/pats.revoke': () => ({}),
      },
      posts,
    )
    renderPage()
    const deactivate = await screen.findByRole('button', { name: 'Deactivate Ada' })
    vi.stubGlobal('confirm', vi.fn(() => false))
    fireEvent.click(deactivate)
    expect(posts).toEqual([])
    vi.stubGlobal('confirm', vi.fn(() => true))
    fireEvent.click(deactivate)
    await screen.findByRole('button', { name: 'Reactivate Ada' })
    expect(within(screen.getByRole('table', { name: 'People of the organization' })).getByText('Deactivated')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Sessions and tokens of Ada' }))
    const list = await screen.findByRole('list', { name: 'Sessions of Ada' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(1)
    fireEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }))
    await screen.findByText('Not signed in anywhere.')
    fireEvent.click(screen.getByRole('button', { name: 'Revoke ci' }))
    await waitFor(() => expect(posts.map((p) => p[0])).toContain('/admin/pats.revoke'))
    expect(posts).toEqual([
      ['/admin/users.deactivate', { id: ada.id }],
      ['/admin/users.sessions.revoke', { id: ada.id }],
      ['/admin/pats.revoke', { id: 'p1' }],
    ])
  })
})
