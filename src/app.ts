import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import { adminRoutes } from './api/admin/index.js'
import { v0Routes } from './api/v0/index.js'
import { atriumRoutes } from './api/atrium/index.js'
import { avatarRoutes } from './api/avatars.js'
import { healthRoutes } from './api/health.js'
import { fileRoutes } from './api/files.js'
import { scimRoutes } from './api/scim/index.js'
import { roomlioRoutes } from './api/roomlio/index.js'
import { v1Routes } from './api/v1/index.js'
import { relayRoutes } from './api/relay.js'
import { loggerOptions } from './http/logging.js'
import { fastifyTrustProxy, type Config } from './config.js'
import type { Context } from './context.js'
import { authPlugin, installRouteTable } from './http/auth.js'
import { limitConnectionsPerAddress } from './http/connections.js'
import { RateLimiter } from './http/ratelimit.js'
import { Throttle } from './http/throttle.js'
import { loginRoutes } from './pages/login.js'
import { meetingPageRoutes } from './pages/meetings.js'
import { oauthRoutes } from './api/oauth/index.js'
import { accountRoutes } from './api/account/index.js'
import { formatValidation, installErrorHandling, MAX_PARAM_LENGTH, sendFrameworkError } from './http/errors.js'
import { metricsPlugin } from './http/metrics.js'
import { securityHeaders } from './http/security-headers.js'
import { installInputLimits } from './http/input.js'
import { inputValidators, parseForm } from './http/validation.js'
import { apiDocuments } from './http/openapi.js'
import { apiReferenceRoutes } from './pages/docs.js'
import { ErrorBody } from './http/schemas.js'
import { webClient } from './http/web.js'
import { appRoutes } from './api/app/index.js'
import { openDatabase, type Db } from './store/db.js'
import type { EventBus } from './events/bus.js'
import { openEventBus } from './events/redis-bus.js'
import { storageFor, type FileStorage } from './storage/index.js'
import { setGaugeSource } from './metrics.js'
import { countPendingDeliveries } from './store/repos/webhooks.js'
import { cookieSecretFor } from './actions/server-secrets.js'
import { DeferredCookieSigner } from './http/cookie-signer.js'

export interface AppDeps {
  /** An open database; when absent buildApp opens one from config and closes it on shutdown. */
  db?: Db
  logger?: FastifyServerOptions['logger']
  /** Directory of the built web client; defaults to web/dist. */
  webRoot?: string
  /** Where uploaded files go; default: the database on PostgreSQL, the data directory on SQLite. */
  storage?: FileStorage
  /** Realtime event bus; default: Redis pub/sub with ATRIUM_REDIS_URL, else in-process. */
  bus?: EventBus
  /**
   * Schema compilers (Fastify's `schemaController.compilersFactory`). Default: fresh Ajv validators
   * (`inputValidators`: JSON bodies strict, the text parts of a request coerced) and
   * fast-json-stringify per app. A process that builds many apps (the test suite) passes one shared
   * set, built the same way, so each route schema is compiled once per process rather than once per app.
   */
  compilers?: SchemaCompilers
}

export type SchemaCompilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

/** Builds the HTTP application. Never listens: server.ts does, tests use `app.inject`. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const ownsDb = deps.db === undefined
  const db = deps.db ?? openDatabase(config.database)
  const app = Fastify({
    logger: loggerOptions(config.logLevel, deps.logger),
    bodyLimit: config.bodyLimit,
    // Slow clients cannot hold the server: headers, whole requests (uploads) and idle keep-alive
    // connections each have a time limit; Node checks them every `connectionsCheckingInterval`.
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    requestTimeout: config.limits.requestTimeoutMs,
    http: {
      headersTimeout: config.limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.limits.headersTimeoutMs / 2)),
    },
    trustProxy: fastifyTrustProxy(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: sendFrameworkError,
    // Coercion is chosen per request part by inputValidators (src/http/validation.ts).
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    schemaErrorFormatter: formatValidation,
    schemaController: { compilersFactory: deps.compilers ?? { buildValidator: inputValidators() } },
  })
  if (ownsDb) app.addHook('onClose', async () => db.destroy())
  limitConnectionsPerAddress(app.server, config.limits.maxConnectionsPerAddress, (address) =>
    app.log.debug({ address }, `connection refused: over ATRIUM_MAX_CONNECTIONS_PER_IP (${config.limits.maxConnectionsPerAddress})`),
  )
  const bus = deps.bus ?? (await openEventBus(config, (err) => app.log.warn({ err }, 'realtime bus: Redis unreachable; typing reaches only this process')))
  const ctx: Context = { db, config, storage: deps.storage ?? storageFor(config, db), bus }
  if (!deps.bus) app.addHook('onClose', async () => bus.close())
  const removeQueueGauge = setGaugeSource('atrium_webhook_queue_depth', 'Webhook deliveries waiting to be sent (pending, of active subscriptions; shared by every process on the database)', () => countPendingDeliveries(db))
  app.addHook('onClose', async () => removeQueueGauge())

  installRouteTable(app)
  installErrorHandling(app)
  installInputLimits(app, config.jsonMaxDepth)
  await app.register(securityHeaders, { config })
  await app.register(metricsPlugin, { token: config.metricsToken })
  app.addSchema(ErrorBody)

  await app.register(apiDocuments, { ctx })
  await app.register(apiReferenceRoutes, { ctx })

  const cookieSigner = new DeferredCookieSigner(() => cookieSecretFor(config, db))
  await cookieSigner.ready().catch((err: unknown) => app.log.warn({ err }, 'cookie secret: not loaded yet; retried on each request'))
  app.addHook('onRequest', async () => cookieSigner.ready().catch(() => undefined))
  await app.register(cookie, { secret: cookieSigner })
  await app.register(formbody, { bodyLimit: 65_536, parser: parseForm })
  await app.register(csrf, { sessionPlugin: '@fastify/cookie', cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true } })
  const limiter = await RateLimiter.create(config.rateLimit, config.redisUrl)
  app.addHook('onClose', async () => limiter.close())
  const throttle = new Throttle(limiter, config.throttle)
  await app.register(authPlugin, { ctx, limiter })
  await app.register(v0Routes, { prefix: '/v0', ctx })
  await app.register(atriumRoutes, { prefix: '/atrium', ctx })
  await app.register(adminRoutes, { prefix: '/admin', ctx })
  await app.register(relayRoutes, { ctx, limiter })
  await app.register(avatarRoutes, { ctx })
  await app.register(loginRoutes, { ctx, throttle })
  await app.register(meetingPageRoutes, { ctx, throttle })
  await app.register(oauthRoutes, { ctx, throttle })
  await app.register(accountRoutes, { prefix: '/account', ctx })
  await app.register(fileRoutes, { ctx })
  await app.register(scimRoutes, { prefix: '/scim/v2', ctx })
  await app.register(roomlioRoutes, { prefix: '/rpc', ctx })
  await app.register(v1Routes, { prefix: '/v1', ctx })

  await app.register(healthRoutes, { ctx })
  await app.register(appRoutes, { prefix: '/app', ctx })
  await app.register(webClient, { root: deps.webRoot })

  return app
}
