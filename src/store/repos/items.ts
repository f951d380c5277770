import type { Selectable } from 'kysely'
import type { Item, ItemType } from '../../domain.js'
import type { Executor } from '../db.js'
import { dialectOf } from '../dialect.js'
import type { ItemsTable } from '../schema.js'

function toItem(row: Selectable<ItemsTable>): Item {
  return {
    id: row.id,
    orgId: row.org_id,
    uploader: row.uploader,
    type: row.type as ItemType,
    mime: row.mime,
    name: row.name,
    size: Number(row.size),
    width: row.width,
    height: row.height,
    storageKey: row.storage_key,
    createdAt: Number(row.created_at),
  }
}

export async function insertItem(db: Executor, item: Item): Promise<Item> {
  const row = await db
    .insertInto('items')
    .values({
      id: item.id,
      org_id: item.orgId,
      uploader: item.uploader,
      type: item.type,
      mime: item.mime,
      name: item.name,
      size: item.size,
      width: item.width,
      height: item.height,
      storage_key: item.storageKey,
      created_at: item.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toItem(row)
}

export async function findItem(db: Executor, id: string): Promise<Item | undefined> {
  const row = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toItem(row)
}

/** The organization's items with these ids (missing ids are simply absent from the map). */
export async function findItems(db: Executor, orgId: string, ids: readonly string[]): Promise<Map<string, Item>> {
  const out = new Map<string, Item>()
  if (ids.length === 0) return out
  const rows = await db.selectFrom('items').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()
  for (const row of rows) out.set(row.id, toItem(row))
  return out
}

/** Bytes of stored uploads: the organization's, and those of one uploader address in it. */
export async function uploadUsage(db: Executor, orgId: string, uploader: string): Promise<{ org: number; uploader: number }> {
  const row = await db
    .selectFrom('items')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number | string>('size'), eb.lit(0)).as('org'),
      eb.fn.coalesce(eb.fn.sum<number | string>(eb.case().when('uploader', '=', uploader).then(eb.ref('size')).else(eb.lit(0)).end()), eb.lit(0)).as('uploader'),
    ])
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  return { org: Number(row?.org ?? 0), uploader: Number(row?.uploader ?? 0) }
}

/**
 * Serialises uploads of one organization inside the caller's transaction, so a quota checked
 * there holds until the insert commits: a row lock on the organization on PostgreSQL; SQLite
 * has one writer at a time already.
 */
export async function lockOrganizationUploads(db: Executor, orgId: string): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  await db.selectFrom('organizations').select('id').where('id', '=', orgId).forUpdate().execute()
}

/** Items created before `before` that no message has attached, oldest first. */
export async function listUnattachedItems(db: Executor, before: number, limit: number): Promise<Array<{ id: string; storageKey: string }>> {
  const rows = await db
    .selectFrom('items')
    .select(['id', 'storage_key'])
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('message_items').select('message_items.item_id').whereRef('message_items.item_id', '=', 'items.id'))))
    .orderBy('created_at')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ id: r.id, storageKey: r.storage_key }))
}

/**
 * Deletes the item if, at this moment, no message has it attached; returns its storage key when
 * this call deleted it (so of several processes sweeping at once, exactly one gets it).
 */
export async function deleteItemIfUnattached(db: Executor, id: string): Promise<string | undefined> {
  const row = await db
    .deleteFrom('items')
    .where('id', '=', id)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('message_items').select('message_items.item_id').whereRef('message_items.item_id', '=', 'items.id'))))
    .returning('storage_key')
    .executeTakeFirst()
  return row?.storage_key
}
