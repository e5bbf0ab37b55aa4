import type { Config } from '../config/schema.ts'
import type { Database } from './database.ts'
import { migrate } from './migrate.ts'

// The store could not be opened or migrated. The message names the store without credentials.
export class StoreOpenError extends Error {}

// Where a store URL points, for messages: never the user or password.
export function describeStore (store: Config['store']): string {
  if (!store.database_url) return store.data_dir ? `the embedded store in ${store.data_dir}` : 'the in-memory store'
  try {
    const u = new URL(store.database_url)
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname} (DATABASE_URL)`
  } catch {
    return 'PostgreSQL (DATABASE_URL)'
  }
}

// The configured store, migrated: PostgreSQL when store.database_url (DATABASE_URL) is set, else the
// embedded engine under store.data_dir (DATA_DIR), else the embedded engine in memory. Each engine's
// client is imported only when it is the one configured: a gateway that keeps no store, or talks to
// PostgreSQL, never loads the WebAssembly engine (and the reverse).
export async function openDatabase (store: Config['store']): Promise<Database> {
  let db: Database | undefined
  try {
    db = store.database_url
      ? new (await import('./pg-database.ts')).PgDatabase({ url: store.database_url })
      : await (await import('./embedded-database.ts')).EmbeddedDatabase.open(store.data_dir)
    await migrate(db)
    return db
  } catch (err) {
    await db?.close().catch(() => {})
    const e = err as { code?: unknown, message?: unknown }
    const why = [typeof e.code === 'string' ? e.code : '', typeof e.message === 'string' ? e.message : '']
      .filter(Boolean).join(': ').split('\n')[0].slice(0, 200)
    throw new StoreOpenError(`Cannot open ${describeStore(store)}: ${why}`, { cause: err })
  }
}
