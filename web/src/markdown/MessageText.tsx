import Markdown, { defaultUrlTransform, type Components } from 'react-markdown'
import remarkGfm from 'remark-gfm'
import { Mention } from '../blockkit/mrkdwn'
import { mayHaveShortcodes, remarkShortcodes, useEmoji } from '../emoji/emoji'
import { imageAllowed, useImagePolicy } from '../imagePolicy'
import { safeUrl } from '../safeUrl'

/**
 * Message text as Markdown (GFM), rendered without ever interpreting HTML: raw HTML in the text is
 * dropped by the renderer, and link/image URLs pass through a scheme allow-list (javascript: and
 * friends become empty). Mentions `<@U-…>` show the person's name, `<@all>` shows "everyone".
 */
const MENTION = /<@([UB]-[0-9a-f-]{36})>/gi
const EVERYONE = /<[@!](all|here|channel|everyone)>/gi

function markMentions(text: string): string {
  return text.replace(MENTION, (_m, id: string) => `[@${id}](mention:${id})`).replace(EVERYONE, '[@everyone](mention:all)')
}

function urlTransform(url: string): string {
  if (url.startsWith('mention:')) return url
  if (url.startsWith('/') && !url.startsWith('//')) return url
  return safeUrl(url) ?? defaultUrlTransform('')
}

const components: Components = {
  a({ href, children }) {
    if (href?.startsWith('mention:')) {
      const id = href.slice('mention:'.length)
      if (id === 'all')
        return (
          <span className="mention mention-all" data-mention="all">
            @everyone
          </span>
        )
      return <Mention id={id} />
    }
    if (!href) return <>{children}</>
    return (
      <a href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    )
  },
  img({ src, alt }) {
    if (typeof src !== 'string' || !src) return <>{alt}</>
    return <MessageImage src={src} alt={alt ?? ''} />
  },
}

/**
 * An image of this origin or an allowed one is shown; any other is a link to it (labelled by its
 * alt text), so reading a message never makes the browser fetch from a third party.
 */
function MessageImage({ src, alt }: { src: string; alt: string }) {
  const policy = useImagePolicy()
  if (imageAllowed(src, policy)) return <img src={src} alt={alt} loading="lazy" className="md-image" />
  return (
    <a href={src} target="_blank" rel="noopener noreferrer" className="md-image-link" title="External image, not loaded">
      {alt || src}
    </a>
  )
}

export function MessageText({ text }: { text: string }) {
  // Shortcodes as other clients send them (`:wave:`) show as the emoji, once the data is loaded.
  const emoji = useEmoji(mayHaveShortcodes(text))
  return (
    <div className="md">
      <Markdown remarkPlugins={[remarkGfm, remarkShortcodes(emoji)]} skipHtml urlTransform={urlTransform} components={components}>
        {markMentions(text)}
      </Markdown>
    </div>
  )
}
