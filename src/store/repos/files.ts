import type { Executor } from '../db.js'

/** Stores (or replaces) the bytes under `key`. */
export async function putFileBytes(db: Executor, key: string, bytes: Buffer, at: number): Promise<void> {
  await db
    .insertInto('file_blobs')
    .values({ key, bytes, size: bytes.length, created_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ bytes, size: bytes.length, created_at: at }))
    .execute()
}

export async function getFileBytes(db: Executor, key: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('file_blobs').select('bytes').where('key', '=', key).executeTakeFirst()
  return row ? Buffer.from(row.bytes) : undefined
}

export async function deleteFileBytes(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('file_blobs').where('key', '=', key).execute()
}
