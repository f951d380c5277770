import { randomUUID } from 'node:crypto'

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
