import { defineConfig } from 'vitest/config'

/**
 * The suite runs once per database dialect. `ATRIUM_TEST_DIALECTS=sqlite` (or `postgres`) narrows
 * it; PostgreSQL is reached at ATRIUM_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
const all = ['sqlite', 'postgres'] as const
const wanted = (process.env.ATRIUM_TEST_DIALECTS ?? all.join(','))
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is (typeof all)[number] => (all as readonly string[]).includes(d))

export default defineConfig({
  test: {
    projects: wanted.map((dialect) => ({
      extends: true,
      test: {
        name: dialect,
        include: ['test/**/*.test.ts'],
        env: { ATRIUM_TEST_DIALECT: dialect },
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    })),
  },
})
