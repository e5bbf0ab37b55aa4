import type { Config } from '../config/schema.ts'
import type { Database } from './database.ts'
import { EmbeddedDatabase } from './embedded-database.ts'
import { migrate } from './migrate.ts'
import { PgDatabase } from './pg-database.ts'

// The configured store, migrated: PostgreSQL when store.database_url (DATABASE_URL) is set, else the
// embedded engine under store.data_dir (DATA_DIR), else the embedded engine in memory.
export async function openDatabase (store: Config['store']): Promise<Database> {
  const db: Database = store.database_url
    ? new PgDatabase({ url: store.database_url })
    : await EmbeddedDatabase.open(store.data_dir)
  try {
    await migrate(db)
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
  return db
}
