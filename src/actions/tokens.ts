import type { Context } from '../context.js'
import type { Organization, Principal } from '../domain.js'
import { findOrganization } from '../store/repos/organizations.js'
import { findAppByBot } from '../store/repos/apps.js'
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
  /** A personal access token's own bot persona, which its `/v1` messages come from. */
  bot?: V1Identity
  scopes: string[]
}

/**
 * `/v1/token.info`, as Roam answers it: `user` is who the token acts for (the app's bot for an
 * organization key, the person for a personal token or grant); `bot`, only for a personal access
 * token, is the token's own bot persona, which its `/v1` messages come from (so an agent can tell
 * its own messages from its owner's).
 */
export async function describeTokenV1(ctx: Context, principal: Principal): Promise<V1TokenDescription> {
  const who = principal.model === 'personal' ? principal.user : principal.app
  const user = identity(principal.address.slice(2), who)
  const botId = principal.model === 'personal' ? principal.credential.botId : null
  const persona = botId ? await findAppByBot(ctx.db, principal.orgId, botId) : undefined
  return { user, ...(persona ? { bot: identity(persona.botId, persona) } : {}), scopes: [...principal.scopes] }
}

function identity(id: string, who: { name: string; imageUrl: string | null }): V1Identity {
  return { id, name: who.name, ...(who.imageUrl ? { imageUrl: who.imageUrl } : {}) }
}
