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
