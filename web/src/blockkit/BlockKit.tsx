import { useState, type CSSProperties } from 'react'
import { safeUrl } from '../safeUrl'
import { Mrkdwn } from './mrkdwn'
import { blockIdOf, OUTCOME_TEXT, type ActionOutcome, type Block, type Button, type TextObject } from './types'

/** Sends a click on an interactive button; resolves to the outcome to show on the button. */
export type ActionHandler = (click: { blockId: string; actionId: string; value: string }) => Promise<ActionOutcome>

const NAMED_COLORS: Record<string, string> = { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' }

/** The strip colour for Roam's `color` field: good / warning / danger or #RRGGBB; anything else none. */
export function stripColor(color: string | undefined | null): string | undefined {
  if (!color) return undefined
  if (NAMED_COLORS[color]) return NAMED_COLORS[color]
  return /^#[0-9a-fA-F]{6}$/.test(color) ? color : undefined
}

function Text({ text }: { text: TextObject }) {
  return text.type === 'mrkdwn' ? <Mrkdwn text={text.text} /> : <>{text.text}</>
}

function UrlButton({ button }: { button: Button }) {
  const href = safeUrl(button.url ?? '')
  const cls = `bk-button${button.style ? ` bk-${button.style}` : ''}`
  if (!href) {
    return (
      <span className={`${cls} bk-disabled`} aria-disabled="true">
        {button.text.text}
      </span>
    )
  }
  return (
    <a className={cls} href={href} target="_blank" rel="noopener noreferrer">
      {button.text.text}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  )
}

function ActionButton({ button, blockId, onAction }: { button: Button; blockId: string; onAction?: ActionHandler }) {
  const [state, setState] = useState<'idle' | 'pending' | ActionOutcome>('idle')
  const click = async () => {
    if (!onAction || state === 'pending') return
    setState('pending')
    try {
      setState(await onAction({ blockId, actionId: button.action_id ?? '', value: button.value ?? '' }))
    } catch {
      setState('no_response')
    }
  }
  const outcome = state !== 'idle' && state !== 'pending' ? state : undefined
  const cls = `bk-button${button.style ? ` bk-${button.style}` : ''}${outcome ? ` bk-outcome-${outcome}` : ''}`
  return (
    <span className="bk-action">
      <button
        type="button"
        className={cls}
        onClick={click}
        disabled={!onAction || state === 'pending' || state === 'clicked'}
        aria-pressed={state === 'clicked' ? true : undefined}
        data-action-id={button.action_id}
      >
        {state === 'clicked' ? '✓ ' : ''}
        {button.text.text}
      </button>
      {outcome && (
        <span className={`bk-outcome bk-outcome-${outcome}`} role="status">
          {OUTCOME_TEXT[outcome]}
        </span>
      )}
      {state === 'pending' && (
        <span className="bk-outcome" role="status">
          Sending…
        </span>
      )}
    </span>
  )
}

function ButtonView({ button, blockId, onAction }: { button: Button; blockId: string; onAction?: ActionHandler }) {
  return button.url !== undefined ? <UrlButton button={button} /> : <ActionButton button={button} blockId={blockId} onAction={onAction} />
}

function BlockView({ block, blockId, onAction }: { block: Block; blockId: string; onAction?: ActionHandler }) {
  switch (block.type) {
    case 'header':
      return (
        <div className="bk-header" role="heading" aria-level={3}>
          {block.text.text}
        </div>
      )
    case 'section':
      return (
        <div className="bk-section">
          <div className="bk-section-text">
            <Text text={block.text} />
          </div>
          {block.accessory && (
            <div className="bk-accessory">
              <ButtonView button={block.accessory} blockId={blockId} onAction={onAction} />
            </div>
          )}
        </div>
      )
    case 'context':
      return (
        <div className="bk-context">
          {block.elements.map((el, i) => (
            <span key={i} className="bk-context-element">
              <Text text={el} />
            </span>
          ))}
        </div>
      )
    case 'divider':
      return <hr className="bk-divider" />
    case 'actions':
      return (
        <div className="bk-actions" role="group" aria-label="Actions">
          {block.elements.map((b, i) => (
            <ButtonView key={i} button={b} blockId={blockId} onAction={onAction} />
          ))}
        </div>
      )
    default:
      return null
  }
}

/** A Block Kit message: blocks in order, with the optional colour strip on the left. */
export function BlockKit({ blocks, color, onAction }: { blocks: Block[]; color?: string | null; onAction?: ActionHandler }) {
  const strip = stripColor(color)
  const style = strip ? ({ '--bk-strip': strip } as CSSProperties) : undefined
  return (
    <div className={`bk${strip ? ' bk-has-strip' : ''}`} style={style} data-color={strip}>
      {blocks.map((block, i) => (
        <BlockView key={i} block={block} blockId={blockIdOf(blocks, i)} onAction={onAction} />
      ))}
    </div>
  )
}
