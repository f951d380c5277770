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

/** An app of the organization, by its bot address (B-…). */
export interface Bot {
  id: string
  name: string
  imageUrl: string | null
}

interface Office {
  rooms: Room[]
  people: Person[]
  bots: Bot[]
}

export interface OfficeState extends Office {
  reload(): Promise<void>
  set(office: { rooms: Room[]; people: Person[]; bots?: Bot[] }): void
}

const OfficeContext = createContext<OfficeState>({ rooms: [], people: [], bots: [], reload: async () => undefined, set: () => undefined })
export const useOffice = (): OfficeState => useContext(OfficeContext)

/** The organization's people and rooms, kept current by realtime presence/status/room events. */
export function OfficeProvider({ children }: { children: ReactNode }) {
  const [office, setOfficeState] = useState<Office>({ rooms: [], people: [], bots: [] })
  // Answers that carry the office (room.enter, room.leave) keep the bots known so far if they lack them.
  const setOffice = useCallback(
    (next: { rooms: Room[]; people: Person[]; bots?: Bot[] } | ((o: Office) => Office)) =>
      setOfficeState((o) => (typeof next === 'function' ? next(o) : { ...next, bots: next.bots ?? o.bots })),
    [],
  )
  const reload = useCallback(async () => setOffice(await get<Office>('/app/office.info')), [setOffice])
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
  }, [reload, setOffice])
  const directory = useMemo(() => {
    const everyone = [...office.people, ...office.bots]
    const names = new Map(everyone.map((p) => [p.id, p.name]))
    const pictures = new Map(everyone.map((p) => [p.id, p.imageUrl]))
    return { nameOf: (a: string) => names.get(a), pictureOf: (a: string) => pictures.get(a) }
  }, [office.people, office.bots])
  const value = useMemo(() => ({ ...office, reload, set: setOffice }), [office, reload, setOffice])
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
