import { Fragment, type ReactNode } from 'react'
import { safeUrl } from '../safeUrl'
import { useDirectory } from '../directory'

/**
 * Slack-style mrkdwn as used by Roam's Block Kit: *bold*, _italic_, ~strike~, `code`, ```blocks```,
 * <url|label> and <url> links, <@U-…> mentions (shown with the person's name) and <@all> / <!here> /
 * <!channel> / <!everyone> (shown as "everyone"). The parser builds React elements only — never HTML —
 * so any markup in the text stays text; links are kept only for http(s) and mailto.
 */
export type MrkdwnNode =
  | { t: 'text'; v: string }
  | { t: 'bold' | 'italic' | 'strike'; c: MrkdwnNode[] }
  | { t: 'code'; v: string }
  | { t: 'pre'; v: string }
  | { t: 'link'; href: string; c: MrkdwnNode[] }
  | { t: 'mention'; id: string }
  | { t: 'everyone' }
  | { t: 'br' }

const STYLE: Record<string, 'bold' | 'italic' | 'strike'> = { '*': 'bold', _: 'italic', '~': 'strike' }
const MENTION_RE = /^@([UB]-[0-9a-f-]{36})(?:\|[^>]*)?$/i
const EVERYONE = new Set(['@all', '!here', '!channel', '!everyone', '@here', '@channel', '@everyone'])

function isBoundary(ch: string | undefined): boolean {
  return ch === undefined || /[\s.,;:!?()[\]{}"'\-/]/.test(ch)
}

/** Parses mrkdwn into a small tree; bounded, linear-ish in the input length. */
export function parseMrkdwn(input: string, depth = 0): MrkdwnNode[] {
  const out: MrkdwnNode[] = []
  let text = ''
  const flush = () => {
    if (!text) return
    const lines = text.split('\n')
    lines.forEach((line, i) => {
      if (i > 0) out.push({ t: 'br' })
      if (line) out.push({ t: 'text', v: line })
    })
    text = ''
  }
  let i = 0
  while (i < input.length) {
    const ch = input[i]!
    if (input.startsWith('```', i)) {
      const end = input.indexOf('```', i + 3)
      if (end > i + 3) {
        flush()
        out.push({ t: 'pre', v: input.slice(i + 3, end).replace(/^\n/, '') })
        i = end + 3
        continue
      }
    }
    if (ch === '`') {
      const end = input.indexOf('`', i + 1)
      if (end > i + 1 && !input.slice(i + 1, end).includes('\n')) {
        flush()
        out.push({ t: 'code', v: input.slice(i + 1, end) })
        i = end + 1
        continue
      }
    }
    if (ch === '<') {
      const end = input.indexOf('>', i + 1)
      if (end > i + 1 && !input.slice(i + 1, end).includes('\n')) {
        const inner = input.slice(i + 1, end)
        const node = parseAngle(inner, depth)
        if (node) {
          flush()
          out.push(node)
          i = end + 1
          continue
        }
      }
    }
    const style = STYLE[ch]
    if (style && depth < 4 && isBoundary(input[i - 1]) && input[i + 1] !== undefined && !/\s/.test(input[i + 1]!)) {
      let end = input.indexOf(ch, i + 1)
      while (end !== -1 && (/\s/.test(input[end - 1]!) || !isBoundary(input[end + 1]))) end = input.indexOf(ch, end + 1)
      if (end > i + 1 && !input.slice(i + 1, end).includes('\n')) {
        flush()
        out.push({ t: style, c: parseMrkdwn(input.slice(i + 1, end), depth + 1) })
        i = end + 1
        continue
      }
    }
    text += ch
    i += 1
  }
  flush()
  return out
}

function parseAngle(inner: string, depth: number): MrkdwnNode | null {
  const mention = MENTION_RE.exec(inner)
  if (mention) return { t: 'mention', id: mention[1]!.toLowerCase().replace(/^([ub])/, (m) => m.toUpperCase()) }
  if (EVERYONE.has(inner.split('|')[0]!.toLowerCase())) return { t: 'everyone' }
  const bar = inner.indexOf('|')
  const target = bar === -1 ? inner : inner.slice(0, bar)
  const label = bar === -1 ? inner : inner.slice(bar + 1)
  const href = safeUrl(target)
  if (href) return { t: 'link', href, c: bar === -1 ? [{ t: 'text', v: label }] : parseMrkdwn(label, depth + 1) }
  // An unsafe or unknown link keeps its label as plain text.
  return bar === -1 ? null : { t: 'text', v: label }
}

export function Mention({ id }: { id: string }) {
  const directory = useDirectory()
  const name = directory.nameOf(id)
  return (
    <span className="mention" data-mention={id} title={id}>
      @{name ?? 'unknown'}
    </span>
  )
}

export function renderMrkdwn(nodes: MrkdwnNode[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text':
        return <Fragment key={i}>{n.v}</Fragment>
      case 'br':
        return <br key={i} />
      case 'bold':
        return <strong key={i}>{renderMrkdwn(n.c)}</strong>
      case 'italic':
        return <em key={i}>{renderMrkdwn(n.c)}</em>
      case 'strike':
        return <del key={i}>{renderMrkdwn(n.c)}</del>
      case 'code':
        return <code key={i}>{n.v}</code>
      case 'pre':
        return (
          <pre key={i}>
            <code>{n.v}</code>
          </pre>
        )
      case 'link':
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer">
            {renderMrkdwn(n.c)}
          </a>
        )
      case 'mention':
        return <Mention key={i} id={n.id} />
      case 'everyone':
        return (
          <span key={i} className="mention mention-all" data-mention="all">
            @everyone
          </span>
        )
    }
  })
}

export function Mrkdwn({ text }: { text: string }) {
  return <>{renderMrkdwn(parseMrkdwn(text))}</>
}
