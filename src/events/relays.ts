import { compileExpression, useDotAccessOperatorAndOptionalChaining } from 'filtrex'
import Mustache from 'mustache'
import { BLOCK_LIMITS, colorError } from '../blockkit/index.js'
import type { ColorRule, RelayLink } from '../domain.js'
import { fail } from '../errors.js'

/**
 * What a relay does with one payload: its filter and color rules are filtrex expressions
 * (`alert.severity in ("critical", "high") and not resolved`, dots reach into nested objects,
 * missing fields are undefined rather than errors), its text and link URL are Mustache templates
 * over the payload. The result is Block Kit that passes chat.post's validation: one mrkdwn
 * section, an optional URL button, an optional color strip.
 */

export const RELAY_LIMITS = {
  name: 64,
  template: 4000,
  expression: 1000,
  colorRules: 20,
  recipients: 50,
  linkText: BLOCK_LIMITS.buttonText,
  urlTemplate: BLOCK_LIMITS.url,
  /** Largest payload a relay URL accepts, in bytes. */
  bodyBytes: 256 * 1024,
} as const

type Condition = (view: Record<string, unknown>) => boolean

const compiled = new Map<string, Condition>()
const COMPILED_MAX = 1000

/** Compiles a filtrex expression, or fails with a 400 naming the field and the parse problem. */
export function compileCondition(field: string, expression: string): Condition {
  const cached = compiled.get(expression)
  if (cached) return cached
  if (expression.trim() === '') fail('invalid_request', `${field}: must not be empty`)
  if (expression.length > RELAY_LIMITS.expression) fail('invalid_request', `${field}: must be at most ${RELAY_LIMITS.expression} characters`)
  let fn: (obj: unknown) => unknown
  try {
    fn = compileExpression(expression, {
      customProp: useDotAccessOperatorAndOptionalChaining,
      constants: { true: true, false: false, null: null },
    })
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n').join(' ').replace(/\s+/g, ' ').trim() : String(err)
    fail('invalid_request', `${field}: not a valid filter expression (${detail})`)
  }
  // A compiled expression never throws; it returns an Error (unknown function, type mismatch),
  // which counts as "does not hold".
  const condition: Condition = (view) => {
    const result = fn(view)
    return !(result instanceof Error) && Boolean(result)
  }
  if (compiled.size >= COMPILED_MAX) compiled.clear()
  compiled.set(expression, condition)
  return condition
}

/** Checks that a Mustache template parses, or fails with a 400 naming the field. */
export function checkTemplate(field: string, template: string, max: number): void {
  if (template.trim() === '') fail('invalid_request', `${field}: must not be empty`)
  if (template.length > max) fail('invalid_request', `${field}: must be at most ${max} characters`)
  try {
    Mustache.parse(template)
  } catch (err) {
    fail('invalid_request', `${field}: not a valid Mustache template (${err instanceof Error ? err.message : String(err)})`)
  }
}

export function checkColorRules(rules: readonly ColorRule[]): void {
  if (rules.length > RELAY_LIMITS.colorRules) fail('invalid_request', `colorRules: at most ${RELAY_LIMITS.colorRules} rules`)
  rules.forEach((rule, i) => {
    compileCondition(`colorRules/${i}/when`, rule.when)
    const error = colorError(rule.color, `colorRules/${i}/color`)
    if (error) fail('invalid_request', error)
  })
}

export function checkLink(link: RelayLink): void {
  if (link.text.trim() === '') fail('invalid_request', 'link/text: must not be empty')
  if (link.text.length > RELAY_LIMITS.linkText) fail('invalid_request', `link/text: must be at most ${RELAY_LIMITS.linkText} characters`)
  checkTemplate('link/urlTemplate', link.urlTemplate, RELAY_LIMITS.urlTemplate)
}

/** What templates and expressions see: the payload's fields, or `payload` for a non-object payload. */
export function relayView(payload: unknown): Record<string, unknown> {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : { payload }
}

const asText = (value: unknown): string => (value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value))

export interface RelayRendering {
  blocks: unknown[]
  color?: string
}

export interface RelayDefinition {
  template: string | null
  colorRules: readonly ColorRule[]
  link: RelayLink | null
}

/** Whether a payload passes the relay's filter (no filter: every payload does). */
export function passesRelayFilter(filter: string | null, payload: unknown): boolean {
  return filter === null || compileCondition('filter', filter)(relayView(payload))
}

const ELLIPSIS = '…'

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}${ELLIPSIS}`
}

/** The default text: the payload as an indented JSON code block, cut to fit a section. */
function defaultText(payload: unknown, max: number): string {
  const json = JSON.stringify(payload, null, 2) ?? 'null'
  const room = max - 8
  return `\`\`\`\n${json.length <= room ? json : `${json.slice(0, room - 1)}${ELLIPSIS}`}\n\`\`\``
}

function linkUrl(link: RelayLink, view: Record<string, unknown>): string | undefined {
  // {{field}} is URL-encoded (a path or query part); {{{field}}} is inserted as it is (a whole URL).
  const url = Mustache.render(link.urlTemplate, view, {}, { escape: (v: unknown) => encodeURIComponent(asText(v)) }).trim()
  if (url.length > BLOCK_LIMITS.url || !/^https?:\/\/\S+$/i.test(url)) return undefined
  let href: string
  try {
    href = new URL(url).href
  } catch {
    return undefined
  }
  return href.length <= BLOCK_LIMITS.url ? href : undefined
}

/**
 * The message for one payload. The text is the template rendered without HTML escaping (it is
 * mrkdwn, not HTML) and objects rendered as JSON; it is cut to the section limit and, for
 * multi-byte text, further until the blocks fit Block Kit's byte limit. A link whose URL does not
 * render to an http(s) URL for this payload is left out. An empty rendering is a 400.
 */
export function renderRelayMessage(relay: RelayDefinition, payload: unknown): RelayRendering {
  const view = relayView(payload)
  let max: number = BLOCK_LIMITS.sectionText
  const rendered = relay.template === null ? null : Mustache.render(relay.template, view, {}, { escape: asText })
  if (rendered !== null && rendered.trim() === '') fail('invalid_request', 'template: rendered an empty message for this payload')
  const url = relay.link ? linkUrl(relay.link, view) : undefined
  const color = relay.colorRules.find((rule) => compileCondition('colorRules', rule.when)(view))?.color
  for (;;) {
    const text = rendered === null ? defaultText(payload, max) : clip(rendered, max)
    const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text } }]
    if (relay.link && url) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: relay.link.text }, url }] })
    const bytes = Buffer.byteLength(JSON.stringify(blocks), 'utf8')
    if (bytes <= BLOCK_LIMITS.bytes || max <= 16) return { blocks, ...(color ? { color } : {}) }
    max = Math.max(16, Math.floor((max * BLOCK_LIMITS.bytes) / bytes) - 16)
  }
}
