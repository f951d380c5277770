import { createContext, useCallback, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/** A minimal history-API router: the server answers index.html for every client route. */
interface RouterState {
  path: string
  navigate(to: string, opts?: { replace?: boolean }): void
}

const RouterContext = createContext<RouterState>({ path: '/', navigate: () => undefined })

export function RouterProvider({ children }: { children: React.ReactNode }) {
  const [path, setPath] = useState(() => window.location.pathname)
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname)
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])
  const navigate = useCallback((to: string, opts?: { replace?: boolean }) => {
    if (opts?.replace) window.history.replaceState(null, '', to)
    else window.history.pushState(null, '', to)
    setPath(new URL(to, window.location.href).pathname)
  }, [])
  return <RouterContext.Provider value={{ path, navigate }}>{children}</RouterContext.Provider>
}

export const useRouter = (): RouterState => useContext(RouterContext)

/** An in-app link: a real <a href> (keyboard, middle-click and copy work) that navigates without a reload. */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate, path } = useRouter()
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(to)
  }
  const current = path === to || (to !== '/' && path.startsWith(`${to}/`))
  return <a href={to} aria-current={current ? 'page' : undefined} {...rest} onClick={onClick} />
}
