import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { Type, type Static } from 'typebox'
import Value from 'typebox/value'

/**
 * Every environment variable Atrium reads, with its type, default and meaning.
 * The README's configuration table documents the same list.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to bind' }),
  ATRIUM_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^(postgres(ql)?://|sqlite:)',
      description: 'postgres://… for PostgreSQL, or sqlite:<file>; default is SQLite under ATRIUM_DATA_DIR',
    }),
  ),
  ATRIUM_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Directory for the SQLite file and uploads' }),
  ATRIUM_PUBLIC_URL: Type.Optional(
    Type.String({ pattern: '^https?://[^\\s]+$', description: 'Base URL clients use to reach this server' }),
  ),
  ATRIUM_REDIS_URL: Type.Optional(
    Type.String({ pattern: '^rediss?://', description: 'Redis for shared rate limits and realtime fan-out' }),
  ),
  ATRIUM_REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_.:-]{1,64}$',
    default: 'atrium',
    description: 'Prefix of every Redis key and channel, so several deployments can share one Redis',
  }),
  ATRIUM_LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info' },
  ),
  ATRIUM_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest JSON request body in bytes' }),
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
    Type.String({ minLength: 32, description: 'Signs CSRF cookies; set the same value on every process (default: random per process)' }),
  ),
  ATRIUM_ALLOW_PRIVATE_URLS: Type.Boolean({
    default: false,
    description: 'Allow webhook, interactivity and relay URLs that resolve to private, loopback or link-local addresses',
  }),
  ATRIUM_WEBHOOK_RETRY_SCHEDULE: Type.String({
    pattern: '^(none|\\d+(,\\d+)*)$',
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
  ATRIUM_LLM_URL: Type.Optional(
    Type.String({ pattern: '^https?://[^\\s]+$', description: 'OpenAI-compatible server for transcript summaries and transcript.prompt (…/v1/chat/completions)' }),
  ),
  ATRIUM_LLM_MODEL: Type.Optional(Type.String({ minLength: 1, description: 'Model name sent to ATRIUM_LLM_URL (required with it)' })),
  ATRIUM_LLM_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'Bearer key for ATRIUM_LLM_URL, if it needs one' })),
  ATRIUM_LLM_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'Time limit for one language-model call' }),
  ATRIUM_LLM_CHUNK_CHARS: Type.Integer({ minimum: 1000, default: 12_000, description: 'Largest transcript excerpt sent in one language-model call' }),
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
  /** Prefix of Redis keys and channels (`<prefix>:rl:…`, `<prefix>:realtime`). */
  readonly redisPrefix: string
  readonly logLevel: Env['ATRIUM_LOG_LEVEL']
  readonly bodyLimit: number
  readonly rateLimit: RateLimitConfig
  /**
   * The budget of a signed-in browser (session cookie), per person rather than per session so
   * several tabs share it; separate from every API credential's budget.
   */
  readonly sessionRateLimit: { readonly burst: number; readonly perSecond: number }
  /** Secret for signed cookies (CSRF). */
  readonly cookieSecret: string
  readonly allowPrivateUrls: boolean
  readonly webhooks: WebhookConfig
  readonly llm?: LlmConfig | undefined
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
  const problems = Value.Errors(EnvSchema, parsed).map(
    (e) => `${e.instancePath.slice(1) || 'environment'}: ${e.message} (got ${JSON.stringify(raw[e.instancePath.slice(1)])})`,
  )
  if (parsed.ATRIUM_LLM_URL !== undefined && parsed.ATRIUM_LLM_MODEL === undefined) {
    problems.push('ATRIUM_LLM_MODEL: required when ATRIUM_LLM_URL is set')
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return buildConfig(parsed)
}

function buildConfig(env: Env): Config {
  const dataDir = path.resolve(env.ATRIUM_DATA_DIR)
  const url = env.ATRIUM_DATABASE_URL
  const database: DatabaseConfig =
    url === undefined
      ? { dialect: 'sqlite', file: path.join(dataDir, 'atrium.db') }
      : url.startsWith('sqlite:')
        ? { dialect: 'sqlite', file: url === 'sqlite::memory:' ? ':memory:' : path.resolve(url.slice('sqlite:'.length)) }
        : { dialect: 'postgres', url }
  const publicUrl = (env.ATRIUM_PUBLIC_URL ?? `http://${urlHost(env.HOST)}:${env.PORT}`).replace(/\/+$/, '')
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    dataDir,
    database,
    publicUrl,
    redisUrl: env.ATRIUM_REDIS_URL,
    redisPrefix: env.ATRIUM_REDIS_PREFIX,
    logLevel: env.ATRIUM_LOG_LEVEL,
    bodyLimit: env.ATRIUM_BODY_LIMIT,
    rateLimit: Object.freeze({
      enabled: env.ATRIUM_RATE_LIMIT === 'on',
      burst: env.ATRIUM_RATE_LIMIT_BURST,
      perSecond: env.ATRIUM_RATE_LIMIT_PER_SECOND,
      keyPrefix: `${env.ATRIUM_REDIS_PREFIX}:rl`,
    }),
    sessionRateLimit: Object.freeze({ burst: env.ATRIUM_SESSION_RATE_LIMIT_BURST, perSecond: env.ATRIUM_SESSION_RATE_LIMIT_PER_SECOND }),
    cookieSecret: env.ATRIUM_COOKIE_SECRET ?? randomBytes(32).toString('hex'),
    allowPrivateUrls: env.ATRIUM_ALLOW_PRIVATE_URLS,
    webhooks: Object.freeze({
      retrySchedule: env.ATRIUM_WEBHOOK_RETRY_SCHEDULE === 'none' ? [] : env.ATRIUM_WEBHOOK_RETRY_SCHEDULE.split(',').map(Number),
      disableAfter: env.ATRIUM_WEBHOOK_DISABLE_AFTER,
      timeoutMs: env.ATRIUM_WEBHOOK_TIMEOUT_MS,
      pollMs: env.ATRIUM_DISPATCH_INTERVAL_MS,
    }),
    llm: llmConfig(env),
  })
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
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** Names and descriptions of every variable, for `atrium config` and the README. */
export function describeEnv(): Array<{ name: string; default: unknown; description: string }> {
  return Object.entries(EnvSchema.properties).map(([name, schema]) => ({
    name,
    default: (schema as { default?: unknown }).default,
    description: (schema as { description?: string }).description ?? '',
  }))
}
