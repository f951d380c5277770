import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { useEffect, useState } from 'react'
import { ApiError, connection, get, post, retryAfterMs } from '../src/api'
import { ConnectionNotice } from '../src/components/ConnectionNotice'

/** The client's requests when the server says "too many requests" or cannot be reached. */

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

function History() {
  const [text, setText] = useState('…')
  useEffect(() => {
    get<{ messages: Array<{ text: string }> }>('/v0/chat.history', { chat: 'C-1' }).then(
      (page) => setText(page.messages[0]!.text),
      (e: Error) => setText(`failed: ${e.message}`),
    )
  }, [])
  return <p data-testid="history">{text}</p>
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('API requests from the web client', () => {
  it('retries a 429 after its Retry-After, showing "Reconnecting…" meanwhile, then shows the answer', async () => {
    const times: number[] = []
    const answers = [json(429, { error: 'Too many requests: retry after 1 seconds.' }, { 'retry-after': '1' }), json(200, { messages: [{ text: 'hello again' }] })]
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        times.push(Date.now())
        return answers.shift()!
      }),
    )
    render(
      <>
        <History />
        <ConnectionNotice />
      </>,
    )
    await screen.findByText('Reconnecting…')
    expect(screen.getByRole('status').textContent).toBe('Reconnecting…')
    expect(screen.getByTestId('history').textContent).toBe('…')
    await waitFor(() => expect(screen.getByTestId('history').textContent).toBe('hello again'), { timeout: 5000 })
    expect(times).toHaveLength(2)
    // Retry-After: 1 was honoured (a little slack for timer granularity).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950)
    expect(screen.queryByText('Reconnecting…')).toBeNull()
    expect(screen.queryByText(/Too many requests/)).toBeNull()
    expect(connection()).toBe('connected')
  })

  it('keeps retrying reads while the network is down, backing off, until the server answers', async () => {
    let calls = 0
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        calls += 1
        if (calls <= 2) throw new TypeError('Failed to fetch')
        if (calls === 3) return new Response('<html>bad gateway</html>', { status: 502 })
        return json(200, { messages: [{ text: 'back' }] })
      }),
    )
    render(
      <>
        <History />
        <ConnectionNotice />
      </>,
    )
    await screen.findByText('Reconnecting…')
    await waitFor(() => expect(screen.getByTestId('history').textContent).toBe('back'), { timeout: 10_000 })
    expect(calls).toBe(4)
    expect(screen.queryByText('Reconnecting…')).toBeNull()
  })

  it('retries a refused write, but never resends a write whose fate is unknown', async () => {
    const fetch = vi.fn(async () => json(429, { error: 'Too many requests' }, { 'retry-after': '0' }))
    fetch.mockResolvedValueOnce(json(429, { error: 'Too many requests' }, { 'retry-after': '0' }))
    fetch.mockResolvedValueOnce(json(200, { ok: true }))
    vi.stubGlobal('fetch', fetch)
    await expect(post('/app/chat.read', { chat: 'C-1', timestamp: 1 })).resolves.toEqual({ ok: true })
    expect(fetch).toHaveBeenCalledTimes(2)

    const lost = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    vi.stubGlobal('fetch', lost)
    const err = await post('/v0/chat.post', { chat: 'C-1', text: 'once' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(0)
    expect(lost).toHaveBeenCalledTimes(1)
  })

  it('gives up on a write the server keeps refusing, with the server\'s error', async () => {
    const fetch = vi.fn(async () => json(429, { error: 'Too many requests: retry after 1 seconds.', code: 'ratelimited' }, { 'retry-after': '0' }))
    vi.stubGlobal('fetch', fetch)
    const err = (await post('/app/presence.set', { presence: 'online' }).catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(429)
    expect(fetch).toHaveBeenCalledTimes(6)
    expect(connection()).toBe('connected')
  })

  it('reads Retry-After as seconds or as an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterMs('3', now)).toBe(3000)
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
    expect(retryAfterMs('86400', now)).toBe(120_000)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})
