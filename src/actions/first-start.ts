import type { Context } from '../context.js'
import { publicUrl } from '../public-url.js'
import { randomToken } from '../secrets.js'
import { bootstrap, DEFAULT_ADMIN_EMAIL } from './bootstrap.js'
import { createSigninLink, setPassword } from './sessions.js'

/** What the first start created, each secret shown this once. */
export interface FirstStart {
  adminEmail: string
  adminPassword: string
  signinLink: string
  apiKey: string
}

/**
 * Bootstraps an empty database (organization, first admin, an API client holding every scope) and
 * gives the admin a generated password and a one-time sign-in link, so the web client is one step
 * away. Undefined when the organization already existed.
 */
export async function firstStart(ctx: Context): Promise<FirstStart | undefined> {
  const boot = await bootstrap(ctx)
  if (!boot.created) return undefined
  const adminPassword = randomToken(20)
  await setPassword(ctx, boot.organization.id, boot.created.admin.id, adminPassword)
  const signinLink = (await createSigninLink(ctx, boot.organization.id, boot.created.admin.id)).url
  return { adminEmail: DEFAULT_ADMIN_EMAIL, adminPassword, signinLink, apiKey: boot.created.apiKey }
}

/** The lines printed once after the first start. */
export function welcomeText(ctx: Pick<Context, 'config'>, created: FirstStart): string {
  const lines = [
    '',
    'Atrium created a new organization.',
    `  Admin user:       ${created.adminEmail}`,
    `  Sign in now:      ${created.signinLink}`,
    '                    (one-time link, valid for 24 hours)',
    `  Admin password:   ${created.adminPassword}   (shown only this once)`,
    `  Web client:       ${publicUrl(ctx.config, '/')}  — sign in with the email and password above`,
    '  Organization API key (holds every scope; shown only this once):',
    '',
    `    ${created.apiKey}`,
    '',
    '  Try it:',
    `    curl -H "Authorization: Bearer ${created.apiKey}" ${publicUrl(ctx.config, '/v0/token.info')}`,
    '',
  ]
  return `${lines.join('\n')}\n`
}
