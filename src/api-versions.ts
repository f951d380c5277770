/**
 * The dated versions of Roam's `/v1` API that Atrium serves, oldest first, and what each one
 * changed. A request names one in its `Roam-Version` header; without it, the API client's pinned
 * version applies (the baseline until an administrator pins another). Code that behaves
 * differently by version asks `atLeast(version, '<date>')` with a date from this table.
 */
export const API_VERSIONS = [
  { version: '2026-06-01', change: 'Baseline: webhook deliveries are the bare event object.' },
  { version: '2026-07-07', change: 'Webhook deliveries are wrapped in {type, eventId, timestamp, apiVersion, data}; webhook-id is the eventId.' },
  { version: '2026-07-23', change: 'webhook.subscribe first sends a signed webhook.verification challenge and keeps the subscription only if it is echoed.' },
] as const

export type ApiVersion = (typeof API_VERSIONS)[number]['version']

export const BASELINE_VERSION: ApiVersion = API_VERSIONS[0].version

const known = new Set<string>(API_VERSIONS.map((v) => v.version))

export function isApiVersion(value: string): value is ApiVersion {
  return known.has(value)
}

/**
 * Why a version value cannot be served, or undefined when it can. `field` names where it came
 * from (the `Roam-Version` header, a subscription's `apiVersion`, a client's pin).
 */
export function apiVersionProblem(value: string, now: Date = new Date(), field = 'Roam-Version'): string | undefined {
  if (isApiVersion(value)) return undefined
  const list = API_VERSIONS.map((v) => v.version).join(', ')
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${field}: must be a date such as ${BASELINE_VERSION} (known versions: ${list})`
  if (value > now.toISOString().slice(0, 10)) return `${field}: ${value} is in the future (known versions: ${list})`
  return `${field}: ${value} is not a version of this API (known versions: ${list})`
}

/** Whether a served version includes the change dated `since`. */
export function atLeast(version: ApiVersion, since: ApiVersion): boolean {
  return version >= since
}
