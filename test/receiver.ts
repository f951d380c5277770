import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface ReceivedRequest {
  path: string
  headers: Record<string, string>
  body: string
}

export interface ScriptedAnswer {
  status: number
  body?: string
  /** Wait this long before answering (to exceed the delivery time limit). */
  delayMs?: number
}

/**
 * A real HTTP endpoint on 127.0.0.1 that records every request and answers from a script
 * (request number → answer; 200 by default).
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = []
  private constructor(
    private readonly server: http.Server,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {}

  static async start(script: (n: number, req: ReceivedRequest) => ScriptedAnswer = () => ({ status: 200 })): Promise<Receiver> {
    const timers = new Set<NodeJS.Timeout>()
    const holder: { receiver?: Receiver } = {}
    const server = http.createServer((req, res) => {
      const receiver = holder.receiver
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const received: ReceivedRequest = {
          path: req.url ?? '/',
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
        }
        receiver!.requests.push(received)
        const answer = script(receiver!.requests.length, received)
        const send = () => {
          if (res.destroyed) return
          res.writeHead(answer.status, { 'content-type': 'text/plain' })
          res.end(answer.body ?? 'ok')
        }
        if (answer.delayMs) {
          const t = setTimeout(() => {
            timers.delete(t)
            send()
          }, answer.delayMs)
          timers.add(t)
        } else send()
      })
    })
    const receiver = new Receiver(server, timers)
    holder.receiver = receiver
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return receiver
  }

  url(path = '/hook'): string {
    const { port } = this.server.address() as AddressInfo
    return `http://127.0.0.1:${port}${path}`
  }

  /** Verifies a request with the standardwebhooks library and returns the parsed body. */
  static verify(secret: string, req: ReceivedRequest): unknown {
    return new Webhook(secret).verify(req.body, req.headers)
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
