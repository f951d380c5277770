/**
 * Block Kit validation for the subset Roam supports: header, section (with an optional button
 * accessory), context, divider and actions (1–8 buttons). Every violation is reported with a JSON
 * pointer into the request body and, for limits, the limit itself, e.g.
 * `blocks/3/elements/8: actions allow at most 8 buttons`.
 *
 * Roam documents the block types, the button kinds and three limits (10 blocks, 8,000 bytes,
 * 8 buttons). Where it is silent, the field limits are Slack's, since layouts are meant to be
 * prototyped in Slack's Block Kit Builder: header text 150 characters, section text 3,000,
 * button text 75, context elements 10, action_id and block_id 255, button value 2,000, url 3,000.
 * The optional Slack fields the Builder emits (`block_id`, `emoji` on plain_text, `verbatim` on
 * mrkdwn, `action_id`/`value` next to a `url`) are accepted; any other field is rejected by name.
 */

export const BLOCK_LIMITS = {
  blocks: 10,
  bytes: 8000,
  buttons: 8,
  contextElements: 10,
  headerText: 150,
  sectionText: 3000,
  contextText: 3000,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  value: 2000,
  url: 3000,
} as const

export const COLOR_NAMES = ['good', 'warning', 'danger'] as const
const hexColor = /^#[0-9a-fA-F]{6}$/

export interface BlockKitResult {
  errors: string[]
  /** True when a button without a url asks for a callback to the app's Interactivity URL. */
  interactive: boolean
}

type Obj = Record<string, unknown>

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Validates a top-level `color`: good, warning, danger or #RRGGBB. */
export function colorError(color: string, pointer = 'color'): string | undefined {
  if ((COLOR_NAMES as readonly string[]).includes(color) || hexColor.test(color)) return undefined
  return `${pointer}: must be good, warning, danger or a hex color #RRGGBB`
}

class Checker {
  readonly errors: string[] = []
  interactive = false

  err(pointer: string, message: string): void {
    this.errors.push(`${pointer}: ${message}`)
  }

