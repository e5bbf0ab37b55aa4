import type { Database } from './database.ts'
import { MIGRATIONS } from './migrations/index.ts'

// An arbitrary constant all gateways agree on: the advisory lock that serializes migrations.
const MIGRATION_LOCK = 7_401_160_001

export class SchemaTooNewError extends Error {}

// Brings the schema to the newest version this gateway knows, in one transaction under an advisory
// lock, so replicas booting together apply each migration once and a failed one leaves nothing
// half-done (PostgreSQL DDL is transactional). A database already at a newer version than this
// gateway knows refuses to start it: an older replica must not write to a schema it does not know
// (test/store/migrate.test.ts).
export async function migrate (db: Database, migrations = MIGRATIONS): Promise<{ applied: number[], version: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const done = new Set(rows.map((r) => Number(r.version)))
    const newest = Math.max(0, ...migrations.map((m) => m.version))
    const current = Math.max(0, ...done)
    if (current > newest) {
      throw new SchemaTooNewError(`the database schema is at version ${current}, newer than this gateway ` +
        `knows (${newest}); run a gateway release that knows it`)
    }
    const applied: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(m.version)
    }
    return { applied, version: Math.max(current, ...applied) }
  })
}
