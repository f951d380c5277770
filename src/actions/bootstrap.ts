import type { Context } from '../context.js'
import type { Organization, User } from '../domain.js'
import { newId } from '../ids.js'
import { SCOPES } from '../scopes.js'
import { randomToken } from '../secrets.js'
import { findFirstOrganization, insertOrganization } from '../store/repos/organizations.js'
import { nowMicros } from '../time.js'
import { addUser } from './users.js'
import { createApiKeyClient } from './clients.js'

export interface BootstrapResult {
  organization: Organization
  /** Present only when this call created the organization. */
  created?: { admin: User; apiKey: string; clientId: string; botId: string }
}

export const DEFAULT_ADMIN_EMAIL = 'admin@atrium.local'

/**
 * On an empty database: creates the organization, its first admin and an organization API client
 * holding every scope. Idempotent: later calls return the existing organization.
 */
export async function bootstrap(ctx: Context, opts: { orgName?: string; adminEmail?: string } = {}): Promise<BootstrapResult> {
  return ctx.db.transaction().execute(async (tx) => {
    const existing = await findFirstOrganization(tx)
    if (existing) return { organization: existing }
    const organization: Organization = {
      id: newId(),
      externalId: randomToken(10).toUpperCase(),
      name: opts.orgName ?? 'Atrium',
      imageUrl: null,
      iconUrl: null,
      personalAccessPolicy: 'approval',
      createdAt: nowMicros(),
    }
    await insertOrganization(tx, organization)
    const admin = await addUser(ctx, organization.id, { email: opts.adminEmail ?? DEFAULT_ADMIN_EMAIL, name: 'Admin', isAdmin: true }, tx)
    const client = await createApiKeyClient(ctx, organization.id, { name: 'Atrium Admin', scopes: [...SCOPES], createdBy: admin.id }, tx)
    return {
      organization,
      created: { admin, apiKey: client.apiKey, clientId: client.app.clientId, botId: `B-${client.app.botId}` },
    }
  })
}

/** The organization this server hosts, or undefined before the first start created it. */
export async function hostedOrganization(ctx: Context): Promise<Organization | undefined> {
  return findFirstOrganization(ctx.db)
}

/** The organization this server hosts; fails if the database was never bootstrapped. */
export async function requireOrganization(ctx: Context): Promise<Organization> {
  const org = await findFirstOrganization(ctx.db)
  if (!org) throw new Error('No organization yet: run `atrium serve` (or `atrium migrate` then `atrium serve`) once to create it.')
  return org
}
