import fc from 'fast-check'

/**
 * fast-check arbitraries that turn a route's TypeBox (JSON Schema) request schema into request
 * values: valid ones built from the fixture's own ids (so handlers are reached), boundary ones
 * (limits, limits ± 1, 32/53/64-bit edges) and hostile ones (wrong types, NUL, lone surrogates,
 * overlong numbers, huge and deeply nested values).
 */

/** JSON text inserted verbatim where a value is serialised (numbers JSON.stringify cannot write, deep nesting). */
export class Raw {
  constructor(readonly text: string) {}
}

export type Schema = Record<string, unknown>

/** Values the fixture knows: strings (ids, addresses, emails, handles, tokens) and integers (message keys). */
export interface Pools {
  strings: string[]
  integers: number[]
  /** Likely values of a property by its name (`chat`, `text`, `email`, …), so requests reach the handlers. */
  byName: Record<string, unknown[]>
}

/**
 * How a value is made: `valid` from the schema and the fixture's values; `boundary` with limits
 * and limits ± 1; `hostile` with any node possibly replaced; `mutate` valid except for exactly one
 * node replaced by a hostile value (so the rest of the request gets deep into the handler);
 * `retype` valid except for exactly one node sent as another JSON type (a number for a string, a
 * string for a list, null, …), which a JSON body must be refused for, not converted.
 */
export type Mode = 'valid' | 'boundary' | 'hostile' | 'mutate' | 'retype'

/** Values of every JSON type, written as a client that got a field's type wrong would send them. */
const WRONG_TYPES: unknown[] = [42, -1, 1.5, 0, '42', 'true', '', true, false, null, ['x'], [], {}, { value: 'x' }]

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** The paths of every node below `value`, in the order replaceNode and retypeNode count them. */
function nodePaths(value: unknown): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = []
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: value, path: [] }]
  while (stack.length > 0) {
    const { node, path } = stack.pop()!
    if (node === null || typeof node !== 'object' || node instanceof Raw) continue
    for (const [key, child] of Array.isArray(node) ? node.map((x, i) => [i, x] as const) : Object.entries(node)) {
      paths.push([...path, key])
      stack.push({ node: child, path: [...path, key] })
    }
  }
  return paths
}

/** `value` with its n-th node (or itself, when it has none) replaced by one of another JSON type. */
function retypeNode(value: unknown, n: number, pick: number): unknown {
  const paths = nodePaths(value)
  const path = paths.length === 0 ? [] : paths[n % paths.length]!
  let current: unknown = value
  for (const step of path) current = (current as Record<string | number, unknown>)[step]
  const others = WRONG_TYPES.filter((w) => jsonType(w) !== jsonType(current))
  return replaceNode(value, n, others[pick % others.length])
}

const nest = (depth: number, open: string, close: string, inner = '0') => new Raw(open.repeat(depth) + inner + close.repeat(depth))

/** Deeply nested JSON at the limit's edge (64 accepted, 65 refused) and far beyond it. */
export const deepValue: fc.Arbitrary<Raw> = fc.oneof(
  fc.constantFrom(64, 65, 3000, 20_000, 50_000).map((d) => nest(d, '[', ']')),
  fc.constantFrom(63, 65, 20_000).map((d) => nest(d, '{"a":', '}')),
  fc.constantFrom(64, 20_000).map((d) => new Raw('['.repeat(d) + '{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}' + ']'.repeat(d))),
)

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', 'x'.repeat(64) + '\u0000', '\ud800', 'x\udfffy', '\udc00\ud800') },
  { weight: 3, arbitrary: fc.constantFrom(
    '',
    ' ',
    '%00',
    '..%2f..%2fetc%2fpasswd',
    '<script>alert(1)</script>',
    "'; DROP TABLE messages; --",
    '{{#a}}{{/a}}{{{b}}}',
    '${process.exit()}',
    '\u202egnp.exe',
    '🏠'.repeat(300),
    'x'.repeat(70_000),
    'U-00000000-0000-4000-8000-000000000000',
    'G-not-a-uuid',
    '__proto__',
    'constructor',
    '99999999999999999999',
    '-1',
    '1e400',
    'NaN',
    'true',
    'null',
    '2026-02-30T25:61:61Z',
    '9999-12-31T23:59:59Z',
    '0000-01-01',
    '*',
    'user:read chat:write admin',
  ) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
)

