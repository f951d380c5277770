import path from 'node:path'
import { Type, type Static } from 'typebox'
import Value from 'typebox/value'
import ipaddr from 'ipaddr.js'
import { literalUrlProblem } from './net/outbound.js'
import { describeEnvProblems } from './config-problems.js'
import { publicBaseUrl } from './public-url.js'

/**
 * Every environment variable Atrium reads, with its type, default and meaning.
 * The README's configuration table documents the same list.
 */
/** `off`, or `attempts:seconds` tiers separated by commas (`5:60,20:3600`). */
const TIERS_PATTERN = '^(off|[1-9]\\d{0,5}:[1-9]\\d{0,6}(,[1-9]\\d{0,5}:[1-9]\\d{0,6}){0,3})$'

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to bind' }),
  ATRIUM_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^(postgres(ql)?://|sqlite:)',
      expected: 'postgres://user@host:5432/db, or sqlite:<path to a file>',
      description: 'postgres://… for PostgreSQL, or sqlite:<file>; default is SQLite under ATRIUM_DATA_DIR',
    }),
  ),
  ATRIUM_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Directory for the SQLite file and uploads' }),
  ATRIUM_PUBLIC_URL: Type.Optional(
    Type.String({ pattern: '^https?://[^\\s]+$', expected: 'an http:// or https:// URL without spaces', description: 'Base URL clients use to reach this server' }),
  ),
  ATRIUM_TRUST_PROXY: Type.String({
    minLength: 1,
    default: 'false',
    description:
      'Which peers may set X-Forwarded-For/-Proto/-Host: false (none), true (any), a number of proxy hops, or comma-separated addresses/CIDRs of your proxies',
  }),
  ATRIUM_REDIS_URL: Type.Optional(
    Type.String({ pattern: '^rediss?://', expected: 'a redis:// or rediss:// URL', description: 'Redis for shared rate limits and realtime fan-out' }),
  ),
  ATRIUM_REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_.:-]{1,64}$',
    expected: '1 to 64 letters, digits or _ . : -',
    default: 'atrium',
    description: 'Prefix of every Redis key and channel, so several deployments can share one Redis',
  }),
  ATRIUM_LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info' },
  ),
  ATRIUM_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest JSON request body in bytes' }),
  ATRIUM_JSON_MAX_DEPTH: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 64,
    description: 'Deepest nesting of arrays and objects a JSON request body may have (deeper → 400)',
  }),
  ATRIUM_RATE_LIMIT: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'off disables rate limiting (local development, benchmarks)',
  }),
  ATRIUM_RATE_LIMIT_BURST: Type.Integer({ minimum: 1, default: 10, description: 'Requests a credential may make at once' }),
  ATRIUM_RATE_LIMIT_PER_SECOND: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'Sustained requests per second per credential' }),
  ATRIUM_SESSION_RATE_LIMIT_BURST: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'Requests the web client of one signed-in person (all their tabs together) may make at once',
  }),
  ATRIUM_SESSION_RATE_LIMIT_PER_SECOND: Type.Number({
    exclusiveMinimum: 0,
    default: 20,
    description: 'Sustained requests per second for one signed-in person\'s web client (all tabs together)',
  }),
  ATRIUM_COOKIE_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      secret: true,
      expected: 'at least 32 characters',
      description: 'Signs CSRF cookies. Default: generated once and kept (a 0600 file `cookie-secret` in ATRIUM_DATA_DIR on SQLite, the database on PostgreSQL), so restarts and every process of a deployment share it',
    }),
  ),
  ATRIUM_METRICS_TOKEN: Type.Optional(
    Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$', description: 'Bearer token that may read /metrics from anywhere; without it only loopback callers (not through a proxy) may' }),
  ),
  ATRIUM_IMAGE_ORIGINS: Type.String({
    pattern: '^(|https?://[A-Za-z0-9.-]+(:\\d{1,5})?(,https?://[A-Za-z0-9.-]+(:\\d{1,5})?)*)$',
    default: '',
    description: 'Comma-separated origins (https://images.example.com) whose images message Markdown may show; other external images are shown as links and blocked by the Content-Security-Policy',
  }),
  ATRIUM_SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://[^\\s]+$',
      secret: true,
      expected: 'smtp://user:password@host:587 or smtps://host:465',
      description: 'SMTP server that sends invitation and sign-in links (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start); unset, links are shown to the administrator only',
    }),
  ),
  ATRIUM_MAIL_FROM: Type.Optional(
    Type.String({
      pattern: '^([^<>\\r\\n]{0,128}<[^\\s@<>]+@[^\\s@<>]+>|[^\\s@<>]+@[^\\s@<>]+)$',
      expected: 'an address (atrium@example.com) or a name and address (Atrium <atrium@example.com>)',
      description: 'Sender of the mail Atrium sends; default atrium@<host of the public URL>',
    }),
  ),
  ATRIUM_SIGNIN_ACCOUNT_LIMIT: Type.String({
    pattern: TIERS_PATTERN,
    default: '5:60,20:3600',
    description: 'Sign-in attempts per account (email): `attempts:seconds` tiers, each allowing that many at once and one more every that many seconds, so the wait grows; `off` disables',
  }),
  ATRIUM_PUBLIC_FORM_LIMIT: Type.String({
    pattern: TIERS_PATTERN,
    default: '30:2,300:60',
    description: 'Requests per client address to each unauthenticated form (sign-in, sign-in links, OAuth token, booking pages, meeting-link pages), as `attempts:seconds` tiers; `off` disables',
  }),
  ATRIUM_LOBBY_BOOKINGS_PER_DAY: Type.Integer({ minimum: 0, default: 100, description: 'Bookings one lobby accepts per day from its public page (refilled continuously); 0 = no cap' }),
  ATRIUM_PASSWORD_HASH_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Password hashes (scrypt) computed at once; more sign-ins wait their turn' }),
  ATRIUM_PASSWORD_HASH_QUEUE: Type.Integer({ minimum: 0, default: 32, description: 'Sign-ins that may wait for a password hash; beyond this they get 503 with Retry-After' }),
  ATRIUM_ALLOW_PRIVATE_URLS: Type.Boolean({
    default: false,
    description: 'Allow webhook, interactivity and relay URLs that resolve to private, loopback or link-local addresses',
  }),
  ATRIUM_WEBHOOK_RETRY_SCHEDULE: Type.String({
    pattern: '^(none|\\d+(,\\d+)*)$',
    expected: 'none, or whole numbers of seconds separated by commas (e.g. 5,300,1800)',
    default: '5,300,1800,7200,18000',
    description: 'Seconds between webhook delivery attempts, comma-separated; `none` never retries (Roam behaviour)',
  }),
  ATRIUM_WEBHOOK_DISABLE_AFTER: Type.Integer({
    minimum: 0,
    default: 20,
    description: 'Disable a webhook subscription after this many consecutive failed attempts; 0 never disables',
  }),
  ATRIUM_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 3000, description: 'Time limit of one webhook or interactivity request' }),
  ATRIUM_DISPATCH_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000, description: 'How often the webhook dispatcher polls the outbox' }),
  ATRIUM_HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'Time a client has to send the request line and headers; slower connections are answered 408 and closed',
  }),
  ATRIUM_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 60_000,
    description: 'Time a client has to send a whole request, body included (uploads); slower requests are answered 408 and closed, nothing is kept',
  }),
  ATRIUM_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000, description: 'How long an idle keep-alive connection stays open' }),
  ATRIUM_MAX_CONNECTIONS_PER_IP: Type.Integer({
    minimum: 0,
    default: 256,
    description: 'Open connections one client address may hold (websockets included); more are closed at once. 0 = no limit (behind a reverse proxy every client has its address)',
  }),
  ATRIUM_MAX_SOCKETS_PER_USER: Type.Integer({ minimum: 1, default: 20, description: 'Realtime websockets one person may hold open in one process; more are refused (close code 1008)' }),
  ATRIUM_UPLOAD_QUOTA_USER_BYTES: Type.Integer({
    minimum: 0,
    default: 1_073_741_824,
    description: 'Bytes of uploaded files one uploader (person or app bot) may keep; more is 413 quota_exceeded. 0 = no limit',
  }),
  ATRIUM_UPLOAD_QUOTA_ORG_BYTES: Type.Integer({
    minimum: 0,
    default: 10_737_418_240,
    description: 'Bytes of uploaded files the organization may keep; more is 413 quota_exceeded. 0 = no limit',
  }),
  ATRIUM_SWEEP_INTERVAL_MS: Type.Integer({
    minimum: 1000,
    default: 600_000,
    description: 'How often the server purges expired sessions and sign-in links and uploads never attached to a message within a day',
  }),
  ATRIUM_STREAM_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 60_000,
    description: 'A streamed message (/v1/chat.startStream) with no append for this long is finished by the sweep',
  }),
  ATRIUM_LLM_URL: Type.Optional(
    Type.String({ pattern: '^https?://[^\\s]+$', expected: 'an http:// or https:// URL without spaces', description: 'OpenAI-compatible server for transcript summaries and transcript.prompt (…/v1/chat/completions)' }),
  ),
  ATRIUM_LLM_MODEL: Type.Optional(Type.String({ minLength: 1, description: 'Model name sent to ATRIUM_LLM_URL (required with it)' })),
  ATRIUM_LLM_API_KEY: Type.Optional(Type.String({ minLength: 1, secret: true, description: 'Bearer key for ATRIUM_LLM_URL, if it needs one' })),
  ATRIUM_LLM_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'Time limit for one language-model call' }),
  ATRIUM_LLM_CHUNK_CHARS: Type.Integer({ minimum: 1000, default: 12_000, description: 'Largest transcript excerpt sent in one language-model call' }),
  ATRIUM_SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 10_000,
    description: 'On SIGTERM/SIGINT, how long in-flight requests and webhook deliveries may take to finish before their connections are cut',
  }),
})

