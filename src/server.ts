import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { bootstrap, DEFAULT_ADMIN_EMAIL } from './actions/bootstrap.js'
import { createSigninLink, setPassword } from './actions/sessions.js'
import { randomToken } from './secrets.js'
import type { Config } from './config.js'
import { Dispatcher } from './events/dispatcher.js'
import { Sweeper } from './actions/sweeps.js'
import { openDatabase } from './store/db.js'
import { migrateToLatest } from './store/migrate.js'

/**
 * Runs the server: migrate, bootstrap an empty database, listen, and shut down cleanly on
 * SIGINT/SIGTERM (in-flight requests finish, the database closes).
 */
export async function serve(config: Config): Promise<FastifyInstance> {
  const db = openDatabase(config.database)
  await migrateToLatest(db)
  const boot = await bootstrap({ db, config })
  const app = await buildApp(config, { db })
  app.addHook('onClose', async () => db.destroy())
  // Webhook deliveries from the outbox; stops (finishing its round) before the database closes.
  const dispatcher = new Dispatcher({ db, config }, { log: app.log })
  app.addHook('preClose', async () => dispatcher.stop())
  // Unattached uploads, expired sessions and sign-in links; safe to run in every process.
  const sweeper = new Sweeper({ db, config }, app.log)
  app.addHook('preClose', async () => sweeper.stop())

  // The first admin gets a generated password, printed once, so the web client is one step away.
  const adminPassword = boot.created ? randomToken(20) : undefined
  if (boot.created && adminPassword) await setPassword({ db, config }, boot.organization.id, boot.created.admin.id, adminPassword)
  const signinLink = boot.created ? (await createSigninLink({ db, config }, boot.organization.id, boot.created.admin.id)).url : undefined

  await app.listen({ port: config.port, host: config.host })
  dispatcher.start()
  sweeper.start()
  if (boot.created) printWelcome(config, boot.created.apiKey, adminPassword, signinLink)

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => process.exit(1), 10_000)
    timer.unref()
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  return app
}

function printWelcome(config: Config, apiKey: string, adminPassword?: string, signinLink?: string): void {
  const lines = [
    '',
    'Atrium created a new organization.',
    `  Admin user:       ${DEFAULT_ADMIN_EMAIL}`,
    ...(signinLink ? [`  Sign in now:      ${signinLink}`, '                    (one-time link, valid for 24 hours)'] : []),
    ...(adminPassword ? [`  Admin password:   ${adminPassword}   (shown only this once)`, `  Web client:       ${config.publicUrl}/  — sign in with the email and password above`] : []),
    '  Organization API key (holds every scope; shown only this once):',
    '',
    `    ${apiKey}`,
    '',
    '  Try it:',
    `    curl -H "Authorization: Bearer ${apiKey}" ${config.publicUrl}/v0/token.info`,
    '',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
