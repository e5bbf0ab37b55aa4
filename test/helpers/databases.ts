import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Database } from '../../src/store/database.ts'
import { EmbeddedDatabase } from '../../src/store/embedded-database.ts'
import { migrate } from '../../src/store/migrate.ts'
import { PgDatabase } from '../../src/store/pg-database.ts'

// The store engines tests run against: the embedded one always, PostgreSQL when TEST_DATABASE_URL
// is set (.ci/run sets it to the local server). The variable is not DATABASE_URL on purpose: a
// gateway a test starts as a child process inherits the environment, and must not share one
// database with every other test file.
export type Engine = 'embedded' | 'postgres'
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL
export const ENGINES: Engine[] = TEST_DATABASE_URL ? ['embedded', 'postgres'] : ['embedded']

interface Teardown { teardown (fn: () => Promise<void> | void): void }

// A fresh database of its own for one test: a new in-memory embedded store, or a new PostgreSQL
// database dropped at the end. Migrated unless `migrated: false`.
export async function freshDatabase (t: Teardown, engine: Engine, opts: { migrated?: boolean } = {}):
Promise<{ db: Database, url?: string, open: () => Promise<Database> }> {
  if (engine === 'embedded') {
    const db = await EmbeddedDatabase.open()
    if (opts.migrated !== false) await migrate(db)
    t.teardown(() => db.close())
    return { db, open: () => { throw new Error('an in-memory embedded store has one connection only') } }
  }
  const url = await createPgDatabase(t)
  const opened: Database[] = []
  const open = async () => {
    const db = new PgDatabase({ url })
    opened.push(db)
    return db
  }
  const db = await open()
  if (opts.migrated !== false) await migrate(db)
  t.teardown(async () => { for (const d of opened) await d.close().catch(() => {}) })
  return { db, url, open }
}

// An empty PostgreSQL database for one test, dropped (connections and all) at teardown.
export async function createPgDatabase (t: Teardown): Promise<string> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set')
  const name = `gw_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await c.connect()
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await c.end()
  })
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}
