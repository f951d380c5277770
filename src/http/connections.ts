import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Caps the connections one client address holds open at once. A connection over the cap is
 * destroyed as soon as it is accepted, before any byte is read, so a client opening thousands of
 * sockets holds at most `max` of them (and the header, request and keep-alive time limits close
 * those that stall). 0 = no cap.
 */
export function limitConnectionsPerAddress(server: Server, max: number, onRefused?: (address: string) => void): void {
  if (max <= 0) return
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown'
    const count = open.get(address) ?? 0
    if (count >= max) {
      socket.destroy()
      onRefused?.(address)
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else open.delete(address)
    })
  })
}