  allowOnly(obj: Obj, pointer: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.err(`${pointer}/${key}`, 'is not allowed here')
    }
  }

  string(obj: Obj, key: string, pointer: string, max: number, required: boolean): string | undefined {
    const value = obj[key]
    if (value === undefined) {
      if (required) this.err(`${pointer}/${key}`, 'is required')
      return undefined
    }
    if (typeof value !== 'string') {
      this.err(`${pointer}/${key}`, 'must be a string')
      return undefined
    }
    if (value.length === 0) this.err(`${pointer}/${key}`, 'must not be empty')
    else if (value.length > max) this.err(`${pointer}/${key}`, `must be at most ${max} characters`)
    return value
  }

  text(value: unknown, pointer: string, kinds: ReadonlyArray<'plain_text' | 'mrkdwn'>, max: number): void {
    if (value === undefined) return this.err(pointer, 'is required')
    if (!isObject(value)) return this.err(pointer, 'must be a text object {"type": "plain_text"|"mrkdwn", "text": …}')
    const type = value.type
    if (type !== 'plain_text' && type !== 'mrkdwn') {
      return this.err(`${pointer}/type`, 'must be "plain_text" or "mrkdwn"')
    }
    if (!kinds.includes(type)) return this.err(`${pointer}/type`, `must be "plain_text" here (mrkdwn is allowed only in section and context)`)
    this.allowOnly(value, pointer, type === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim'])
    this.string(value, 'text', pointer, max, true)
    if (value.emoji !== undefined && typeof value.emoji !== 'boolean') this.err(`${pointer}/emoji`, 'must be a boolean')
    if (value.verbatim !== undefined && typeof value.verbatim !== 'boolean') this.err(`${pointer}/verbatim`, 'must be a boolean')
  }

  button(value: unknown, pointer: string): void {
    if (!isObject(value)) return this.err(pointer, 'must be a button object')
    if (value.type !== 'button') return this.err(`${pointer}/type`, 'must be "button"')
    this.allowOnly(value, pointer, ['type', 'text', 'url', 'action_id', 'value', 'style'])
    this.text(value.text, `${pointer}/text`, ['plain_text'], BLOCK_LIMITS.buttonText)
    if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') {
      this.err(`${pointer}/style`, 'must be "primary" or "danger" (omit it for the default style)')
    }
    const url = this.string(value, 'url', pointer, BLOCK_LIMITS.url, false)
    const actionId = this.string(value, 'action_id', pointer, BLOCK_LIMITS.actionId, false)
    const buttonValue = this.string(value, 'value', pointer, BLOCK_LIMITS.value, false)
    if (url !== undefined) {
      if (!/^https?:\/\/\S+$/i.test(url)) this.err(`${pointer}/url`, 'must be an http or https URL')
      return
    }
    // No url: an interactive button, which needs both action_id and value.
    if (actionId === undefined && buttonValue === undefined) {
      return this.err(pointer, 'a button needs a url, or action_id and value for an interactive button')
    }
    if (actionId === undefined) this.err(`${pointer}/action_id`, 'is required for an interactive button (one without url)')
    if (buttonValue === undefined) this.err(`${pointer}/value`, 'is required for an interactive button (one without url)')
    this.interactive = true
  }

  block(block: unknown, pointer: string): void {
    if (!isObject(block)) return this.err(pointer, 'must be a block object')
    const common = ['type', 'block_id']
    if (block.block_id !== undefined) this.string(block, 'block_id', pointer, BLOCK_LIMITS.blockId, false)
    switch (block.type) {
      case 'header':
        this.allowOnly(block, pointer, [...common, 'text'])
        this.text(block.text, `${pointer}/text`, ['plain_text'], BLOCK_LIMITS.headerText)
        return
      case 'section':
        this.allowOnly(block, pointer, [...common, 'text', 'accessory'])
        this.text(block.text, `${pointer}/text`, ['plain_text', 'mrkdwn'], BLOCK_LIMITS.sectionText)
        if (block.accessory !== undefined) this.button(block.accessory, `${pointer}/accessory`)
        return
      case 'context': {
        this.allowOnly(block, pointer, [...common, 'elements'])
        const elements = block.elements
        if (!Array.isArray(elements)) return this.err(`${pointer}/elements`, 'must be an array of text objects')
        if (elements.length === 0) return this.err(`${pointer}/elements`, 'must contain at least 1 text object')
        elements.forEach((el, i) => {
          if (i >= BLOCK_LIMITS.contextElements) {
            this.err(`${pointer}/elements/${i}`, `context allows at most ${BLOCK_LIMITS.contextElements} elements`)
          } else this.text(el, `${pointer}/elements/${i}`, ['plain_text', 'mrkdwn'], BLOCK_LIMITS.contextText)
        })
        return
      }
      case 'divider':
        this.allowOnly(block, pointer, common)
        return
      case 'actions': {
        this.allowOnly(block, pointer, [...common, 'elements'])
        const elements = block.elements
        if (!Array.isArray(elements)) return this.err(`${pointer}/elements`, 'must be an array of buttons')
        if (elements.length === 0) return this.err(`${pointer}/elements`, 'actions need at least 1 button')
        elements.forEach((el, i) => {
          if (i >= BLOCK_LIMITS.buttons) this.err(`${pointer}/elements/${i}`, `actions allow at most ${BLOCK_LIMITS.buttons} buttons`)
          else this.button(el, `${pointer}/elements/${i}`)
        })
        return
      }
      case undefined:
        return this.err(`${pointer}/type`, 'is required')
      default:
        return this.err(`${pointer}/type`, 'must be one of "header", "section", "context", "divider", "actions"')
    }
  }
}

/** Validates `blocks` (and the message-level limits). `pointer` is where blocks sit in the body. */
export function validateBlocks(blocks: unknown, pointer = 'blocks'): BlockKitResult {
  const checker = new Checker()
  if (!Array.isArray(blocks)) {
    checker.err(pointer, 'must be an array of blocks')
    return { errors: checker.errors, interactive: false }
  }
  if (blocks.length === 0) checker.err(pointer, 'must contain at least 1 block')
  const bytes = Buffer.byteLength(JSON.stringify(blocks), 'utf8')
  if (bytes > BLOCK_LIMITS.bytes) checker.err(pointer, `must be at most ${BLOCK_LIMITS.bytes} bytes as JSON (got ${bytes})`)
  blocks.forEach((block, i) => {
    if (i >= BLOCK_LIMITS.blocks) checker.err(`${pointer}/${i}`, `a message allows at most ${BLOCK_LIMITS.blocks} blocks`)
    else checker.block(block, `${pointer}/${i}`)
  })
  return { errors: checker.errors, interactive: checker.interactive }
}