type Env = Static<typeof EnvSchema>

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; schema?: string }

export interface Config {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly database: DatabaseConfig
  readonly publicUrl: string
  readonly redisUrl: string | undefined
  /** Fastify's `trustProxy`: whose X-Forwarded-* headers are believed (client address, protocol, host). */
  readonly trustProxy: TrustProxy
  /** Prefix of Redis keys and channels (`<prefix>:rl:…`, `<prefix>:realtime`). */
  readonly redisPrefix: string
  readonly logLevel: Env['ATRIUM_LOG_LEVEL']
  readonly bodyLimit: number
  /** Deepest nesting of arrays/objects accepted in a JSON request body. */
  readonly jsonMaxDepth: number
  readonly rateLimit: RateLimitConfig
  /**
   * The budget of a signed-in browser (session cookie), per person rather than per session so
   * several tabs share it; separate from every API credential's budget.
   */
  readonly sessionRateLimit: { readonly burst: number; readonly perSecond: number }
  /**
   * Secret for signed cookies (CSRF); undefined when not configured, and then buildApp uses the
   * deployment's generated one (see actions/server-secrets.ts).
   */
  readonly cookieSecret: string | undefined
  /** Bearer token for /metrics from non-loopback callers; undefined: loopback only. */
  readonly metricsToken: string | undefined
  /** Origins (besides our own) from which message Markdown may load images. */
  readonly imageOrigins: readonly string[]
  readonly throttle: ThrottleConfig
  readonly allowPrivateUrls: boolean
  readonly webhooks: WebhookConfig
  readonly llm?: LlmConfig | undefined
  /** ATRIUM_PUBLIC_URL as given (without trailing slashes); undefined when links use the listening address. */
  readonly explicitPublicUrl?: string | undefined
  /** How long a graceful shutdown waits for in-flight work before cutting connections. */
  readonly shutdownGraceMs: number
  readonly limits: LimitsConfig
  /** Outgoing mail (invitations, sign-in links); undefined without ATRIUM_SMTP_URL. */
  readonly mail?: MailConfig | undefined
}

