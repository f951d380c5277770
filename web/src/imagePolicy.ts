import { createContext, useContext } from 'react'

/**
 * Which images a message may show. The server's Content-Security-Policy lets the browser load
 * images only from this origin, data: and blob: URLs, and the origins an administrator allowed
 * (ATRIUM_IMAGE_ORIGINS, sent in /app/session as `imageOrigins`), so a reader's browser never
 * fetches someone else's tracking pixel. An image from anywhere else is shown as a link instead.
 */
export interface ImagePolicy {
  /** Origins besides the page's own, e.g. `https://images.example.com`. */
  allowedOrigins: readonly string[]
}

export const ImagePolicyContext = createContext<ImagePolicy>({ allowedOrigins: [] })

export function useImagePolicy(): ImagePolicy {
  return useContext(ImagePolicyContext)
}

/** True when the browser would be allowed to load `src` (and so the message may show it). */
export function imageAllowed(src: string, policy: ImagePolicy, pageOrigin: string = window.location.origin): boolean {
  let url: URL
  try {
    url = new URL(src, pageOrigin)
  } catch {
    return false
  }
  if (url.protocol === 'data:' || url.protocol === 'blob:') return true
  return url.origin === pageOrigin || policy.allowedOrigins.includes(url.origin)
}
