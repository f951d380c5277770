/** Schemes a link in a message may use. Anything else (javascript:, data:, vbscript:…) is inert text. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:'])

/** The URL if it is absolute and uses a safe scheme, else null. */
export function safeUrl(raw: string): string | null {
  const trimmed = raw.trim()
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"); refuse them.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(trimmed)) return null
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    return null
  }
  return SAFE_SCHEMES.has(url.protocol) ? url.href : null
}
