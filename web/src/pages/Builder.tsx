import { useEffect, useMemo, useState } from 'react'
import { post } from '../api'
import { BlockKit } from '../blockkit/BlockKit'
import type { Block } from '../blockkit/types'
import { SEED_EXAMPLE } from '../blockkit/example'

interface Violation {
  pointer: string
  message: string
}

/**
 * Block Kit builder: edit a chat.post body's `blocks` and `color` as JSON, see it rendered by the
 * same renderer as the chat, and the server's validation (POST /app/blockkit.validate, a dry run
 * of chat.post's Block Kit rules) as JSON pointers.
 */
export function Builder() {
  const [source, setSource] = useState(() => JSON.stringify(SEED_EXAMPLE, null, 2))
  const parsed = useMemo(() => {
    try {
      return { value: JSON.parse(source) as { blocks?: Block[]; color?: string }, error: null }
    } catch (e) {
      return { value: null, error: (e as Error).message }
    }
  }, [source])
  const [violations, setViolations] = useState<Violation[] | null>(null)
  const [serverError, setServerError] = useState<string | null>(null)

  useEffect(() => {
    if (!parsed.value) return
    const timer = setTimeout(() => {
      post<{ ok: boolean; errors: Violation[] }>('/app/blockkit.validate', parsed.value)
        .then((r) => {
          setViolations(r.errors)
          setServerError(null)
        })
        .catch((e: Error) => setServerError(e.message))
    }, 300)
    return () => clearTimeout(timer)
  }, [parsed.value])

  const blocks = Array.isArray(parsed.value?.blocks) ? parsed.value.blocks : []
  return (
    <div className="builder">
      <section className="builder-editor" aria-labelledby="builder-json">
        <h2 id="builder-json">Message JSON</h2>
        <label htmlFor="builder-source" className="visually-hidden">
          Block Kit JSON
        </label>
        <textarea
          id="builder-source"
          spellCheck={false}
          value={source}
          onChange={(e) => setSource(e.target.value)}
          aria-invalid={parsed.error !== null || (violations?.length ?? 0) > 0}
          aria-describedby="builder-problems"
        />
        <div id="builder-problems" className="builder-problems" aria-live="polite">
          {parsed.error && <p className="error">JSON: {parsed.error}</p>}
          {!parsed.error && serverError && <p className="error">{serverError}</p>}
          {!parsed.error && violations && violations.length === 0 && <p className="ok">Valid: chat.post would accept these blocks.</p>}
          {!parsed.error && violations && violations.length > 0 && (
            <ul>
              {violations.map((v, i) => (
                <li key={i}>
                  <code>{v.pointer || '/'}</code> {v.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
      <section className="builder-preview" aria-labelledby="builder-preview">
        <h2 id="builder-preview">Preview</h2>
        <div className="message preview">
          <BlockKit blocks={blocks} color={parsed.value?.color} onAction={async () => 'clicked'} />
        </div>
      </section>
    </div>
  )
}
