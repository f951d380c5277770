import type { Config } from './config.js'
import type { Db } from './store/db.js'

/** What actions need from the running process. Built once by buildApp or the CLI. */
export interface Context {
  readonly db: Db
  readonly config: Config
}