/** Where and as whom Atrium sends mail. */
export interface MailConfig {
  /** smtp:// or smtps:// URL, credentials included. */
  readonly smtpUrl: string
  /** The From header. */
  readonly from: string
}

/** What one client, person or organization may hold of the server. */
export interface LimitsConfig {
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  /** Open connections per client address; 0 = no limit. */
  readonly maxConnectionsPerAddress: number
  /** Realtime websockets per person (per process). */
  readonly maxSocketsPerUser: number
  /** Stored upload bytes per uploader address; 0 = no limit. */
  readonly uploadQuotaUserBytes: number
  /** Stored upload bytes per organization; 0 = no limit. */
  readonly uploadQuotaOrgBytes: number
  readonly sweepIntervalMs: number
  /** Idle time after which an open message stream is finished. */
  readonly streamTimeoutMs: number
}

/** false: no proxy; true: any peer; a number: that many proxy hops; else the proxies' addresses/CIDRs. */
export type TrustProxy = boolean | number | string[]

/** ATRIUM_TRUST_PROXY → TrustProxy, or a problem naming what is wrong. */
function parseTrustProxy(value: string): TrustProxy | { problem: string } {
  const v = value.trim().toLowerCase()
  if (v === 'false') return false
  if (v === 'true') return true
  if (/^\d+$/.test(v)) return Number(v)
  const entries = v.split(',').map((e) => e.trim()).filter((e) => e !== '')
  const bad = entries.filter((e) => !(ipaddr.isValid(e) || isCidr(e)))
  if (entries.length === 0 || bad.length > 0) {
    return { problem: `ATRIUM_TRUST_PROXY: expected false, true, a number of hops, or comma-separated IP addresses/CIDRs (not ${bad.map((b) => JSON.stringify(b)).join(', ') || 'empty'})` }
  }
  return entries
}

