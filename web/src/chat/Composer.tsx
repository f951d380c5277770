import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react'
import { post, upload } from '../api'
import { useOffice } from '../people'
import { EmojiPicker } from '../emoji/EmojiPicker'
import { closedShortcode, loadEmoji, mayHaveShortcodes, replaceShortcodesOutsideCode, searchEmoji, shortcodeQuery, useEmoji, type Emoji } from '../emoji/emoji'
import type { Item } from './types'

/**
 * Message composer: Enter sends, Shift+Enter breaks the line; `@` opens mention suggestions
 * (arrow keys + Enter/Tab to pick, `@all` for everyone) that are sent as `<@U-…>`; files are uploaded
 * first (item.upload) and attached; a poll can be posted instead of text. Emoji: `:` and two
 * letters suggest emoji by shortcode (picked like mentions); a shortcode becomes its emoji as soon
 * as its closing `:` is typed, and any left in the text (pasted, say) on send, outside code; the
 * emoji button opens a searchable picker.
 */
export function Composer({ chat, threadTimestamp, label, onSent }: { chat: string; threadTimestamp?: number; label: string; onSent?: () => void }) {
  const { people, bots } = useOffice()
  const [text, setText] = useState('')
  const [files, setFiles] = useState<File[]>([])
  // Remounts the file input after a send so the same file can be picked again.
  const [fileInput, setFileInput] = useState(0)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [query, setQuery] = useState<string | null>(null)
  const [selected, setSelected] = useState(0)
  const [polling, setPolling] = useState(false)
  const [emojiQuery, setEmojiQuery] = useState<string | null>(null)
  const [emojiWanted, setEmojiWanted] = useState(false)
  const emoji = useEmoji(emojiWanted)
  // Where the caret goes after the text is rewritten (a shortcode replaced, an emoji inserted).
  const caretAfter = useRef<number | null>(null)
  useLayoutEffect(() => {
    if (caretAfter.current === null || !area.current) return
    area.current.setSelectionRange(caretAfter.current, caretAfter.current)
    caretAfter.current = null
  }, [text])
  const mentions = useRef(new Map<string, string>())
  const area = useRef<HTMLTextAreaElement>(null)
  const lastTyping = useRef(0)
  const id = `composer-${threadTimestamp ?? 'main'}`

  const suggestions =
    query === null
      ? []
      : [{ id: 'all', name: 'all' }, ...people.map((p) => ({ id: p.id, name: p.name })), ...bots.map((b) => ({ id: b.id, name: b.name }))]
          .filter((p) => p.name.toLowerCase().startsWith(query.toLowerCase()))
          .slice(0, 8)

  const emojiSuggestions = query === null && emojiQuery !== null && emoji ? searchEmoji(emoji, emojiQuery, 8) : []

  const onChange = (value: string) => {
    let caret = area.current?.selectionStart ?? value.length
    if (value.includes(':')) setEmojiWanted(true)
    const closed = emoji ? closedShortcode(value.slice(0, caret), emoji) : null
    if (closed) {
      value = value.slice(0, caret - closed.length) + closed.emoji.unicode + value.slice(caret)
      caret = caret - closed.length + closed.emoji.unicode.length
      caretAfter.current = caret
    }
    setText(value)
    const before = value.slice(0, caret)
    setEmojiQuery(shortcodeQuery(before))
    const m = /(^|\s)@([\w.-]*)$/.exec(before)
    setQuery(m ? m[2]! : null)
    setSelected(0)
    const now = Date.now()
    if (value && now - lastTyping.current > 3000) {
      lastTyping.current = now
      void post('/app/chat.typing', { chat, ...(threadTimestamp ? { threadTimestamp } : {}) }).catch(() => undefined)
    }
  }

  const pick = (s: { id: string; name: string }) => {
    const caret = area.current?.selectionStart ?? text.length
    const before = text.slice(0, caret).replace(/@([\w.-]*)$/, `@${s.name} `)
    mentions.current.set(`@${s.name}`, s.id === 'all' ? '<@all>' : `<@${s.id}>`)
    setText(before + text.slice(caret))
    setQuery(null)
    area.current?.focus()
  }

  const pickEmoji = (e: Emoji) => {
    const caret = area.current?.selectionStart ?? text.length
    const before = text.slice(0, caret).replace(/:[a-z0-9_+-]*$/i, `${e.unicode} `)
    caretAfter.current = before.length
    setText(before + text.slice(caret))
    setEmojiQuery(null)
    area.current?.focus()
  }

  const insert = (unicode: string) => {
    const el = area.current
    const start = el?.selectionStart ?? text.length
    const end = el?.selectionEnd ?? text.length
    caretAfter.current = start + unicode.length
    setText(text.slice(0, start) + unicode + text.slice(end))
    el?.focus()
  }

  const encode = (value: string) => {
    let out = value
    const entries = [...mentions.current].sort((a, b) => b[0].length - a[0].length)
    for (const [display, token] of entries) out = out.split(display).join(token)
    return out
  }

  const send = async () => {
    if (busy || (!text.trim() && files.length === 0)) return
    setBusy(true)
    setError(null)
    try {
      const items: string[] = []
      for (const f of files) {
        const r = await upload<Item | { item: Item }>('/app/item.upload', f)
        items.push('item' in r ? r.item.id : r.id)
      }
      const body = mayHaveShortcodes(text) ? replaceShortcodesOutsideCode(text, await loadEmoji().catch(() => ({ emojis: [], byShortcode: new Map() }))) : text
      await post('/v0/chat.post', {
        chat,
        ...(text.trim() ? { text: encode(body), markdown: true } : {}),
        ...(items.length ? { items } : {}),
        ...(threadTimestamp ? { threadTimestamp } : {}),
      })
      setText('')
      setFiles([])
      setFileInput((n) => n + 1)
      mentions.current.clear()
      onSent?.()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return
    if (emojiSuggestions.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault()
        const n = emojiSuggestions.length
        setSelected((s) => (s + (e.key === 'ArrowDown' ? 1 : n - 1)) % n)
        return
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault()
        pickEmoji(emojiSuggestions[Math.min(selected, emojiSuggestions.length - 1)]!)
        setSelected(0)
        return
      }
      if (e.key === 'Escape') {
        setEmojiQuery(null)
        return
      }
    }
    if (suggestions.length > 0) {
      if (e.key === 'ArrowDown') {
        e.preventDefault()
        setSelected((s) => (s + 1) % suggestions.length)
        return
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault()
        setSelected((s) => (s - 1 + suggestions.length) % suggestions.length)
        return
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault()
        pick(suggestions[selected]!)
        return
      }
      if (e.key === 'Escape') {
        setQuery(null)
        return
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault()
      void send()
    }
  }

  return (
    <div className="composer-wrap">
      {polling && <PollForm chat={chat} onDone={() => setPolling(false)} />}
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault()
          void send()
        }}
      >
        {suggestions.length > 0 && (
          <ul className="suggestions" role="listbox" id={`${id}-suggestions`} aria-label="Mention suggestions">
            {suggestions.map((s, i) => (
              <li key={s.id} role="option" aria-selected={i === selected} onMouseDown={(e) => { e.preventDefault(); pick(s) }}>
                @{s.name}
                {s.id === 'all' && <span className="muted"> — everyone</span>}
                {s.id.startsWith('B-') && <span className="muted"> — app</span>}
              </li>
            ))}
          </ul>
        )}
        {emojiSuggestions.length > 0 && (
          <ul className="suggestions" role="listbox" id={`${id}-emoji`} aria-label="Emoji suggestions">
            {emojiSuggestions.map((s, i) => (
              <li key={s.unicode} id={`${id}-emoji-${i}`} role="option" aria-selected={i === Math.min(selected, emojiSuggestions.length - 1)} onMouseDown={(e) => { e.preventDefault(); pickEmoji(s) }}>
                <span aria-hidden="true">{s.unicode}</span> :{s.shortcodes.find((c) => c.startsWith(emojiQuery!.toLowerCase())) ?? s.shortcodes[0]}:
              </li>
            ))}
          </ul>
        )}
        <label htmlFor={id} className="visually-hidden">
          {label}
        </label>
        <textarea
          id={id}
          ref={area}
          value={text}
          placeholder={label}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          aria-autocomplete="list"
          aria-controls={suggestions.length ? `${id}-suggestions` : emojiSuggestions.length ? `${id}-emoji` : undefined}
          aria-expanded={suggestions.length > 0 || emojiSuggestions.length > 0}
          role="combobox"
        />
        <EmojiPicker onPick={insert} />
        <label className="file-pick">
          <span className="visually-hidden">Attach files</span>
          <input key={fileInput} type="file" multiple aria-label="Attach files" onChange={(e) => setFiles([...(e.target.files ?? [])])} />
        </label>
        {!threadTimestamp && (
          <button type="button" onClick={() => setPolling((p) => !p)} aria-expanded={polling}>
            Poll
          </button>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Send
        </button>
        {files.length > 0 && (
          <p className="muted" style={{ flexBasis: '100%', margin: 0 }}>
            Attached: {files.map((f) => f.name).join(', ')}
          </p>
        )}
        {error && (
          <p role="alert" className="error" style={{ flexBasis: '100%', margin: 0 }}>
            {error}
          </p>
        )}
      </form>
    </div>
  )
}

function PollForm({ chat, onDone }: { chat: string; onDone: () => void }) {
  const [question, setQuestion] = useState('')
  const [options, setOptions] = useState(['', ''])
  const [multiple, setMultiple] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = async () => {
    setError(null)
    try {
      await post('/v0/chat.post', { chat, poll: { question, options: options.map((o) => o.trim()).filter(Boolean), allowMultipleAnswers: multiple } })
      onDone()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <form
      className="card poll-form"
      style={{ margin: '0.5rem 1rem' }}
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      <label htmlFor="poll-question">Question</label>
      <input id="poll-question" value={question} onChange={(e) => setQuestion(e.target.value)} required />
      {options.map((o, i) => (
        <div key={i}>
          <label htmlFor={`poll-option-${i}`}>Option {i + 1}</label>{' '}
          <input id={`poll-option-${i}`} value={o} onChange={(e) => setOptions(options.map((x, j) => (j === i ? e.target.value : x)))} />
        </div>
      ))}
      <div className="row">
        <button type="button" onClick={() => setOptions([...options, ''])} disabled={options.length >= 10}>
          Add option
        </button>
        <label>
          <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} /> Allow several answers
        </label>
        <button type="submit" className="primary">
          Post poll
        </button>
      </div>
      {error && <p className="error">{error}</p>}
    </form>
  )
}
