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
export type ActionOutcome = 'clicked' | 'timeout' | 'unreachable' | 'app_error'

export const OUTCOME_TEXT: Record<ActionOutcome, string> = {
  clicked: 'Clicked',
  timeout: "App didn't respond in time",
  unreachable: "App didn't respond",
  app_error: 'App returned an error',
}

/** The id a block is known by in interactivity payloads: its block_id, else `<type>-<position from 1>`. */
export function blockIdOf(block: Block, index: number): string {
  return block.block_id ?? `${block.type}-${index + 1}`
}
