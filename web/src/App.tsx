import { useEffect, useState } from 'react'
import { ApiError, get, post } from './api'
import { Link, RouterProvider, useRouter } from './router'
import { SessionContext, type SessionInfo } from './session'
import { Builder } from './pages/Builder'
import { Chat } from './pages/Chat'
import { Console } from './pages/Console'
import { Office } from './pages/Office'
import { People } from './pages/People'
import { Tokens } from './pages/Tokens'
import { OfficeProvider } from './people'
import { setCsrfToken } from './api'
import { realtime } from './realtime'
import { ImagePolicyContext } from './imagePolicy'
import { ConnectionNotice } from './components/ConnectionNotice'
import { NotificationCenter } from './components/Notifications'
import { ChatSwitcher } from './components/ChatSwitcher'

function signInUrl(): string {
  return `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`
}

function Shell({ session }: { session: SessionInfo }) {
  const { path } = useRouter()
  const [menuOpen, setMenuOpen] = useState(false)
  useEffect(() => setMenuOpen(false), [path])
  const { navigate } = useRouter()
  useEffect(() => {
    if (path === '/' || path === '/welcome') navigate('/office', { replace: true })
  }, [path, navigate])
  useEffect(() => {
    // Online while the tab is visible, away while hidden; the socket keeps the server informed.
    const onVisibility = () => void post('/app/presence.set', { presence: document.visibilityState === 'visible' ? 'online' : 'away' }).catch(() => undefined)
    document.addEventListener('visibilitychange', onVisibility)
    return () => document.removeEventListener('visibilitychange', onVisibility)
  }, [])
  let page: React.ReactNode
  if (path.startsWith('/builder')) page = <Builder />
  else if (path.startsWith('/chat')) page = <Chat />
  else if (path.startsWith('/console') && session.user.isAdmin) page = <Console />
  else if (path.startsWith('/tokens')) page = <Tokens />
  else if (path.startsWith('/people') && session.user.isAdmin) page = <People />
  else page = <Office />
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand" aria-label={`Atrium — ${session.org.name}`}>
          <span className="brand-mark" aria-hidden="true" />
          {session.org.name}
        </span>
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="primary-nav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <nav id="primary-nav" aria-label="Primary" className={menuOpen ? 'open' : ''}>
          <Link to="/office">Office</Link>
          <Link to="/chat">Chat</Link>
          <Link to="/builder">Block Kit builder</Link>
          {session.user.isAdmin && <Link to="/console">Developer console</Link>}
          {session.user.isAdmin && <Link to="/people">People</Link>}
          <Link to="/tokens">Access tokens</Link>
        </nav>
        <span className="me">
          {session.user.name}
          <button
            type="button"
            onClick={() => {
              realtime.close()
              void post('/logout').finally(() => {
                window.location.href = '/login'
              })
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      <NotificationCenter />
      <ChatSwitcher />
    </div>
  )
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    get<SessionInfo>('/app/session')
      .then((s) => {
        setCsrfToken(s.csrfToken)
        setSession(s)
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) window.location.href = signInUrl()
        else setError(e instanceof Error ? e.message : String(e))
      })
  }, [])
  if (error) return <p role="alert">Atrium is unreachable: {error}</p>
  if (!session)
    return (
      <>
        <p className="loading">Loading…</p>
        <ConnectionNotice />
      </>
    )
  return (
    <SessionContext.Provider value={session}>
      <ImagePolicyContext.Provider value={{ allowedOrigins: session.imageOrigins ?? [] }}>
        <RouterProvider>
          <OfficeProvider>
            <Shell session={session} />
          </OfficeProvider>
        </RouterProvider>
        <ConnectionNotice />
      </ImagePolicyContext.Provider>
    </SessionContext.Provider>
  )
}
