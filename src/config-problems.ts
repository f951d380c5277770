import type { TSchema } from 'typebox'
import Value from 'typebox/value'

/**
 * One readable line per invalid environment variable: its name, the value received (secrets shown
 * only by their length, passwords in URLs masked) and what would be valid, e.g.
 * `ATRIUM_LOG_LEVEL is "verbose"; expected one of fatal, error, warn, info, debug, trace, silent`.
 *
 * A property schema may carry `expected` (a phrase saying what is valid, for patterns a reader cannot
 * be expected to decode) and `secret: true` (never print the value).
 */
export function describeEnvProblems(properties: Record<string, TSchema>, parsed: Record<string, unknown>, raw: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const [name, schema] of Object.entries(properties)) {
    const value = parsed[name]
    if (value === undefined || Value.Check(schema, value)) continue
    problems.push(`${name} is ${shown(name, schema, raw[name] ?? value)}; expected ${expectation(schema)}`)
  }
  return problems
}

/** The value as received, safe to print. */
export function shown(name: string, schema: TSchema, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if ((schema as { secret?: boolean }).secret === true || /SECRET|PASSWORD|API_KEY|TOKEN/.test(name)) {
    return `a secret of ${text.length} character${text.length === 1 ? '' : 's'}`
  }
  return JSON.stringify(maskUrlPassword(text))
}

/** `postgres://user:hunter2@host/db` → `postgres://user:***@host/db`; anything else unchanged. */
export function maskUrlPassword(text: string): string {
  try {
    const url = new URL(text)
    if (url.password === '') return text
    url.password = '***'
    return url.toString()
  } catch {
    return text
  }
}

/** What a schema accepts, in words. */
function expectation(schema: TSchema): string {
  const s = schema as Record<string, unknown>
  if (typeof s.expected === 'string') return s.expected
  const anyOf = s.anyOf as Array<Record<string, unknown>> | undefined
  if (anyOf && anyOf.every((option) => 'const' in option)) return `one of ${anyOf.map((option) => String(option.const)).join(', ')}`
  const min = s.minimum as number | undefined
  const max = s.maximum as number | undefined
  const above = s.exclusiveMinimum as number | undefined
  switch (s.type) {
    case 'integer':
      if (min !== undefined && max !== undefined) return `a whole number from ${min} to ${max}`
      if (min !== undefined) return `a whole number of at least ${min}`
      return 'a whole number'
    case 'number':
      if (above !== undefined) return `a number greater than ${above}`
      if (min !== undefined) return `a number of at least ${min}`
      return 'a number'
    case 'boolean':
      return 'true or false'
    case 'string':
      if (typeof s.pattern === 'string') return `a value matching ${s.pattern}`
      if (typeof s.minLength === 'number' && s.minLength > 1) return `at least ${s.minLength} characters`
      return 'a non-empty value'
    default:
      return 'a valid value'
  }
}
