import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * The web client. `npm run build` writes web/dist, which Atrium serves at `/` on the API's own
 * origin. `npx vite --config web/vite.config.ts` runs a dev server that proxies the API to a local
 * Atrium on :8080.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: Object.fromEntries(
      ['/v0', '/v1', '/admin', '/app', '/oauth', '/login', '/logout', '/avatars', '/healthz', '/items', '/files'].map((p) => [p, { target: 'http://127.0.0.1:8080', ws: p === '/app' }]),
    ),
  },
})
