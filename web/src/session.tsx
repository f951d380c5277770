import { createContext, useContext } from 'react'

export interface Me {
  id: string
  address: string
  name: string
  email: string
  isAdmin: boolean
  status: 'checkedIn' | 'checkedOut'
  presence: 'online' | 'away' | 'offline'
  imageUrl?: string | null
}

export interface SessionInfo {
  user: Me
  org: { id: string; name: string }
  csrfToken: string
  /** Origins besides this one whose images messages may show. */
  imageOrigins?: string[]
}

export const SessionContext = createContext<SessionInfo | null>(null)

export function useSession(): SessionInfo {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a signed-in view')
  return s
}