/** The form Fastify's `trustProxy` option takes: a number of hops becomes "trust the nearest n". */
export function fastifyTrustProxy(t: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof t === 'number' ? (_address, hop) => hop < t : t
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value)
    return true
  } catch {
    return false
  }
}

export interface RateLimitConfig {
  readonly enabled: boolean
  /** Requests allowed at once. */
  readonly burst: number
  /** Sustained requests per second. */
  readonly perSecond: number
  /** Prefix of the limiter's Redis keys, so several deployments can share one Redis. */
  readonly keyPrefix: string
}

/** One tier of an attempt limit: `burst` at once, then one more every `everySeconds`. */
export interface AttemptTier {
  readonly burst: number
  readonly everySeconds: number
}

/** Limits of the unauthenticated surfaces (sign-in and public forms); empty tiers = no limit. */
export interface ThrottleConfig {
  /** Password sign-in attempts per account (email). */
  readonly account: readonly AttemptTier[]
  /** Requests per client address, per unauthenticated form. */
  readonly address: readonly AttemptTier[]
  /** Bookings per lobby per day from the public page; 0 = no cap. */
  readonly lobbyBookingsPerDay: number
  /** Password hashes computed at once. */
  readonly hashConcurrency: number
  /** Sign-ins waiting for a hash beyond which 503 is answered. */
  readonly hashQueue: number
}

export interface WebhookConfig {
  /** Seconds to wait before each retry; empty = no retries. */
  readonly retrySchedule: readonly number[]
  /** Consecutive failed attempts that disable a subscription; 0 = never. */
  readonly disableAfter: number
  readonly timeoutMs: number
  readonly pollMs: number
}

