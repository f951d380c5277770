import type { Selectable } from 'kysely'
import type { Item, ItemType } from '../../domain.js'
import type { Executor } from '../db.js'
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
