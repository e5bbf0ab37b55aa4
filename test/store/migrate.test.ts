import t from 'tap'
import type { Database } from '../../src/store/database.ts'
import { migrate, SchemaTooNewError } from '../../src/store/migrate.ts'
import { MIGRATIONS } from '../../src/store/migrations/index.ts'
import { PgDatabase } from '../../src/store/pg-database.ts'
import { ENGINES, freshDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'

const tables = async (db: Database) => (await db.query<{ name: string }>(
  'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = \'public\' ORDER BY 1'))
  .map((r) => r.name)

const newest = Math.max(...MIGRATIONS.map((m) => m.version))

for (const engine of ENGINES) {
  // One database per engine (the embedded one takes seconds to boot), emptied before each test.
  t.test(engine, async (t) => {
    const { db: shared } = await freshDatabase(t, engine, { migrated: false })
    const empty = async () => {
      await shared.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
      return { db: shared }
    }
    t.test('migrate applies every migration once, and again applies nothing', async (t) => {
      const { db } = await empty()
      t.same(await migrate(db), { applied: MIGRATIONS.map((m) => m.version), version: newest })
      const [meta] = await db.query<{ store_id: string }>('SELECT store_id FROM store_meta')
      t.same(await migrate(db), { applied: [], version: newest })
      t.same(await migrate(db), { applied: [], version: newest })
      t.same(await db.query('SELECT count(*)::int AS n FROM store_meta'), [{ n: 1 }], 'the seed rows are not repeated')
      t.same(await db.query('SELECT store_id FROM store_meta'), [meta], 'the store keeps its identity')
      t.same(await db.query('SELECT last_seq FROM change_counter'), [{ last_seq: 0 }])
      t.same((await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1')).map((r) => r.version),
        MIGRATIONS.map((m) => m.version))
    })

    t.test('a new migration is applied on top of an existing schema, in version order', async (t) => {
      const { db } = await empty()
      await migrate(db)
      const more = [...MIGRATIONS,
        { version: newest + 2, name: 'second', sql: 'ALTER TABLE extra ADD COLUMN b int;' },
        { version: newest + 1, name: 'first', sql: 'CREATE TABLE extra (a int);' }]
      t.same(await migrate(db, more), { applied: [newest + 1, newest + 2], version: newest + 2 })
      t.same(await db.query('SELECT a, b FROM extra'), [])
    })

    t.test('a database at a newer version than this gateway knows refuses to start it', async (t) => {
      const { db } = await empty()
      await migrate(db)
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [newest + 1, 'from the future'])
      const err = await migrate(db).then(() => null, (e: unknown) => e)
      t.ok(err instanceof SchemaTooNewError, 'a SchemaTooNewError')
      t.match((err as Error).message, `version ${newest + 1}, newer than this gateway knows (${newest})`)
      t.same((await db.query('SELECT max(version)::int AS v FROM schema_migrations')), [{ v: newest + 1 }],
        'nothing was changed')
    })

    t.test('a failing migration leaves nothing behind', async (t) => {
      const { db } = await empty()
      const failing = [...MIGRATIONS, { version: newest + 1, name: 'bad', sql: 'CREATE TABLE half (a int); SELECT 1/0;' }]
      await t.rejects(migrate(db, failing), { message: /division by zero/ })
      t.same(await tables(db), [], 'not even schema_migrations nor the good migrations before it')
      // Once fixed, it applies from scratch.
      t.same((await migrate(db)).applied, MIGRATIONS.map((m) => m.version))
      const fromExisting = [...MIGRATIONS, { version: newest + 1, name: 'bad', sql: 'CREATE TABLE half (a int); SELECT 1/0;' }]
      const before = await tables(db)
      await t.rejects(migrate(db, fromExisting))
      t.same(await tables(db), before, 'on an existing schema too')
      t.same((await migrate(db)).applied, [], 'and the database still works')
    })
  })
}

t.test('postgres: replicas migrating at once apply each migration exactly once', { skip: !TEST_DATABASE_URL }, async (t) => {
  const { url } = await freshDatabase(t, 'postgres', { migrated: false })
  const dbs = Array.from({ length: 6 }, () => new PgDatabase({ url: url!, max: 1 }))
  t.teardown(async () => { for (const d of dbs) await d.close() })
  const results = await Promise.all(dbs.map((d) => migrate(d)))
  const applied = results.flatMap((r) => r.applied)
  t.same(applied.sort(), MIGRATIONS.map((m) => m.version), 'each version applied by one replica only')
  t.ok(results.every((r) => r.version === newest), 'every replica sees the newest version')
  t.same(await dbs[0].query('SELECT count(*)::int AS n FROM store_meta'), [{ n: 1 }])
})

t.test('postgres: a migration running elsewhere holds the others back until it commits',
  { skip: !TEST_DATABASE_URL }, async (t) => {
    const { url } = await freshDatabase(t, 'postgres', { migrated: false })
    const a = new PgDatabase({ url: url!, max: 1 })
    const b = new PgDatabase({ url: url!, max: 1 })
    t.teardown(async () => { await a.close(); await b.close() })
    // The slow one sleeps inside its transaction, after it took the lock.
    const slow = [{ version: 1, name: 'slow', sql: 'CREATE TABLE slow (a int); SELECT pg_sleep(0.5);' }]
    const first = migrate(a, slow)
    // Until the first holds the migration lock.
    const held = async () => (await b.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`))[0].n === 1
    while (!(await held())) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = Date.now()
    const second = await migrate(b, slow)
    t.ok(Date.now() - started >= 250, 'the second waited for the first to commit')
    t.same(second, { applied: [], version: 1 })
    t.same(await first, { applied: [1], version: 1 })
  })
