import contentDisposition from 'content-disposition'
import { imageSize } from 'image-size'
import type { Context } from '../context.js'
import { authorOf, type Item, type Principal } from '../domain.js'
import { fail } from '../errors.js'
import { newId } from '../ids.js'
import { storageFor, type FileStorage } from '../storage/index.js'
import { findItem, insertItem, lockOrganizationUploads, uploadUsage } from '../store/repos/items.js'
import type { Executor } from '../store/db.js'
import { microsToIso, nowMicros } from '../time.js'
import { publicUrl } from '../public-url.js'

/** Largest upload: 10 MB (10 × 1024 × 1024 bytes). One byte more is 413. */
export const MAX_ITEM_BYTES = 10 * 1024 * 1024
/** Longest item name (the upload's filename), in characters. */
export const MAX_ITEM_NAME = 255

/** Image types shown inline (`photo`), with their magic bytes and canonical file extensions. */
const IMAGE_TYPES = {
  'image/png': { extensions: ['.png'], matches: (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  'image/jpeg': { extensions: ['.jpg', '.jpeg'], matches: (b: Buffer) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/gif': { extensions: ['.gif'], matches: (b: Buffer) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  'image/webp': {
    extensions: ['.webp'],
    matches: (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
} as const

type ImageMime = keyof typeof IMAGE_TYPES
export const ITEM_CONTENT_TYPES = [...Object.keys(IMAGE_TYPES), 'application/octet-stream'] as const

function isImageMime(mime: string): mime is ImageMime {
  return Object.hasOwn(IMAGE_TYPES, mime)
}

export function storageOf(ctx: Context): FileStorage {
  return ctx.storage ?? storageFor(ctx.config, ctx.db)
}

/** ChatItem as the API and events show it. */
export interface ChatItemView {
  id: string
  type: 'photo' | 'blob'
  mime: string
  created: string
  name: string
  url: string
  thumbnail?: string
  size: number
  width?: number
  height?: number
}

export function itemUrl(ctx: Context, item: Pick<Item, 'id'>): string {
  return publicUrl(ctx.config, `/items/${item.id}`)
}

export function presentItem(ctx: Context, item: Item): ChatItemView {
  const url = itemUrl(ctx, item)
  return {
    id: item.id,
    type: item.type,
    mime: item.mime,
    created: microsToIso(item.createdAt),
    name: item.name,
    url,
    ...(item.type === 'photo' ? { thumbnail: url } : {}),
    size: item.size,
    ...(item.width !== null ? { width: item.width } : {}),
    ...(item.height !== null ? { height: item.height } : {}),
  }
}

function filenameFrom(header: string | undefined): string {
  if (!header) fail('invalid_request', 'Content-Disposition: is required, e.g. attachment; filename="report.pdf"')
  let filename: string | undefined
  try {
    filename = contentDisposition.parse(header).parameters.filename
  } catch {
    fail('invalid_request', 'Content-Disposition: is malformed; expected attachment; filename="report.pdf"')
  }
  // Keep the last path segment only: a name, never a path.
  const name = (filename ?? '').split(/[\\/]/).pop()?.trim() ?? ''
  if (name === '') fail('invalid_request', 'Content-Disposition: a filename is required, e.g. attachment; filename="report.pdf"')
  return name
}

export interface Upload {
  /** The Content-Type header without parameters, lower-cased; undefined when absent. */
  contentType: string | undefined
  contentDisposition: string | undefined
  bytes: Buffer
}

/**
 * `item.upload`: stores the bytes and records the item. Images must really be of the declared type
 * (magic bytes), get their width and height from the bytes, and get the type's extension appended
 * when their filename lacks it.
 */
export async function uploadItem(ctx: Context, principal: Principal, upload: Upload): Promise<ChatItemView> {
  const mime = upload.contentType
  if (!mime || !(ITEM_CONTENT_TYPES as readonly string[]).includes(mime)) {
    fail('unsupported_media_type', `Content-Type: must be one of ${ITEM_CONTENT_TYPES.join(', ')} (use application/octet-stream for other files)`)
  }
  let name = filenameFrom(upload.contentDisposition)
  if (upload.bytes.length === 0) fail('invalid_request', 'body: the file is empty')
  if (upload.bytes.length > MAX_ITEM_BYTES) fail('payload_too_large', `body: files are limited to ${MAX_ITEM_BYTES} bytes`)
  let width: number | null = null
  let height: number | null = null
  if (isImageMime(mime)) {
    const spec = IMAGE_TYPES[mime]
    if (!spec.matches(upload.bytes)) fail('invalid_request', `body: the bytes are not an image of type ${mime}`)
    try {
      const size = imageSize(upload.bytes)
      width = size.width
      height = size.height
    } catch {
      fail('invalid_request', `body: the ${mime} image cannot be read`)
    }
    if (!(spec.extensions as readonly string[]).some((ext) => name.toLowerCase().endsWith(ext))) name = `${name}${spec.extensions[0]}`
  }
  if (name.length > MAX_ITEM_NAME) fail('invalid_request', `Content-Disposition: the filename must be at most ${MAX_ITEM_NAME} characters`)
  const size = upload.bytes.length
  // Checked before the bytes are stored (a refused upload writes nothing) and again, under the
  // organization's upload lock, in the transaction that records the item.
  await checkQuota(ctx, ctx.db, principal, size)
  const id = newId()
  const storage = storageOf(ctx)
  await storage.put(id, upload.bytes)
  try {
    const item = await ctx.db.transaction().execute(async (tx) => {
      await lockOrganizationUploads(tx, principal.orgId)
      await checkQuota(ctx, tx, principal, size)
      return insertItem(tx, {
        id,
        orgId: principal.orgId,
        uploader: authorOf(principal),
        type: isImageMime(mime) ? 'photo' : 'blob',
        mime,
        name,
        size,
        width,
        height,
        storageKey: id,
        createdAt: nowMicros(),
      })
    })
    return presentItem(ctx, item)
  } catch (err) {
    await storage.delete(id)
    throw err
  }
}

/**
 * Upload quotas (ATRIUM_UPLOAD_QUOTA_USER_BYTES per uploader address, ATRIUM_UPLOAD_QUOTA_ORG_BYTES
 * per organization; 0 = none): the bytes already stored plus this upload must fit.
 */
async function checkQuota(ctx: Context, db: Executor, principal: Principal, size: number): Promise<void> {
  const { uploadQuotaUserBytes: perUploader, uploadQuotaOrgBytes: perOrg } = ctx.config.limits
  if (perUploader === 0 && perOrg === 0) return
  const usage = await uploadUsage(db, principal.orgId, authorOf(principal))
  if (perUploader > 0 && usage.uploader + size > perUploader) {
    fail('quota_exceeded', `body: ${authorOf(principal)} already stores ${usage.uploader} bytes of uploads; ${size} more would exceed its quota of ${perUploader} bytes (ATRIUM_UPLOAD_QUOTA_USER_BYTES)`)
  }
  if (perOrg > 0 && usage.org + size > perOrg) {
    fail('quota_exceeded', `body: the organization already stores ${usage.org} bytes of uploads; ${size} more would exceed its quota of ${perOrg} bytes (ATRIUM_UPLOAD_QUOTA_ORG_BYTES)`)
  }
}

/** The bytes behind an item's url. Item ids are unguessable; the url works without a token. */
export async function readItemFile(ctx: Context, id: string): Promise<{ item: Item; bytes: Buffer }> {
  const item = /^[0-9a-f-]{36}$/.test(id) ? await findItem(ctx.db, id) : undefined
  if (!item) fail('not_found', 'No such item.')
  const bytes = await storageOf(ctx).get(item.storageKey)
  if (!bytes) fail('not_found', 'The item has no stored file.')
  return { item, bytes }
}
