import { dropStaleSchemas, warmPool } from './databases.js'

/**
 * Once per run of the PostgreSQL project, before any test file: drops what interrupted runs left
 * in the test database and fills the pool of migrated schemas the tests lease (test/databases.ts).
 */
export default async function setup(): Promise<void> {
  await dropStaleSchemas()
  await warmPool(4)
}
