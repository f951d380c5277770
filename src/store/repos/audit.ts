import { newId } from '../../ids.js'
import type { Executor } from '../db.js'

export interface NewAuditEntry {
  orgId: string
  userId: string | null
  eventType: string
  data: Record<string, unknown>
  createdAt: number
}

export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId(),
      org_id: entry.orgId,
      user_id: entry.userId,
      event_type: entry.eventType,
      data: JSON.stringify(entry.data),
      created_at: entry.createdAt,
    })
    .execute()
}
