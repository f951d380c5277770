import type { Config } from '../config.js'
import { publicUrl } from '../public-url.js'

/**
 * Plain renderings of stored messages for the facades that only carry text (Roomlio `body`,
 * the compliance export): where an item is served. Their Block Kit text is blockkit/text.ts.
 */

/** The public URL of an uploaded item (where item.upload serves it). */
export function itemUrl(config: Config, itemId: string): string {
  return publicUrl(config, `/items/${itemId}`)
}