/** An OpenAI-compatible chat-completions endpoint; absent means the offline extractive methods. */
export interface LlmConfig {
  /** Full URL of the chat completions endpoint. */
  readonly url: string
  readonly model: string
  readonly apiKey: string | undefined
  readonly timeoutMs: number
  readonly chunkChars: number
  /** Whether the endpoint may be a private, loopback or link-local address (ATRIUM_ALLOW_PRIVATE_URLS). */
  readonly allowPrivateUrls?: boolean
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Reads and validates the environment once; lists every problem together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const parsed = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Env
  const problems = describeEnvProblems(EnvSchema.properties, parsed, raw)
  if (parsed.ATRIUM_MAIL_FROM !== undefined && parsed.ATRIUM_SMTP_URL === undefined) {
    problems.push('ATRIUM_MAIL_FROM is set but ATRIUM_SMTP_URL is not; expected an SMTP URL to send the mail through')
  }
  if (parsed.ATRIUM_LLM_URL !== undefined && parsed.ATRIUM_LLM_MODEL === undefined) {
    problems.push('ATRIUM_LLM_MODEL is not set; expected a model name, required when ATRIUM_LLM_URL is set')
  }
  if (parsed.ATRIUM_HEADERS_TIMEOUT_MS > parsed.ATRIUM_REQUEST_TIMEOUT_MS) {
    problems.push('ATRIUM_HEADERS_TIMEOUT_MS: must not exceed ATRIUM_REQUEST_TIMEOUT_MS (the headers are part of the request)')
  }
  if (parsed.ATRIUM_LLM_URL !== undefined) {
    const problem = literalUrlProblem(parsed.ATRIUM_LLM_URL, parsed.ATRIUM_ALLOW_PRIVATE_URLS)
    if (problem) problems.push(`ATRIUM_LLM_URL: ${problem}`)
  }
  const trustProxy = typeof parsed.ATRIUM_TRUST_PROXY === 'string' ? parseTrustProxy(parsed.ATRIUM_TRUST_PROXY) : false
  if (typeof trustProxy === 'object' && !Array.isArray(trustProxy)) problems.push(trustProxy.problem)
  if (problems.length > 0) throw new ConfigError(problems)
  return buildConfig(parsed, trustProxy as TrustProxy)
}

