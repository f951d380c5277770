import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { firstStart, welcomeText } from './actions/first-start.js'
import type { Config } from './config.js'
import { Dispatcher } from './events/dispatcher.js'
import { Sweeper } from './actions/sweeps.js'
import { withListenPort } from './public-url.js'
import { openDatabase } from './store/db.js'
import { prepareSqliteTarget } from './store/first-start.js'
import { migrateToLatest } from './store/migrate.js'

export interface ServeOptions {
  /** Create a new database where none exists (`atrium serve --init`); see prepareSqliteTarget. */
  init?: boolean
  /** Where the first-start credentials go; default stdout. */
  print?: (text: string) => void
}

/**
 * Runs the server: migrate, bootstrap an empty database, listen, and shut down gracefully on
 * SIGINT/SIGTERM: stop accepting connections, let in-flight requests and the webhook delivery
 * round finish within ATRIUM_SHUTDOWN_GRACE_MS, close the database, exit 0. Past the grace period
 * the remaining connections are cut and the exit code is 1.
 */
export async function serve(loaded: Config, options: ServeOptions = {}): Promise<FastifyInstance> {
  prepareSqliteTarget(loaded, { init: !!options.init })
  // Links are built from the address actually listened on: with PORT=0 the port is chosen first.
  const config = loaded.port === 0 ? withListenPort(loaded, await reservePort(loaded.host)) : loaded
  const db = openDatabase(config.database)
  let app: FastifyInstance
  let created: Awaited<ReturnType<typeof firstStart>>
  try {
    await migrateToLatest(db)
    created = await firstStart({ db, config })
    app = await buildApp(config, { db })
  } catch (err) {
    await db.destroy().catch(() => undefined)
    throw err
  }
  app.addHook('onClose', async () => db.destroy())
  // Webhook deliveries from the outbox; stops (finishing its round) before the database closes.
  const dispatcher = new Dispatcher({ db, config }, { log: app.log })
  app.addHook('preClose', async () => dispatcher.stop())
  // Unattached uploads, expired sessions and sign-in links; safe to run in every process.
  const sweeper = new Sweeper({ db, config }, app.log)
  app.addHook('preClose', async () => sweeper.stop())

  let closing = false
  const shutdown = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches both npm and the server, and npm passes it on again: once is enough.
    if (closing) return
    closing = true
    app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing in-flight requests and webhook deliveries')
    let cut = false
    const grace = setTimeout(() => {
      cut = true
      app.log.warn({ graceMs: config.shutdownGraceMs }, 'grace period over: closing the remaining connections')
      app.server.closeAllConnections()
      setTimeout(() => process.exit(1), 2_000).unref()
    }, config.shutdownGraceMs)
    grace.unref()
    app.close().then(
      () => process.exit(cut ? 1 : 0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown')
        process.exit(1)
      },
    )
  }
  // Closed by its owner (tests, embedding), not by a signal: forget the handlers. During a signalled
  // shutdown they stay, so a repeated Ctrl-C is ignored rather than killing the process mid-close.
  app.addHook('onClose', async () => {
    if (closing) return
    process.off('SIGINT', shutdown)
    process.off('SIGTERM', shutdown)
  })

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await app.close().catch(() => undefined)
    throw err
  }
  dispatcher.start()
  sweeper.start()
  if (created) (options.print ?? ((text: string) => process.stdout.write(text)))(welcomeText({ config }, created))

  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  return app
}

/** A port the system chooses for `host` (PORT=0), so links can name it before the server listens. */
async function reservePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}
