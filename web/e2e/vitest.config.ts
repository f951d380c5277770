import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * End-to-end tests of the web client: a real Atrium server (SQLite) serving the built client,
 * driven by Debian's Chromium through playwright-core. `npm run test:e2e` (after `npm run build`).
 * Every wait is on a condition (an element, a socket state, a received request), never a fixed
 * sleep; the limits are generous so a loaded two-core machine still passes.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['web/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 180_000,
  },
})
