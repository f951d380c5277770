import type { Selectable } from 'kysely'
import type { Organization, PersonalAccessPolicy } from '../../domain.js'
import type { Executor } from '../db.js'
import type { OrganizationsTable } from '../schema.js'

export function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    imageUrl: row.image_url,
    iconUrl: row.icon_url,
    personalAccessPolicy: row.personal_access_policy as PersonalAccessPolicy,
    createdAt: row.created_at,
  }
}

export async function findFirstOrganization(db: Executor): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().orderBy('created_at').limit(1).executeTakeFirst()
  return row && toOrganization(row)
}

export async function findOrganization(db: Executor, id: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toOrganization(row)
}

export async function insertOrganization(db: Executor, org: Organization): Promise<void> {
  await db
    .insertInto('organizations')
    .values({
      id: org.id,
      external_id: org.externalId,
      name: org.name,
      image_url: org.imageUrl,
      icon_url: org.iconUrl,
      personal_access_policy: org.personalAccessPolicy,
      created_at: org.createdAt,
    })
    .execute()
}

export async function setPersonalAccessPolicy(db: Executor, id: string, policy: PersonalAccessPolicy): Promise<void> {
  await db.updateTable('organizations').set({ personal_access_policy: policy }).where('id', '=', id).execute()
}
