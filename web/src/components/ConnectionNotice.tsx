import { useSyncExternalStore } from 'react'
import { connection, onConnectionChange } from '../api'

/** The API connection as React state: `reconnecting` while a request waits to be retried. */
export function useConnection(): 'connected' | 'reconnecting' {
  return useSyncExternalStore(onConnectionChange, connection)
}

/**
 * A small, polite notice while requests are being retried (the server asked us to slow down, or
 * cannot be reached). The page stays usable; it goes away by itself once requests get through.
 */
export function ConnectionNotice() {
  const state = useConnection()
  return (
    <div className="connection-notice" role="status" aria-live="polite">
      {state === 'reconnecting' && <span className="reconnecting">Reconnecting…</span>}
    </div>
  )
}