export const hostileNumber: fc.Arbitrary<number | Raw> = fc.oneof(
  fc.constantFrom<number | Raw>(
    new Raw('99999999999999999999'),
    new Raw('123456789012345678901234567890'),
    new Raw('1e400'),
    new Raw('-1e400'),
    new Raw('1e-400'),
    new Raw('-0'),
    new Raw('1.0'),
    new Raw('1E2'),
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 63,
    -(2 ** 63),
    2 ** 64,
    1e20,
    -1e20,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -1,
    0,
    0.5,
    -0.000001,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** Any hostile value: wrong type, extreme number or string, huge or deep structure. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 5, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [null], { '': null }, { '\u0000': 1 }, { __proto__: null, constructor: { prototype: 1 } }) },
  { weight: 2, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constantFrom(new Array(20_000).fill(1), Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
)

function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined
}

function stringArb(schema: Schema, pools: Pools, mode: Mode): fc.Arbitrary<string> {
  const min = asNumber(schema.minLength) ?? 0
  const max = asNumber(schema.maxLength)
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined
  const fromPool = pools.strings.filter((s) => (!pattern || pattern.test(s)) && s.length >= min && (max === undefined || s.length <= max))
  const options: Array<fc.WeightedArbitrary<string>> = []
  if (fromPool.length > 0) options.push({ weight: 6, arbitrary: fc.constantFrom(...fromPool) })
  if (pattern) {
    options.push({ weight: 2, arbitrary: fc.stringMatching(pattern).filter((s) => s.length >= min && (max === undefined || s.length <= max)) })
  } else {
    options.push({ weight: 3, arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max ?? 24, 24)) }) })
  }
  if (mode !== 'valid') {
    const edges = [min, Math.max(0, min - 1), ...(max !== undefined ? [max, max + 1] : [])]
    options.push({ weight: 2, arbitrary: fc.constantFrom(...edges).map((n) => 'é'.repeat(n)) })
  }
  return fc.oneof(...options)
}

function integerArb(schema: Schema, pools: Pools, mode: Mode, integer: boolean): fc.Arbitrary<number | Raw> {
  const min = asNumber(schema.minimum) ?? (asNumber(schema.exclusiveMinimum) !== undefined ? asNumber(schema.exclusiveMinimum)! + 1 : undefined)
  const max = asNumber(schema.maximum) ?? (asNumber(schema.exclusiveMaximum) !== undefined ? asNumber(schema.exclusiveMaximum)! - 1 : undefined)
  const lo = Math.max(min ?? -1000, -1e6)
  const hi = Math.min(max ?? 1e6, 1e6)
  const inRange = pools.integers.filter((n) => (min === undefined || n >= min) && (max === undefined || n <= max))
  const options: Array<fc.WeightedArbitrary<number | Raw>> = [
    { weight: 4, arbitrary: integer ? fc.integer({ min: Math.ceil(Math.min(lo, hi)), max: Math.floor(Math.max(lo, hi)) }) : fc.double({ min: Math.min(lo, hi), max: Math.max(lo, hi), noNaN: true }) },
  ]
  if (inRange.length > 0) options.push({ weight: 4, arbitrary: fc.constantFrom(...inRange) })
  if (mode !== 'valid') {
    const edges = [min, max, min !== undefined ? min - 1 : undefined, max !== undefined ? max + 1 : undefined].filter((n): n is number => n !== undefined)
    if (edges.length > 0) options.push({ weight: 3, arbitrary: fc.constantFrom(...edges) })
    options.push({ weight: 2, arbitrary: hostileNumber })
  }
  return fc.oneof(...options)
}

/** A value for `schema`; in boundary and hostile modes, any node may be replaced. */
export function valueArb(schema: Schema | undefined, pools: Pools, mode: Mode, depth = 0, name?: string): fc.Arbitrary<unknown> {
  if (mode === 'mutate') {
    return fc.tuple(valueArb(schema, pools, 'valid', depth, name), fc.nat(), hostileValue).map(([value, n, hostile]) => replaceNode(value, n, hostile))
  }
  if (mode === 'retype') {
    return fc.tuple(valueArb(schema, pools, 'valid', depth, name), fc.nat(), fc.nat()).map(([value, n, pick]) => retypeNode(value, n, pick))
  }
  const generic = baseArb(schema ?? {}, pools, mode, depth)
  const hints = name === undefined ? undefined : pools.byName[name]
  const base = hints ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hints) }, { weight: 1, arbitrary: generic }) : generic
  if (mode !== 'hostile') return base
  return fc.oneof({ weight: 5, arbitrary: base }, { weight: 1, arbitrary: hostileValue })
}

