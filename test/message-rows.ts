import type { Db } from '../src/store/db.js'

/**
 * Messages written straight into the store, in bulk, for tests that need deep chats (paging a
 * 5,000-message room, exporting a busy day). Keys are `startTs`, `startTs + step`, …; the chat's
 * key allocator is moved past them so later posts through the API come after.
 */
export async function insertMessageRows(
  db: Db,
  chatId: string,
  input: {
    count: number
    sender: string
    startTs: number
    step?: number
    text?: (i: number) => string
    editedAt?: (i: number) => number | null
    deletedAt?: (i: number) => number | null
    contentType?: string
  },
): Promise<number[]> {
  const step = input.step ?? 1000
  const keys: number[] = []
  const batch = 500
  for (let start = 0; start < input.count; start += batch) {
    const rows = []
    for (let i = start; i < Math.min(input.count, start + batch); i++) {
      const ts = input.startTs + i * step
      keys.push(ts)
      rows.push({
        chat_id: chatId,
        ts,
        sender: input.sender,
        thread_ts: null,
        reply_ts: null,
        content_type: input.contentType ?? 'text',
        text: input.text ? input.text(i) : `message ${i}`,
        markdown: 1,
        blocks: null,
        color: null,
        poll: null,
        created_at: ts,
        edited_at: input.editedAt ? input.editedAt(i) : null,
        deleted_at: input.deletedAt ? input.deletedAt(i) : null,
      })
    }
    await db.insertInto('messages').values(rows).execute()
  }
  const last = keys[keys.length - 1]
  if (last !== undefined) {
    await db.updateTable('chats').set({ last_ts: last }).where('id', '=', chatId).where('last_ts', '<', last).execute()
  }
  return keys
}
