import { randomBytes, randomUUID } from 'node:crypto'

/**
 * Tagged ids: one upper-case letter, a hyphen, a lower-case UUID (Roam's `TaggedUUID`).
 * U user · B bot (an app's chat identity) · V visitor · G group · C channel chat · D DM chat ·
 * M multi-person DM chat. The tag is a type marker over the stored UUID.
 */
export type Tag = 'U' | 'B' | 'V' | 'G' | 'C' | 'D' | 'M'

export const TAGGED_UUID_PATTERN = '^[BUVGMDPC]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
const taggedRe = new RegExp(TAGGED_UUID_PATTERN)
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function newId(): string {
  return randomUUID()
}

/**
 * A time-ordered UUID (version 7: 48-bit Unix milliseconds, then random bits), as Roam uses for
 * `/v1` webhook event ids.
 */
export function newTimeOrderedId(at: number = Date.now()): string {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(Math.floor(at), 0, 6)
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function tag(t: Tag, uuid: string): string {
  return `${t}-${uuid}`
}

export interface ParsedTagged {
  tag: Tag
  uuid: string
}

/** Parses a tagged id; returns undefined when the string is not one. */
export function parseTagged(value: string): ParsedTagged | undefined {
  if (!taggedRe.test(value)) return undefined
  return { tag: value[0] as Tag, uuid: value.slice(2) }
}

export function isUuid(value: string): boolean {
  return uuidRe.test(value)
}
