import type { Config } from './config.js'
import type { Db } from './store/db.js'
import type { EventBus } from './events/bus.js'
import type { FileStorage } from './storage/index.js'

/** What actions need from the running process. Built once by buildApp or the CLI. */
export interface Context {
  readonly db: Db
  readonly config: Config
  /** Uploaded file bytes; defaults to the database on PostgreSQL, the data directory on SQLite. */
  readonly storage?: FileStorage
  /** Realtime notifications (typing); the HTTP application always provides one. */
  readonly bus?: EventBus
}
