import { useState, type FormEvent } from 'react'
import { post } from '../api'
import { Link } from '../router'
import { Avatar, useOffice } from '../people'
import { useSession } from '../session'

/** The floor: rooms with who is in them; enter/leave; presence and check-in; admins arrange rooms. */
export function Office() {
  const { user } = useSession()
  const office = useOffice()
  const [error, setError] = useState<string | null>(null)
  const me = office.people.find((p) => p.id === user.address)
  const rooms = [...office.rooms].sort((a, b) => a.position - b.position || a.number - b.number)
  const lobby = office.people.filter((p) => !p.room)

  const act = async (fn: () => Promise<unknown>) => {
    setError(null)
    try {
      await fn()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const enter = (room: string) => act(async () => office.set(await post('/app/room.enter', { room })))
  const leave = () => act(async () => office.set(await post('/app/room.leave')))
  const setPresence = (presence: 'online' | 'away') => act(async () => { await post('/app/presence.set', { presence }); await office.reload() })
  const setStatus = (status: 'checkedIn' | 'checkedOut') => act(async () => { await post('/app/status.set', { status }); await office.reload() })

  return (
    <div className="office">
      <div className="office-bar">
        <h1>Office</h1>
        <label>
          Presence{' '}
          <select aria-label="Presence" value={me?.presence === 'away' ? 'away' : 'online'} onChange={(e) => void setPresence(e.target.value as 'online' | 'away')}>
            <option value="online">Online</option>
            <option value="away">Away</option>
          </select>
        </label>
        <button type="button" className={me?.status === 'checkedIn' ? '' : 'primary'} aria-pressed={me?.status === 'checkedIn'} onClick={() => void setStatus(me?.status === 'checkedIn' ? 'checkedOut' : 'checkedIn')}>
          {me?.status === 'checkedIn' ? 'Check out' : 'Check in'}
        </button>
        <span className="muted">{me?.status === 'checkedIn' ? 'You are checked in.' : 'You are checked out.'}</span>
        {me?.room && (
          <button type="button" onClick={() => void leave()}>
            Leave room
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {rooms.length === 0 && <p className="muted">No rooms on the floor yet.{user.isAdmin ? ' Add one below.' : ' An administrator can add them.'}</p>}
      <ul className="floor" aria-label="Rooms">
        {rooms.map((room) => {
          const here = office.people.filter((p) => p.room === room.id)
          const mine = me?.room === room.id
          return (
            <li key={room.id} className={`room${mine ? ' here' : ''}`} aria-label={`${room.name}, ${here.length} ${here.length === 1 ? 'person' : 'people'}`}>
              <h3>
                <span>{room.name}</span>
                <span className="muted">#{room.number}</span>
              </h3>
              <ul className="occupants">
                {here.map((p) => (
                  <li key={p.id}>
                    <Avatar person={p} />
                    <span className="visually-hidden">{p.name}</span>
                  </li>
                ))}
                {here.length === 0 && <li className="muted">Empty</li>}
              </ul>
              <div className="room-actions">
                {mine ? (
                  <button type="button" onClick={() => void leave()}>
                    Leave
                  </button>
                ) : (
                  <button type="button" className="primary" onClick={() => void enter(room.id)} aria-label={`Enter ${room.name}`}>
                    Enter
                  </button>
                )}
                {room.group && <Link to={`/chat/${room.group}`}>Room chat</Link>}
              </div>
            </li>
          )
        })}
      </ul>
      <section className="card" aria-labelledby="lobby-title" style={{ marginTop: '1rem' }}>
        <h2 id="lobby-title">Not in a room</h2>
        <ul className="occupants" style={{ display: 'flex', gap: '0.75rem', flexWrap: 'wrap', listStyle: 'none', padding: 0 }}>
          {lobby.map((p) => (
            <li key={p.id} style={{ display: 'flex', gap: '0.4rem', alignItems: 'center' }}>
              <Avatar person={p} /> {p.name}
              {p.status === 'checkedIn' && <span className="muted">· checked in</span>}
            </li>
          ))}
        </ul>
      </section>
      {user.isAdmin && <ArrangeRooms />}
    </div>
  )
}

function ArrangeRooms() {
  const office = useOffice()
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await post('/admin/rooms.create', { name })
      setName('')
      await office.reload()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const move = async (id: string, position: number) => {
    await post('/admin/rooms.update', { id, position })
    await office.reload()
  }
  const remove = async (id: string) => {
    await post('/admin/rooms.delete', { id })
    await office.reload()
  }
  const rooms = [...office.rooms].sort((a, b) => a.position - b.position || a.number - b.number)
  return (
    <section className="card" aria-labelledby="arrange-title" style={{ marginTop: '1rem' }}>
      <h2 id="arrange-title">Arrange the floor</h2>
      <form onSubmit={submit} className="row" style={{ display: 'flex' }}>
        <label htmlFor="room-name">New room</label>
        <input id="room-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required />
        <button type="submit" className="primary">
          Add room
        </button>
      </form>
      {error && <p className="error">{error}</p>}
      <ol>
        {rooms.map((r, i) => (
          <li key={r.id} className="row" style={{ display: 'flex', gap: '0.5rem', alignItems: 'center', margin: '0.25rem 0' }}>
            <span style={{ flex: 1 }}>{r.name}</span>
            <button type="button" disabled={i === 0} onClick={() => void move(r.id, rooms[i - 1]!.position - 1)} aria-label={`Move ${r.name} earlier`}>
              ↑
            </button>
            <button type="button" disabled={i === rooms.length - 1} onClick={() => void move(r.id, rooms[i + 1]!.position + 1)} aria-label={`Move ${r.name} later`}>
              ↓
            </button>
            <button type="button" className="danger" onClick={() => void remove(r.id)} aria-label={`Remove ${r.name}`}>
              Remove
            </button>
          </li>
        ))}
      </ol>
    </section>
  )
}
