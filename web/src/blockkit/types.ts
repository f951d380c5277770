/** Roam's Block Kit subset (seeds/roam-block-kit.txt). The server validates; the client renders. */
export interface PlainText {
  type: 'plain_text'
  text: string
  emoji?: boolean
}
export interface MrkdwnText {
  type: 'mrkdwn'
  text: string
}
export type TextObject = PlainText | MrkdwnText

export interface Button {
  type: 'button'
  text: PlainText
  url?: string
  action_id?: string
  value?: string
  style?: 'primary' | 'danger'
}

export type Block =
  | { type: 'header'; block_id?: string; text: PlainText }
  | { type: 'section'; block_id?: string; text: TextObject; accessory?: Button }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'actions'; block_id?: string; elements: Button[] }

/** What the person sees after clicking an interactive button (the four cases of the interactivity contract). */
export type ActionOutcome = 'clicked' | 'timeout' | 'no_response' | 'error'

export const OUTCOME_TEXT: Record<ActionOutcome, string> = {
  clicked: 'Clicked',
  timeout: "App didn't respond in time",
  no_response: "App didn't respond",
  error: 'App returned an error',
}

/**
 * The id a block is known by in interactivity payloads: its block_id, else `<type>-<n>` with n
 * counting blocks of that type from 1 (the documentation's single actions block is `actions-1`).
 */
export function blockIdOf(blocks: readonly Block[], index: number): string {
  const block = blocks[index]!
  if (block.block_id) return block.block_id
  const n = blocks.slice(0, index + 1).filter((b) => b.type === block.type).length
  return `${block.type}-${n}`
}
