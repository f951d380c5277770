import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { fail } from '../errors.js'
import { parseTagged } from '../ids.js'
import { findAddressProfiles } from '../store/repos/chats.js'

export type AddressInfo =
  | { type: 'user'; id: string; email: string; displayName: string; displayImageUrl?: string }
  | { type: 'bot'; id: string; integrationId: string; displayName: string; displayDetail?: string; displayImageUrl?: string }

/**
 * `addr.info` for user (`U-`) and bot (`B-`) addresses of the organization. Unknown addresses
 * are 400 (Roam documents no 404 here); visitors have no address info yet.
 */
export async function addressInfo(ctx: Context, principal: Principal, addr: string): Promise<AddressInfo> {
  const parsed = parseTagged(addr)
  if (!parsed || (parsed.tag !== 'U' && parsed.tag !== 'B')) fail('invalid_request', 'addr: must be a user (U-) or bot (B-) address')
  const profile = (await findAddressProfiles(ctx.db, principal.orgId, [addr])).get(addr)
  if (!profile) fail('invalid_request', `addr: no address ${addr} in this Roam`)
  const image = profile.imageUrl ? { displayImageUrl: profile.imageUrl } : {}
  if (profile.kind === 'user') return { type: 'user', id: addr, email: profile.email ?? '', displayName: profile.name, ...image }
  return {
    type: 'bot',
    id: addr,
    integrationId: profile.integrationId ?? '',
    displayName: profile.name,
    ...(profile.detail ? { displayDetail: profile.detail } : {}),
    ...image,
  }
}
