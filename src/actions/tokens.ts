import type { Context } from '../context.js'
import type { Organization, Principal } from '../domain.js'
import { findOrganization } from '../store/repos/organizations.js'
import { publicUrl } from '../public-url.js'

export interface TokenDescription {
  addr: string
  scopes: string[]
  roam: { id: string; name: string; imageUrl: string; iconUrl: string }
}

/** The caller's organization: bearer tokens carry the one read with the credential; sessions look it up. */
export async function organizationOf(ctx: Context, principal: Principal): Promise<Organization> {
  const org = principal.organization ?? (await findOrganization(ctx.db, principal.orgId))
  if (!org) throw new Error(`organization ${principal.orgId} of credential ${principal.credential.id} is missing`)
  return org
}

/** `token.info`: who the token speaks as, what it may do, and which workspace it belongs to. */
export async function describeToken(ctx: Context, principal: Principal): Promise<TokenDescription> {
  const org = await organizationOf(ctx, principal)
  return {
    addr: principal.address,
    scopes: [...principal.scopes],
    roam: {
      id: org.externalId,
      name: org.name,
      imageUrl: org.imageUrl ?? publicUrl(ctx.config, '/avatars/org/image.svg'),
      iconUrl: org.iconUrl ?? publicUrl(ctx.config, '/avatars/org/icon.svg'),
    },
  }
}

/** Who a `/v1/token.info` caller is: an id (bare UUID), a name and, when one is set, a picture. */
export interface V1Identity {
  id: string
  name: string
  imageUrl?: string
}

export interface V1TokenDescription {
  /** The identity the token acts as: the app's bot for an organization key, the person otherwise. */
  user: V1Identity
  scopes: string[]
}

/**
 * `/v1/token.info`. Roam answers `{user, bot?}`, `bot` being the separate bot persona a personal
 * access token posts as. Atrium's personal tokens (and personal OAuth grants) act as their person,
 * on v1 as on v0, so there is no persona to report and `bot` is never present: `user` is the person,
 * or the app's bot for an organization key.
 */
export function describeTokenV1(principal: Principal): V1TokenDescription {
  const who = principal.model === 'personal' ? principal.user : principal.app
  const user = { id: principal.address.slice(2), name: who.name, ...(who.imageUrl ? { imageUrl: who.imageUrl } : {}) }
  return { user, scopes: [...principal.scopes] }
}
