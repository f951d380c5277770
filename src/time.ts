/** Time helpers. Atrium stores every instant as integer Unix microseconds. */

export function nowMicros(): number {
  return Date.now() * 1000
}

export function microsToIso(us: number): string {
  // RFC 3339, UTC, second precision, as in Roam's examples.
  return new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function microsToIsoMillis(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString()
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** Parses `YYYY-MM-DD` (UTC midnight) or an RFC 3339 date-time into microseconds. */
export function parseDateParam(value: string): number | undefined {
  if (!dateOnly.test(value) && !rfc3339.test(value)) return undefined
  const ms = Date.parse(dateOnly.test(value) ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(ms)) return undefined
  const fraction = /\.(\d+)/.exec(value)?.[1]
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