function baseArb(schema: Schema, pools: Pools, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueArb(s, pools, mode, depth)))
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]))
  const type = schema.type
  switch (type) {
    case 'string':
      return stringArb(schema, pools, mode)
    case 'integer':
      return integerArb(schema, pools, mode, true)
    case 'number':
      return integerArb(schema, pools, mode, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      if (depth > 6) return fc.constant([])
      const minItems = asNumber(schema.minItems) ?? 0
      const maxItems = Math.max(minItems, Math.min(asNumber(schema.maxItems) ?? 4, 4))
      const items = valueArb((schema.items as Schema | undefined) ?? {}, pools, mode, depth + 1)
      const arrays = fc.array(items, { minLength: minItems, maxLength: maxItems })
      if (mode === 'valid' || schema.maxItems === undefined) return arrays
      return fc.oneof({ weight: 4, arbitrary: arrays }, { weight: 1, arbitrary: fc.array(items, { minLength: (schema.maxItems as number) + 1, maxLength: (schema.maxItems as number) + 1 }) })
    }
    case 'object': {
      if (depth > 6) return fc.constant({})
      const properties = (schema.properties ?? {}) as Record<string, Schema>
      const required = new Set((schema.required ?? []) as string[])
      const entries = Object.entries(properties)
      if (entries.length === 0) {
        const values = (schema.additionalProperties ?? Object.values((schema.patternProperties ?? {}) as Record<string, Schema>)[0]) as Schema | boolean | undefined
        return fc.dictionary(stringArb({ maxLength: 24 }, pools, mode), valueArb(typeof values === 'object' ? values : {}, pools, mode, depth + 1), { maxKeys: 4 }) as fc.Arbitrary<unknown>
      }
      // Optional properties are usually left out: combinations of them are mostly refused.
      const absent = Symbol('absent')
      const record = fc
        .tuple(...entries.map(([k, s]) => (required.has(k) ? valueArb(s, pools, mode, depth + 1, k) : fc.oneof({ weight: 3, arbitrary: fc.constant(absent) }, { weight: 1, arbitrary: valueArb(s, pools, mode, depth + 1, k) }))))
        .map((values) => Object.fromEntries(entries.map(([k], i) => [k, values[i]]).filter(([, v]) => v !== absent)) as Record<string, unknown>)
      if (mode === 'valid') return record
      // Now and then a property is dropped (a required one goes missing) or a foreign one added.
      return fc.tuple(record, fc.option(fc.constantFrom(...entries.map(([k]) => k), 'foreign', '__proto__'), { freq: 4 }), fc.boolean(), hostileValue).map(([value, key, drop, extra]) => {
        if (key === null) return value
        const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
        if (drop && key in properties) delete copy[key]
        else Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true })
        return copy
      })
    }
    default:
      // Unknown / Any: JSON built from the fixture's own values (SCIM and relay bodies get their own shapes).
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...pools.strings), fc.dictionary(fc.constantFrom('chat', 'text', 'id', 'value', 'type'), fc.constantFrom(...pools.strings), { maxKeys: 3 }))
  }
}

/** A value as JSON text, with Raw parts written verbatim. */
export function toJsonText(value: unknown): string {
  const raws: string[] = []
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `\u0001raw${raws.push(v.text) - 1}\u0001` : v)) ?? 'null'
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!)
}

/** A value as a query-string or form field: strings as they are, numbers as written, the rest as JSON. */
export function toFieldText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Raw) return value.text
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return toJsonText(value)
}

/** Percent-encodes a string as UTF-8 (lone surrogates become U+FFFD, as a browser sends them). */
export function encodeSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')
}

/** A query string or form body from an object of fields (arrays as repeated fields). */
export function encodeFields(fields: unknown): string {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields) || fields instanceof Raw) return encodeSegment(toFieldText(fields))
  const parts: string[] = []
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${encodeSegment(key)}=${encodeSegment(toFieldText(v))}`)
  }
  return parts.join('&')
}

/** `value` with its n-th node (pre-order, modulo the count; the root only when it has no children) replaced. */
export function replaceNode(value: unknown, n: number, replacement: unknown): unknown {
  const paths = nodePaths(value)
  if (paths.length === 0) return replacement
  const path = paths[n % paths.length]!
  const copy = copyValue(value) as Record<string | number, unknown>
  let at = copy
  for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>
  Object.defineProperty(at, path[path.length - 1]!, { value: replacement, enumerable: true, writable: true, configurable: true })
  return copy
}

/** A deep copy of a generated value (Raw parts shared; own `__proto__` keys kept as data). */
function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Raw) return value
  if (Array.isArray(value)) return value.map(copyValue)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: copyValue(v), enumerable: true, writable: true, configurable: true })
  return out
}
