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

export interface AuditEntry {
  id: string
  userId: string | null
  /** Name and email of the user the entry is about, when it is about one. */
  userName: string | null
  userEmail: string | null
  eventType: string
  data: Record<string, unknown>
  createdAt: number
}

/** Entries with `from <= created_at < to`, newest first (ties broken by id). */
export async function listAuditEntries(db: Executor, orgId: string, from: number, to: number): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.user_id')
    .select([
      'audit_log.id',
      'audit_log.user_id',
      'audit_log.event_type',
      'audit_log.data',
      'audit_log.created_at',
      'users.name as user_name',
      'users.email as user_email',
    ])
    .where('audit_log.org_id', '=', orgId)
    .where('audit_log.created_at', '>=', from)
    .where('audit_log.created_at', '<', to)
    .orderBy('audit_log.created_at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    userName: r.user_name,
    userEmail: r.user_email,
    eventType: r.event_type,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
  }))
}
