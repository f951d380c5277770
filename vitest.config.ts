import { defineConfig } from 'vitest/config'
import react from '@vitejs/plugin-react'

/**
 * The suite runs once per database dialect. `ATRIUM_TEST_DIALECTS=sqlite` (or `postgres`) narrows
 * it; PostgreSQL is reached at ATRIUM_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 * The web client's component tests (web/**\/*.test.tsx) need no database and run once, as the `web`
 * project (`ATRIUM_TEST_WEB=0` skips them).
 */
const all = ['sqlite', 'postgres'] as const
const wanted = (process.env.ATRIUM_TEST_DIALECTS ?? all.join(','))
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is (typeof all)[number] => (all as readonly string[]).includes(d))

const web = {
  plugins: [react()],
  test: {
    name: 'web',
    include: ['web/**/*.test.tsx'],
    environment: 'happy-dom' as const,
    testTimeout: 30_000,
  },
}

export default defineConfig({
  test: {
    projects: [
      ...wanted.map((dialect) => ({
        extends: true as const,
        test: {
          name: dialect,
          include: ['test/**/*.test.ts'],
          env: { ATRIUM_TEST_DIALECT: dialect },
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Drops what interrupted runs left and fills the pool of migrated schemas (test/databases.ts).
          ...(dialect === 'postgres' ? { globalSetup: ['test/global-setup.ts'] } : {}),
          // Test files of one dialect share their worker's loaded modules: the compiled route
          // schemas, the migrated SQLite image and the schema pool's connection outlive a file.
          // Each test still gets its own database and application (TestEnv), so no data is shared.
          isolate: process.env.ATRIUM_TEST_ISOLATE === '1',
        },
      })),
      ...(process.env.ATRIUM_TEST_WEB === '0' ? [] : [web]),
    ],
  },
})
