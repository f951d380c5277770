import { isUuid, parseTagged, type Tag } from './ids.js'

/**
 * Roomlio-style ids (`rm_…`, `msg_…`, `usr_…`, `lnk_…`) are a reversible encoding of what Atrium
 * already stores, so they need no table of their own and never change for the same object:
 *
 * | id      | bytes encoded                                            | length after the prefix |
 * |---------|----------------------------------------------------------|-------------------------|
 * | `rm_`   | the group's UUID (16 bytes)                              | 26                      |
 * | `lnk_`  | the item's UUID (16 bytes)                               | 26                      |
 * | `usr_`  | the address tag as one ASCII byte (`U`, `B`, `V`) + UUID | 28                      |
 * | `msg_`  | the chat's UUID + the message key (µs, 8 bytes big-endian) | 39                    |
 *
 * The alphabet is lower-case base32hex (`0-9a-v`, as Roomlio's own ids), most significant bit
 * first, with the last character's unused low bits zero. Decoding accepts only that canonical
 * form, so every object has exactly one id string.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuv'
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]))

function encode(bytes: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const byte of bytes) {
    acc = (acc << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(acc >> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]
  return out
}

function decode(text: string, byteLength: number): Uint8Array | undefined {
  if (text.length !== Math.ceil((byteLength * 8) / 5)) return undefined
  const out = new Uint8Array(byteLength)
  let acc = 0
  let bits = 0
  let i = 0
  for (const ch of text) {
    const v = VALUE.get(ch)
    if (v === undefined) return undefined
    acc = (acc << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      if (i < byteLength) out[i++] = (acc >> bits) & 255
      acc &= (1 << bits) - 1
    }
  }
  // Canonical form only: the padding bits of the last character are zero.
  if (acc !== 0) return undefined
  return out
}

function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ''), 'hex'))
}

function bytesUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

function stripPrefix(id: string, prefix: string): string | undefined {
  return id.startsWith(prefix) ? id.slice(prefix.length) : undefined
}

/** `rm_…` for a group (room) UUID. */
export function roomId(groupId: string): string {
  return `rm_${encode(uuidBytes(groupId))}`
}

/** The group UUID of a `rm_…` id, or undefined when the string is not one. */
export function parseRoomId(id: string): string | undefined {
  const body = stripPrefix(id, 'rm_')
  const bytes = body === undefined ? undefined : decode(body, 16)
  return bytes && bytesUuid(bytes)
}

/** `lnk_…` for an item UUID. */
export function linkId(itemId: string): string {
  return `lnk_${encode(uuidBytes(itemId))}`
}

export function parseLinkId(id: string): string | undefined {
  const body = stripPrefix(id, 'lnk_')
  const bytes = body === undefined ? undefined : decode(body, 16)
  return bytes && bytesUuid(bytes)
}

/** `usr_…` for a tagged sender address (`U-…`, `B-…`, `V-…`). */
export function userId(address: string): string {
  const parsed = parseTagged(address)
  if (!parsed) throw new Error(`not a tagged address: ${address}`)
  const bytes = new Uint8Array(17)
  bytes[0] = parsed.tag.charCodeAt(0)
  bytes.set(uuidBytes(parsed.uuid), 1)
  return `usr_${encode(bytes)}`
}

/** The tagged address of a `usr_…` id. */
export function parseUserId(id: string): string | undefined {
  const body = stripPrefix(id, 'usr_')
  const bytes = body === undefined ? undefined : decode(body, 17)
  if (!bytes) return undefined
  const t = String.fromCharCode(bytes[0]!) as Tag
  const address = `${t}-${bytesUuid(bytes.subarray(1))}`
  return parseTagged(address) ? address : undefined
}

export interface MessageKey {
  chatId: string
  ts: number
}

/** `msg_…` for the message (chat UUID, µs key). */
export function messageId(key: MessageKey): string {
  if (!isUuid(key.chatId) || !Number.isSafeInteger(key.ts) || key.ts < 0) throw new Error('invalid message key')
  const bytes = new Uint8Array(24)
  bytes.set(uuidBytes(key.chatId), 0)
  new DataView(bytes.buffer).setBigUint64(16, BigInt(key.ts))
  return `msg_${encode(bytes)}`
}

/** The (chat, µs key) of a `msg_…` id, or undefined when the string is not one. */
export function parseMessageId(id: string): MessageKey | undefined {
  const body = stripPrefix(id, 'msg_')
  const bytes = body === undefined ? undefined : decode(body, 24)
  if (!bytes) return undefined
  const ts = new DataView(bytes.buffer).getBigUint64(16)
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  return { chatId: bytesUuid(bytes.subarray(0, 16)), ts: Number(ts) }
}
