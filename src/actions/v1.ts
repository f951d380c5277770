import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { listPublicGroups } from '../store/repos/rooms.js'
import { microsToIso } from '../time.js'

/**
 * Roam HQ API v1: the documented organization-level methods. Ids on this surface are bare UUIDs
 * (no `G-`/`C-` tag), as in Roam's examples.
 */

/**
 * Roam numbers its Roams and accounts with integers. Atrium has one organization per install; its
 * number is the first 31 bits of the organization's UUID, stable for its lifetime.
 */
export function numericRoamId(orgId: string): number {
  return Number.parseInt(orgId.replace(/-/g, '').slice(0, 8), 16) & 0x7fffffff
}

export interface V1Group {
  addressId: string
  roamId: number
  accountId: number
  groupType: string
  name: string
  accessMode: 'public'
  groupManagement: 'groupAdminsOnly' | 'allMembers'
  enforceThreadedMode: boolean
  dateCreated: string
  imageUrl?: string
}

/**
 * `groups.list`: every public, non-archived group of the organization, oldest first, unpaged.
 * Membership changes are for group admins in Atrium, hence `groupManagement: groupAdminsOnly`.
 * `accountId` is the Roam's number too: an Atrium install is one account with one Roam.
 */
export async function listGroupsV1(ctx: Context, principal: Principal): Promise<V1Group[]> {
  const roamId = numericRoamId(principal.orgId)
  const groups = await listPublicGroups(ctx.db, principal.orgId)
  return groups.map((g) => ({
    addressId: g.id,
    roamId,
    accountId: roamId,
    groupType: g.groupType,
    name: g.name,
    accessMode: 'public',
    groupManagement: 'groupAdminsOnly',
    enforceThreadedMode: g.enforceThreads,
    dateCreated: microsToIso(g.createdAt),
    ...(g.imageUrl ? { imageUrl: g.imageUrl } : {}),
  }))
}
