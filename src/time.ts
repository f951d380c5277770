/** Time helpers. Atrium stores every instant as integer Unix microseconds. */

export function nowMicros(): number {
  return Date.now() * 1000
}

export function microsToIso(us: number): string {
  // RFC 3339, UTC, second precision, as in Roam's examples.
  return new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** RFC 3339 UTC with six fractional digits (`2026-07-07T18:23:45.123456Z`), as in `/v1` webhook envelopes. */
export function microsToIsoMicros(us: number): string {
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000
  const seconds = Math.floor((us - micros) / 1000)
  return new Date(seconds).toISOString().replace(/\.\d{3}Z$/, `.${String(micros).padStart(6, '0')}Z`)
}

export function microsToIsoMillis(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString()
}

const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/

/** True when the fields name a real calendar day and clock time (no 2026-02-30, no 24:00, no 60 s). */
function realDateTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  const t = new Date(0)
  t.setUTCFullYear(y, mo - 1, d) // not Date.UTC, which reads years 0-99 as 1900-1999
  t.setUTCHours(h, mi, s, 0)
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s
}

/**
 * Parses `YYYY-MM-DD` (UTC midnight) or an RFC 3339 date-time into microseconds. Impossible
 * dates and times (`2026-02-30`, `25:00`, an offset of `+24:00`) are undefined, never rolled
 * over into the next month or day as `Date.parse` would.
 */
export function parseDateParam(value: string): number | undefined {
  const day = dateOnly.exec(value)
  if (day) {
    const [y, mo, d] = [Number(day[1]), Number(day[2]), Number(day[3])]
    return realDateTime(y, mo, d) ? Date.parse(`${value}T00:00:00Z`) * 1000 : undefined
  }
  const m = rfc3339.exec(value)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]))
  if (!realDateTime(y!, mo!, d!, h!, mi!, s!)) return undefined
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return undefined
  const fraction = m[7]?.slice(1)
  const extraMicros = fraction && fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, '0')) : 0
  return ms * 1000 + extraMicros
}

let lastMonotonic = 0

/**
 * Like nowMicros, but strictly increasing within this process: rows stamped in the same
 * millisecond (users, audit entries) still sort in the order they were made.
 */
export function monotonicMicros(): number {
  lastMonotonic = Math.max(nowMicros(), lastMonotonic + 1)
  return lastMonotonic
}