function buildConfig(env: Env, trustProxy: TrustProxy): Config {
  const dataDir = path.resolve(env.ATRIUM_DATA_DIR)
  const url = env.ATRIUM_DATABASE_URL
  const database: DatabaseConfig =
    url === undefined
      ? { dialect: 'sqlite', file: path.join(dataDir, 'atrium.db') }
      : url.startsWith('sqlite:')
        ? { dialect: 'sqlite', file: url === 'sqlite::memory:' ? ':memory:' : path.resolve(url.slice('sqlite:'.length)) }
        : { dialect: 'postgres', url }
  const explicitPublicUrl = env.ATRIUM_PUBLIC_URL?.replace(/\/+$/, '')
  const publicUrl = publicBaseUrl(explicitPublicUrl, env.HOST, env.PORT)
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    dataDir,
    database,
    publicUrl,
    explicitPublicUrl,
    redisUrl: env.ATRIUM_REDIS_URL,
    trustProxy,
    redisPrefix: env.ATRIUM_REDIS_PREFIX,
    logLevel: env.ATRIUM_LOG_LEVEL,
    bodyLimit: env.ATRIUM_BODY_LIMIT,
    jsonMaxDepth: env.ATRIUM_JSON_MAX_DEPTH,
    rateLimit: Object.freeze({
      enabled: env.ATRIUM_RATE_LIMIT === 'on',
      burst: env.ATRIUM_RATE_LIMIT_BURST,
      perSecond: env.ATRIUM_RATE_LIMIT_PER_SECOND,
      keyPrefix: `${env.ATRIUM_REDIS_PREFIX}:rl`,
    }),
    sessionRateLimit: Object.freeze({ burst: env.ATRIUM_SESSION_RATE_LIMIT_BURST, perSecond: env.ATRIUM_SESSION_RATE_LIMIT_PER_SECOND }),
    cookieSecret: env.ATRIUM_COOKIE_SECRET,
    metricsToken: env.ATRIUM_METRICS_TOKEN,
    imageOrigins: Object.freeze(env.ATRIUM_IMAGE_ORIGINS === '' ? [] : env.ATRIUM_IMAGE_ORIGINS.split(',').map((o) => new URL(o).origin)),
    throttle: Object.freeze({
      account: parseTiers(env.ATRIUM_SIGNIN_ACCOUNT_LIMIT),
      address: parseTiers(env.ATRIUM_PUBLIC_FORM_LIMIT),
      lobbyBookingsPerDay: env.ATRIUM_LOBBY_BOOKINGS_PER_DAY,
      hashConcurrency: env.ATRIUM_PASSWORD_HASH_CONCURRENCY,
      hashQueue: env.ATRIUM_PASSWORD_HASH_QUEUE,
    }),
    allowPrivateUrls: env.ATRIUM_ALLOW_PRIVATE_URLS,
    webhooks: Object.freeze({
      retrySchedule: env.ATRIUM_WEBHOOK_RETRY_SCHEDULE === 'none' ? [] : env.ATRIUM_WEBHOOK_RETRY_SCHEDULE.split(',').map(Number),
      disableAfter: env.ATRIUM_WEBHOOK_DISABLE_AFTER,
      timeoutMs: env.ATRIUM_WEBHOOK_TIMEOUT_MS,
      pollMs: env.ATRIUM_DISPATCH_INTERVAL_MS,
    }),
    llm: llmConfig(env),
    mail: env.ATRIUM_SMTP_URL === undefined ? undefined : Object.freeze({ smtpUrl: env.ATRIUM_SMTP_URL, from: env.ATRIUM_MAIL_FROM ?? `atrium@${new URL(publicUrl).hostname}` }),
    limits: Object.freeze({
      headersTimeoutMs: env.ATRIUM_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.ATRIUM_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.ATRIUM_KEEP_ALIVE_TIMEOUT_MS,
      maxConnectionsPerAddress: env.ATRIUM_MAX_CONNECTIONS_PER_IP,
      maxSocketsPerUser: env.ATRIUM_MAX_SOCKETS_PER_USER,
      uploadQuotaUserBytes: env.ATRIUM_UPLOAD_QUOTA_USER_BYTES,
      uploadQuotaOrgBytes: env.ATRIUM_UPLOAD_QUOTA_ORG_BYTES,
      sweepIntervalMs: env.ATRIUM_SWEEP_INTERVAL_MS,
      streamTimeoutMs: env.ATRIUM_STREAM_TIMEOUT_MS,
    }),
    shutdownGraceMs: env.ATRIUM_SHUTDOWN_GRACE_MS,
  })
}

function parseTiers(value: string): readonly AttemptTier[] {
  if (value === 'off') return Object.freeze([])
  return Object.freeze(value.split(',').map((t) => {
    const [burst, every] = t.split(':').map(Number)
    return Object.freeze({ burst: burst!, everySeconds: every! })
  }))
}

function llmConfig(env: Env): LlmConfig | undefined {
  if (env.ATRIUM_LLM_URL === undefined || env.ATRIUM_LLM_MODEL === undefined) return undefined
  const base = env.ATRIUM_LLM_URL.replace(/\/+$/, '')
  // Accept the server root, its /v1 base, or the full endpoint.
  const url = base.endsWith('/chat/completions') ? base : base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/chat/completions`
  return {
    url,
    model: env.ATRIUM_LLM_MODEL,
    apiKey: env.ATRIUM_LLM_API_KEY,
    timeoutMs: env.ATRIUM_LLM_TIMEOUT_MS,
    chunkChars: env.ATRIUM_LLM_CHUNK_CHARS,
    allowPrivateUrls: env.ATRIUM_ALLOW_PRIVATE_URLS,
  }
}

