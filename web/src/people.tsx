import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { get } from './api'
import { DirectoryContext } from './directory'
import { imageAllowed, useImagePolicy } from './imagePolicy'
import { realtime } from './realtime'

export interface Person {
  id: string
  name: string
  email: string
  imageUrl: string | null
  isAdmin: boolean
  jobTitle: string | null
  status: 'checkedIn' | 'checkedOut'
  presence: 'online' | 'away' | 'offline'
  room: string | null
}

export interface Room {
  id: string
  number: number
  name: string
  group: string | null
  position: number
}

export interface OfficeState {
  rooms: Room[]
  people: Person[]
  reload(): Promise<void>
  set(office: { rooms: Room[]; people: Person[] }): void
}

const OfficeContext = createContext<OfficeState>({ rooms: [], people: [], reload: async () => undefined, set: () => undefined })
export const useOffice = (): OfficeState => useContext(OfficeContext)

/** The organization's people and rooms, kept current by realtime presence/status/room events. */
export function OfficeProvider({ children }: { children: ReactNode }) {
  const [office, setOffice] = useState<{ rooms: Room[]; people: Person[] }>({ rooms: [], people: [] })
  const reload = useCallback(async () => setOffice(await get('/app/office.info')), [])
  useEffect(() => {
    void reload()
    return realtime.subscribe((f) => {
      if (f.type === 'office.presence.update') {
        const p = f.payload as { user: string; presence: Person['presence']; room: string | null }
        setOffice((o) => ({ ...o, people: o.people.map((x) => (x.id === p.user ? { ...x, presence: p.presence, room: p.room } : x)) }))
      } else if (f.type === 'user.status.update') {
        const u = f.payload as { id: string; status?: Person['status'] }
        setOffice((o) => ({ ...o, people: o.people.map((x) => (x.id === u.id && u.status ? { ...x, status: u.status } : x)) }))
      } else if (f.type === 'office.rooms.update' || f.type === 'resync' || f.type.startsWith('group.')) {
        void reload()
      }
    })
  }, [reload])
  const directory = useMemo(() => {
    const names = new Map(office.people.map((p) => [p.id, p.name]))
    return { nameOf: (a: string) => names.get(a) }
  }, [office.people])
  const value = useMemo(() => ({ ...office, reload, set: setOffice }), [office, reload])
  return (
    <OfficeContext.Provider value={value}>
      <DirectoryContext.Provider value={directory}>{children}</DirectoryContext.Provider>
    </OfficeContext.Provider>
  )
}

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}

export function Avatar({ person, size }: { person: Pick<Person, 'name' | 'imageUrl' | 'presence'>; size?: number }) {
  const style = size ? { width: size, height: size } : undefined
  // A picture the Content-Security-Policy would block (another origin, not allowed) is not requested: initials instead.
  const policy = useImagePolicy()
  const picture = person.imageUrl && imageAllowed(person.imageUrl, policy) ? person.imageUrl : null
  return (
    <span className="avatar" style={style} title={`${person.name} (${person.presence})`}>
      {picture ? <img src={picture} alt="" /> : <span aria-hidden="true">{initials(person.name)}</span>}
      <span className={`dot ${person.presence}`} aria-hidden="true" />
    </span>
  )
}
