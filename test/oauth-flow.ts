import * as oidc from 'openid-client'
import { expect } from 'vitest'
import type { Browser, TestEnv } from './helpers.js'

/** The OAuth client's side of the flows, for tests: openid-client talking to the test app. */

export const REDIRECT = 'http://127.0.0.1:9876/callback'

/** An openid-client configuration whose HTTP calls go to the test app (no sockets). */
export function oauthClient(env: TestEnv, clientId: string, clientSecret?: string, auth: 'post' | 'basic' = 'post'): oidc.Configuration {
  const base = env.ctx.config.publicUrl
  const config = new oidc.Configuration(
    { issuer: base, authorization_endpoint: `${base}/oauth/authorize`, token_endpoint: `${base}/oauth/token` },
    clientId,
    clientSecret ? { client_secret: clientSecret } : {},
    clientSecret ? (auth === 'basic' ? oidc.ClientSecretBasic(clientSecret) : oidc.ClientSecretPost(clientSecret)) : oidc.None(),
  )
  oidc.allowInsecureRequests(config)
  config[oidc.customFetch] = async (url, options) => {
    const u = new URL(url)
    const res = await env.app.inject({
      method: options.method as 'POST',
      url: u.pathname + u.search,
      headers: Object.fromEntries(new Headers(options.headers as ConstructorParameters<typeof Headers>[0])),
      payload: options.body === undefined || options.body === null ? undefined : String(options.body),
    })
    return new Response(res.body, { status: res.statusCode, headers: res.headers as Record<string, string> })
  }
  return config
}

/** Follows the browser through sign-in and the consent page; returns the final redirect. */
export async function consent(browser: Browser, authUrl: URL, answer: { model?: string; allowed?: boolean }): Promise<URL> {
  const path = authUrl.pathname + authUrl.search
  const page = await browser.get(path)
  expect(page.statusCode).toBe(200)
  expect(page.body).toContain('wants to access')
  const hidden = Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]))
  delete hidden._csrf
  const res = await browser.submit('/oauth/authorize', {
    ...hidden,
    ...(answer.model ? { access_model: answer.model } : {}),
    allowed: answer.allowed === false ? 'false' : 'true',
  })
  expect(res.statusCode).toBe(303)
  return new URL(String(res.headers.location))
}

