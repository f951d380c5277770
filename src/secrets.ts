import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Bearer secrets look like `<prefix><lookup>.<secret>`: the lookup part finds the row, the secret
 * part is only ever stored as a SHA-256 digest and compared in constant time. Both parts use
 * letters and digits only, so Roam's redaction pattern `rm[pk]-[A-Za-z0-9._~+/-]+` covers them.
 */
export type SecretPrefix = 'rmk-' | 'rmp-' | 'rmo-' | 'rmr-' | 'rmc-'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomToken(length: number): string {
  const out: string[] = []
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: reject the tail to keep the distribution uniform.
      if (byte < 248 && out.length < length) out.push(ALPHABET[byte % 62]!)
    }
  }
  return out.join('')
}

export interface IssuedSecret {
  /** The full bearer string, shown to its owner once. */
  token: string
  /** Public half: indexed, used to find the credential. */
  lookup: string
  /** SHA-256 of the secret half, hex. */
  hash: string
}

export function issueSecret(prefix: SecretPrefix): IssuedSecret {
  const lookup = randomToken(16)
  const secret = randomToken(40)
  return { token: `${prefix}${lookup}.${secret}`, lookup, hash: digest(secret) }
}

export interface PresentedSecret {
  prefix: SecretPrefix
  lookup: string
  secret: string
}

const presentedRe = /^(rm[kporc]-)([A-Za-z0-9]{16})\.([A-Za-z0-9]{40})$/

export function parseSecret(token: string): PresentedSecret | undefined {
  const m = presentedRe.exec(token)
  if (!m) return undefined
  return { prefix: m[1] as SecretPrefix, lookup: m[2]!, secret: m[3]! }
}

export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Constant-time check of a presented secret against a stored digest. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(digest(secret), 'hex')
  const b = Buffer.from(storedHash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}
