import { useEffect, useRef, useState } from 'react'
import { post } from '../api'
import { BlockKit, type ActionHandler } from '../blockkit/BlockKit'
import { MessageText } from '../markdown/MessageText'
import { useDirectory } from '../directory'
import { imageAllowed, useImagePolicy } from '../imagePolicy'
import { useEmoji } from '../emoji/emoji'
import type { ActionOutcome } from '../blockkit/types'
import type { Message } from './types'

const QUICK_REACTIONS: Array<[string, string]> = [
  ['thumbs_up', '👍'],
  ['heart', '❤️'],
  ['tada', '🎉'],
  ['eyes', '👀'],
]
const EMOJI: Record<string, string> = Object.fromEntries(QUICK_REACTIONS)

export function senderName(name: string | undefined, address: string): string {
  if (name) return name
  return address.startsWith('B-') ? 'App' : 'Someone'
}

function formatTime(us: number): string {
  return new Date(Math.floor(us / 1000)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

function PollView({ message }: { message: Message }) {
  const poll = message.poll!
  const [tally, setTally] = useState<{ counts: Record<string, number>; mine: string[] } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    post<{ counts: Record<string, number>; mine: string[] }>('/app/poll.results', { chat: message.chat, timestamp: message.timestamp })
      .then(setTally)
      .catch(() => setTally({ counts: {}, mine: [] }))
  }, [message.chat, message.timestamp, message.reactions])
  const vote = async (option: string) => {
    setError(null)
    const mine = tally?.mine ?? []
    const next = poll.allowMultipleAnswers ? (mine.includes(option) ? mine.filter((o) => o !== option) : [...mine, option]) : mine.includes(option) ? [] : [option]
    try {
      setTally(await post('/app/poll.vote', { chat: message.chat, timestamp: message.timestamp, options: next }))
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <div className="poll" role="group" aria-label={`Poll: ${poll.question}`}>
      <strong>{poll.question}</strong>
      {poll.options.map((o) => (
        <button key={o.id} type="button" aria-pressed={tally?.mine.includes(o.id) ?? false} onClick={() => void vote(o.id)}>
          <span>{o.text}</span>
          <span>{tally?.counts[o.id] ?? 0}</span>
        </button>
      ))}
      {error && <p className="error">{error}</p>}
    </div>
  )
}

export function MessageView({
  message,
  me,
  highlighted,
  replies,
  onOpenThread,
  onReact,
  onEdit,
  onDelete,
}: {
  message: Message
  me: string
  /** The message a search result opened: marked, and focusable so focus can land on it. */
  highlighted?: boolean
  replies?: number
  onOpenThread?: () => void
  onReact: (name: string) => void
  onEdit: (text: string) => Promise<void>
  onDelete: () => Promise<void>
}) {
  const directory = useDirectory()
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(message.text ?? '')
  const name = senderName(directory.nameOf(message.sender), message.sender)
  const editButton = useRef<HTMLButtonElement>(null)
  const refocusEdit = useRef(false)
  const cancelEdit = () => {
    refocusEdit.current = true
    setEditing(false)
  }
  useEffect(() => {
    if (!editing && refocusEdit.current) {
      refocusEdit.current = false
      editButton.current?.focus()
    }
  }, [editing])
  const mine = message.sender === me
  // A picture the Content-Security-Policy would block is not requested: the initial instead.
  const policy = useImagePolicy()
  const pictureUrl = directory.pictureOf?.(message.sender)
  const picture = pictureUrl && imageAllowed(pictureUrl, policy) ? pictureUrl : null
  const onAction: ActionHandler = async ({ blockId, actionId, value }) => {
    void value
    const r = await post<{ outcome: ActionOutcome }>('/v0/interactivity.click', { chat: message.chat, timestamp: message.timestamp, blockId, actionId })
    return r.outcome
  }
  const reactions = new Map<string, { count: number; mine: boolean; who: string[] }>()
  for (const r of message.reactions ?? []) {
    const e = reactions.get(r.name) ?? { count: 0, mine: false, who: [] }
    e.count += 1
    e.mine ||= r.user.id === me
    e.who.push(r.user.name)
    reactions.set(r.name, e)
  }
  const emoji = useEmoji([...reactions.keys()].some((r) => !EMOJI[r]))
  return (
    <article
      className={highlighted ? 'message highlighted' : 'message'}
      aria-label={`${name} at ${formatTime(message.timestamp)}${highlighted ? ', search result' : ''}`}
      aria-current={highlighted ? 'true' : undefined}
      tabIndex={highlighted ? -1 : undefined}
      data-ts={message.timestamp}
    >
      <span className="avatar" aria-hidden="true">
        {picture ? <img src={picture} alt="" /> : name.slice(0, 1).toUpperCase()}
      </span>
      <div className="body">
        <div className="meta">
          <strong>{name}</strong>
          <time dateTime={new Date(Math.floor(message.timestamp / 1000)).toISOString()}>{formatTime(message.timestamp)}</time>
          {/* A streamed message grows by edits; those are its writing, not corrections. */}
          {message.edited && message.streaming === undefined && <span className="edited">(edited)</span>}
          {message.streaming && (
            <span className="streaming" role="status">
              {message.thinking ? 'thinking…' : 'writing…'}
            </span>
          )}
        </div>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault()
              void onEdit(draft).then(() => setEditing(false))
            }}
          >
            <label className="visually-hidden" htmlFor={`edit-${message.timestamp}`}>
              Edit message
            </label>
            <textarea
              id={`edit-${message.timestamp}`}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                // As in the composer: Enter saves, Shift+Enter breaks the line, Escape cancels.
                if (e.nativeEvent.isComposing) return
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault()
                  e.currentTarget.form?.requestSubmit()
                } else if (e.key === 'Escape') {
                  e.preventDefault()
                  cancelEdit()
                }
              }}
              aria-describedby={`edit-help-${message.timestamp}`}
              autoFocus
            />
            <span id={`edit-help-${message.timestamp}`} className="visually-hidden">
              Enter saves, Shift+Enter starts a new line, Escape cancels.
            </span>
            <div className="tools">
              <button type="submit" className="primary">
                Save
              </button>
              <button type="button" onClick={cancelEdit}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <>
            {message.contentType === 'block' && message.blocks && <BlockKit blocks={message.blocks} color={message.color} onAction={onAction} />}
            {message.contentType !== 'block' && message.thinking ? (
              // Reasoning is shown open while it is written, then folded away under its answer.
              <details className="thinking" open={message.streaming ? true : undefined}>
                <summary>Reasoning</summary>
                {message.text ? <MessageText text={message.text} /> : null}
              </details>
            ) : (
              message.contentType !== 'block' && message.text && <MessageText text={message.text} />
            )}
            {message.streaming && !message.text && !message.thinking && (
              <p className="stream-waiting" aria-hidden="true">
                …
              </p>
            )}
            {message.contentType === 'poll' && message.poll && <PollView message={message} />}
          </>
        )}
        {message.items?.map((item) =>
          item.type === 'photo' || item.mime?.startsWith('image/') ? (
            <a key={item.id} className="attachment" href={item.url} target="_blank" rel="noopener noreferrer">
              <img className="preview" src={item.thumbnail ?? item.url} alt={item.name} loading="lazy" />
            </a>
          ) : (
            <a key={item.id} className="attachment" href={item.url} target="_blank" rel="noopener noreferrer" download={item.name}>
              📎 {item.name}
            </a>
          ),
        )}
        {reactions.size > 0 && (
          <div className="reactions" aria-label="Reactions">
            {[...reactions].map(([r, e]) => (
              <button key={r} type="button" aria-pressed={e.mine} title={e.who.join(', ')} onClick={() => onReact(r)} aria-label={`${r} reaction, ${e.count}`}>
                {EMOJI[r] ?? emoji?.byShortcode.get(r)?.unicode ?? `:${r}:`} {e.count}
              </button>
            ))}
          </div>
        )}
        <div className="tools">
          {QUICK_REACTIONS.map(([r, emoji]) => (
            <button key={r} type="button" onClick={() => onReact(r)} aria-label={`React with ${r}`}>
              {emoji}
            </button>
          ))}
          {onOpenThread && (
            <button type="button" onClick={onOpenThread}>
              {replies ? `${replies} ${replies === 1 ? 'reply' : 'replies'}` : 'Reply in thread'}
            </button>
          )}
          {mine && message.contentType === 'text' && !editing && !message.streaming && (
            <button type="button" ref={editButton} onClick={() => { setDraft(message.text ?? ''); setEditing(true) }}>
              Edit
            </button>
          )}
          {mine && (
            <button type="button" className="danger" onClick={() => { if (window.confirm('Delete this message?')) void onDelete() }}>
              Delete
            </button>
          )}
        </div>
      </div>
    </article>
  )
}
