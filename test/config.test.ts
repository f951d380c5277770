import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

describe('configuration', () => {
  it('defaults: 127.0.0.1:8080, SQLite under ./data', () => {
    const config = loadConfig({})
    expect(config.port).toBe(8080)
    expect(config.host).toBe('127.0.0.1')
    expect(config.database).toEqual({ dialect: 'sqlite', file: expect.stringMatching(/data\/atrium\.db$/) })
    expect(config.publicUrl).toBe('http://127.0.0.1:8080')
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('PostgreSQL when ATRIUM_DATABASE_URL is a postgres:// URL', () => {
    const config = loadConfig({ ATRIUM_DATABASE_URL: 'postgres://u@h:5432/db', ATRIUM_PUBLIC_URL: 'https://chat.example.com/' })
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://u@h:5432/db' })
    expect(config.publicUrl).toBe('https://chat.example.com')
  })

  it('lists every problem at once', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'eighty', ATRIUM_DATABASE_URL: 'mysql://x', ATRIUM_REDIS_URL: 'http://r' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    expect(problems).toContain('PORT')
    expect(problems).toContain('ATRIUM_DATABASE_URL')
    expect(problems).toContain('ATRIUM_REDIS_URL')
  })

  it('prefixes Redis keys and channels with ATRIUM_REDIS_PREFIX (default atrium)', () => {
    expect(loadConfig({}).redisPrefix).toBe('atrium')
    expect(loadConfig({}).rateLimit.keyPrefix).toBe('atrium:rl')
    const config = loadConfig({ ATRIUM_REDIS_PREFIX: 'chat-eu:1' })
    expect(config.redisPrefix).toBe('chat-eu:1')
    expect(config.rateLimit.keyPrefix).toBe('chat-eu:1:rl')
    expect(() => loadConfig({ ATRIUM_REDIS_PREFIX: 'has space' })).toThrow(/ATRIUM_REDIS_PREFIX/)
    expect(() => loadConfig({ ATRIUM_REDIS_PREFIX: 'x'.repeat(65) })).toThrow(/ATRIUM_REDIS_PREFIX/)
    expect(loadConfig({ ATRIUM_REDIS_PREFIX: 'x'.repeat(64) }).redisPrefix).toHaveLength(64)
  })

  it('sizes the web client\'s per-person budget with ATRIUM_SESSION_RATE_LIMIT_* (default 600 at once, 20 per second)', () => {
    expect(loadConfig({}).sessionRateLimit).toEqual({ burst: 600, perSecond: 20 })
    expect(loadConfig({ ATRIUM_SESSION_RATE_LIMIT_BURST: '1', ATRIUM_SESSION_RATE_LIMIT_PER_SECOND: '0.5' }).sessionRateLimit).toEqual({ burst: 1, perSecond: 0.5 })
    expect(() => loadConfig({ ATRIUM_SESSION_RATE_LIMIT_BURST: '0' })).toThrow(/ATRIUM_SESSION_RATE_LIMIT_BURST/)
    expect(() => loadConfig({ ATRIUM_SESSION_RATE_LIMIT_BURST: 'many' })).toThrow(/ATRIUM_SESSION_RATE_LIMIT_BURST/)
    expect(() => loadConfig({ ATRIUM_SESSION_RATE_LIMIT_PER_SECOND: '0' })).toThrow(/ATRIUM_SESSION_RATE_LIMIT_PER_SECOND/)
  })
})

describe('outgoing mail configuration', () => {
  it('is off without ATRIUM_SMTP_URL; the sender defaults to atrium@ the public host', () => {
    expect(loadConfig({}).mail).toBeUndefined()
    expect(loadConfig({ ATRIUM_SMTP_URL: 'smtp://mail.example.com:587', ATRIUM_PUBLIC_URL: 'https://chat.example.com' }).mail).toEqual({
      smtpUrl: 'smtp://mail.example.com:587',
      from: 'atrium@chat.example.com',
    })
    expect(loadConfig({ ATRIUM_SMTP_URL: 'smtps://u:p@mail.example.com', ATRIUM_MAIL_FROM: 'Atrium <noreply@example.com>' }).mail?.from).toBe('Atrium <noreply@example.com>')
  })

  it('refuses malformed values, naming the variable and never printing the SMTP password', () => {
    let message = ''
    try {
      loadConfig({ ATRIUM_SMTP_URL: 'http://user:hunter22@mail.example.com' })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/ATRIUM_SMTP_URL/)
    expect(message).not.toContain('hunter22')
    for (const from of ['not an address', 'Name <a@b> trailing', 'x\r\nBcc: a@b']) {
      expect(() => loadConfig({ ATRIUM_SMTP_URL: 'smtp://mail.example.com', ATRIUM_MAIL_FROM: from }), from).toThrow(/ATRIUM_MAIL_FROM/)
    }
    expect(() => loadConfig({ ATRIUM_MAIL_FROM: 'atrium@example.com' })).toThrow(/ATRIUM_MAIL_FROM is set but ATRIUM_SMTP_URL is not/)
  })
})
