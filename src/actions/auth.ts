import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { fail } from '../errors.js'
import { tag } from '../ids.js'
import { parseSecret, secretMatches } from '../secrets.js'
import { findBearer } from '../store/repos/credentials.js'
import { nowMicros } from '../time.js'

/**
 * Resolves a bearer token to the principal it speaks for, or fails with 401 — `invalid_auth` when
 * unknown, malformed or expired; `token_revoked` when revoked, its app deleted or its owner
 * deactivated (permanent) — or 403 when known but not usable yet (pending or rejected approval).
 */
export async function authenticate(ctx: Context, token: string): Promise<Principal> {
  const presented = parseSecret(token)
  if (!presented) fail('invalid_auth')
  // One query per request and no cache: revocation and deactivation apply to the very next request.
  const found = await findBearer(ctx.db, presented.lookup)
  if (!found || !secretMatches(presented.secret, found.secretHash)) fail('invalid_auth')
  const { credential, organization } = found
  if (!prefixFits(presented.prefix, credential.kind)) fail('invalid_auth')
  if (credential.status === 'revoked') fail('token_revoked', 'This token has been revoked.')
  if (credential.status === 'pending') fail('forbidden', 'This token is waiting for an administrator to approve it.')
  if (credential.status === 'rejected') fail('forbidden', 'An administrator rejected this token.')
  if (credential.expiresAt !== null && credential.expiresAt <= nowMicros()) fail('invalid_auth', 'This token has expired.')

  const scopes = new Set(credential.scopes)
  if (credential.model === 'organization') {
    const { app } = found
    if (!app) fail('token_revoked', 'The app behind this token no longer exists.')
    return { model: 'organization', orgId: credential.orgId, credential, app, address: tag('B', app.botId), scopes, organization }
  }
  const { user } = found
  if (!user || !user.active) fail('token_revoked', 'The user behind this token is deactivated.')
  return { model: 'personal', orgId: credential.orgId, credential, app: found.app ?? null, user, address: tag('U', user.id), scopes, organization }
}

function prefixFits(prefix: string, kind: string): boolean {
  switch (kind) {
    case 'api_key':
      return prefix === 'rmk-'
    case 'pat':
      return prefix === 'rmp-'
    case 'oauth_access':
      return prefix === 'rmo-'
    default:
      // Refresh tokens are never bearer credentials.
      return false
  }
}
