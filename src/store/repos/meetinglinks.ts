import type { Selectable } from 'kysely'
import type { MeetingLink } from '../../domain.js'
import type { Executor } from '../db.js'
import type { MeetingLinksTable } from '../schema.js'

function toMeetingLink(row: Selectable<MeetingLinksTable>): MeetingLink {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    hostUserId: row.host_user_id,
    startAt: row.start_at,
    endAt: row.end_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }
}

export async function insertMeetingLink(db: Executor, link: MeetingLink): Promise<MeetingLink> {
  const row = await db
    .insertInto('meeting_links')
    .values({
      id: link.id,
      org_id: link.orgId,
      name: link.name,
      host_user_id: link.hostUserId,
      start_at: link.startAt,
      end_at: link.endAt,
      created_by: link.createdBy,
      created_at: link.createdAt,
      updated_at: link.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toMeetingLink(row)
}

/** Without `orgId`, finds the link in any organization (its public page). */
export async function findMeetingLink(db: Executor, orgId: string | undefined, id: string): Promise<MeetingLink | undefined> {
  let q = db.selectFrom('meeting_links').selectAll().where('id', '=', id)
  if (orgId !== undefined) q = q.where('org_id', '=', orgId)
  const row = await q.executeTakeFirst()
  return row && toMeetingLink(row)
}

export async function updateMeetingLink(
  db: Executor,
  id: string,
  changes: { name: string; startAt: number | null; endAt: number | null; updatedAt: number },
): Promise<void> {
  await db
    .updateTable('meeting_links')
    .set({ name: changes.name, start_at: changes.startAt, end_at: changes.endAt, updated_at: changes.updatedAt })
    .where('id', '=', id)
    .execute()
}
