import type { Context } from '../context.js'
import type { PersonalAccessPolicy } from '../domain.js'
import { fail } from '../errors.js'
import { insertAuditEntry } from '../store/repos/audit.js'
import { findOrganization, setPersonalAccessPolicy } from '../store/repos/organizations.js'
import { nowMicros } from '../time.js'

export const PERSONAL_ACCESS_POLICIES: PersonalAccessPolicy[] = ['disabled', 'approval', 'auto']

export interface OrganizationSettings {
  /** Personal access tokens and personal OAuth installs: refused, approved by an admin, or automatic. */
  personalAccess: PersonalAccessPolicy
}

export async function getSettings(ctx: Context, orgId: string): Promise<OrganizationSettings> {
  const org = await findOrganization(ctx.db, orgId)
  if (!org) fail('not_found', 'organization not found')
  return { personalAccess: org.personalAccessPolicy }
}

/**
 * Changes the personal access policy. It governs new tokens and installs; existing ones keep
 * their status (administrators revoke what they no longer want).
 */
export async function setPersonalAccess(ctx: Context, orgId: string, policy: string, by: string | null): Promise<OrganizationSettings> {
  if (!(PERSONAL_ACCESS_POLICIES as string[]).includes(policy)) {
    fail('invalid_request', `personalAccess: must be one of ${PERSONAL_ACCESS_POLICIES.join(', ')}`)
  }
  await ctx.db.transaction().execute(async (tx) => {
    await setPersonalAccessPolicy(tx, orgId, policy as PersonalAccessPolicy)
    await insertAuditEntry(tx, { orgId, userId: by, eventType: 'PERSONAL_ACCESS_POLICY_CHANGED', data: { policy }, createdAt: nowMicros() })
  })
  return { personalAccess: policy as PersonalAccessPolicy }
}
