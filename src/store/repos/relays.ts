import { sql, type Selectable } from 'kysely'
import type { ColorRule, Relay, RelayLink } from '../../domain.js'
import type { Executor } from '../db.js'
import type { RelaysTable } from '../schema.js'

type RelayRow = Selectable<RelaysTable> & { bot_id: string }

function toRelay(row: RelayRow): Relay {
  return {
    id: row.id,
    orgId: row.org_id,
    appId: row.app_id,
    botId: row.bot_id,
    name: row.name,
    targetGroupId: row.target_group_id,
    targetUserIds: JSON.parse(row.target_user_ids) as string[],
    template: row.template,
    filter: row.filter,
    colorRules: JSON.parse(row.color_rules) as ColorRule[],
    link: row.link === null ? null : (JSON.parse(row.link) as RelayLink),
    enabled: Number(row.enabled) === 1,
    receivedCount: Number(row.received_count),
    postedCount: Number(row.posted_count),
    filteredCount: Number(row.filtered_count),
    failedCount: Number(row.failed_count),
    lastReceivedAt: row.last_received_at === null ? null : Number(row.last_received_at),
    lastError: row.last_error,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

function selectRelays(db: Executor) {
  return db.selectFrom('relays').innerJoin('apps', 'apps.id', 'relays.app_id').selectAll('relays').select('apps.bot_id').where('relays.deleted_at', 'is', null)
}

/** What may change on a relay (`undefined` keeps a field; `null` clears the nullable ones). */
export interface RelayPatch {
  name?: string
  targetGroupId?: string | null
  targetUserIds?: string[]
  template?: string | null
  filter?: string | null
  colorRules?: ColorRule[]
  link?: RelayLink | null
  enabled?: boolean
}

export interface NewRelay {
  id: string
  orgId: string
  appId: string
  name: string
  targetGroupId: string | null
  targetUserIds: string[]
  template: string | null
  filter: string | null
  colorRules: ColorRule[]
  link: RelayLink | null
  lookup: string
  secretHash: string
  createdBy: string | null
  createdAt: number
}

export async function insertRelay(db: Executor, relay: NewRelay): Promise<Relay> {
  await db
    .insertInto('relays')
    .values({
      id: relay.id,
      org_id: relay.orgId,
      app_id: relay.appId,
      name: relay.name,
      target_group_id: relay.targetGroupId,
      target_user_ids: JSON.stringify(relay.targetUserIds),
      template: relay.template,
      filter: relay.filter,
      color_rules: JSON.stringify(relay.colorRules),
      link: relay.link === null ? null : JSON.stringify(relay.link),
      lookup: relay.lookup,
      secret_hash: relay.secretHash,
      created_by: relay.createdBy,
      created_at: relay.createdAt,
      updated_at: relay.createdAt,
    })
    .execute()
  const created = await findRelay(db, relay.orgId, relay.id)
  if (!created) throw new Error(`relay ${relay.id} vanished after insert`)
  return created
}

export async function findRelay(db: Executor, orgId: string, id: string): Promise<Relay | undefined> {
  const row = await selectRelays(db).where('relays.org_id', '=', orgId).where('relays.id', '=', id).executeTakeFirst()
  return row && toRelay(row)
}

/** A live relay by the public half of its URL token, with the digest of the secret half. */
export async function findRelayByLookup(db: Executor, lookup: string): Promise<{ relay: Relay; secretHash: string } | undefined> {
  const row = await selectRelays(db).where('relays.lookup', '=', lookup).executeTakeFirst()
  return row && { relay: toRelay(row), secretHash: row.secret_hash }
}

/** The organization's relays, oldest first. */
export async function listRelays(db: Executor, orgId: string): Promise<Relay[]> {
  const rows = await selectRelays(db).where('relays.org_id', '=', orgId).orderBy('relays.created_at').orderBy('relays.id').execute()
  return rows.map(toRelay)
}

export async function updateRelayRow(db: Executor, id: string, patch: RelayPatch, at: number): Promise<void> {
  await db
    .updateTable('relays')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.targetGroupId !== undefined ? { target_group_id: patch.targetGroupId } : {}),
      ...(patch.targetUserIds !== undefined ? { target_user_ids: JSON.stringify(patch.targetUserIds) } : {}),
      ...(patch.template !== undefined ? { template: patch.template } : {}),
      ...(patch.filter !== undefined ? { filter: patch.filter } : {}),
      ...(patch.colorRules !== undefined ? { color_rules: JSON.stringify(patch.colorRules) } : {}),
      ...(patch.link !== undefined ? { link: patch.link === null ? null : JSON.stringify(patch.link) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .execute()
}

/** Replaces the URL token: the previous URL stops working at once. */
export async function setRelaySecret(db: Executor, id: string, lookup: string, secretHash: string, at: number): Promise<void> {
  await db.updateTable('relays').set({ lookup, secret_hash: secretHash, updated_at: at }).where('id', '=', id).execute()
}

export async function markRelayDeleted(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('relays').set({ deleted_at: at, updated_at: at }).where('id', '=', id).execute()
}

export type RelayOutcome = 'posted' | 'filtered' | 'failed'

/** Counts one received payload and what became of it (atomic increments; concurrent posts add up). */
export async function countRelayOutcome(db: Executor, id: string, outcome: RelayOutcome, at: number, error?: string): Promise<void> {
  const column = outcome === 'posted' ? 'posted_count' : outcome === 'filtered' ? 'filtered_count' : 'failed_count'
  await db
    .updateTable('relays')
    .set({
      received_count: sql`received_count + 1`,
      [column]: sql`${sql.ref(column)} + 1`,
      last_received_at: at,
      ...(outcome === 'failed' ? { last_error: error ?? null } : {}),
    })
    .where('id', '=', id)
    .execute()
}
