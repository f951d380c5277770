import { firstStart, welcomeText } from '../actions/first-start.js'
import { requireOrganization } from '../actions/bootstrap.js'
import type { Config } from '../config.js'
import { publicUrl } from '../public-url.js'
import { openConfiguredDatabase } from '../store/first-start.js'
import { migrateToLatest } from '../store/migrate.js'

/**
 * `atrium init`: the explicit first start. Creates the database at the configured path (also where
 * `atrium serve` would refuse to, see prepareSqliteTarget), migrates it, creates the organization
 * and prints the first administrator's credentials once. On a database that already holds the
 * organization it changes nothing and says so.
 */
export async function runInit(config: Config, io: { json: boolean; stdout: (text: string) => void }): Promise<number> {
  const db = openConfiguredDatabase(config, { init: true })
  try {
    const database = config.database.dialect === 'sqlite' ? config.database.file : 'PostgreSQL'
    await migrateToLatest(db)
    const created = await firstStart({ db, config })
    if (!created) {
      const org = await requireOrganization({ db, config })
      io.stdout(
        io.json
          ? `${JSON.stringify({ created: false, organization: org.name, database })}\n`
          : `the database (${database}) already holds the organization "${org.name}"; nothing to do\n`,
      )
      return 0
    }
    io.stdout(
      io.json
        ? `${JSON.stringify({ created: true, database, url: publicUrl(config, '/'), ...created })}\n`
        : welcomeText({ config }, created),
    )
    return 0
  } finally {
    await db.destroy()
  }
}
