import t from 'tap'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { PgDatabase } from '../../src/store/pg-database.ts'
import { createPgDatabase, freshDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'
import { PausedDatabase } from '../mirror/paused-database.ts'

// A replica stuck inside an appending transaction (paused, partitioned) holds the change counter's
// lock. Others must get an error after lock_timeout, not wait for the server to notice.
t.test('a held change-counter lock fails other appenders after lock_timeout', {
  skip: TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL'
}, async (t) => {
  const { url } = await freshDatabase(t, 'postgres')
  const stuck = new PausedDatabase(new PgDatabase({ url: url! }))
  const waiting = new PgDatabase({ url: url!, lockTimeoutMs: 300 })
  t.teardown(async () => { await waiting.close() })
  const pause = stuck.pauseAfter(/UPDATE change_counter SET last_seq = last_seq RETURNING/)
  const held = new MirrorStore(stuck).record('a', [{ incident: incident({ native_id: '1' }, 'a'), observedAt: new Date() }])
  await pause.reached
  const started = Date.now()
  await t.rejects(new MirrorStore(waiting).record('b', [{ incident: incident({ native_id: '2' }, 'b'), observedAt: new Date() }]),
    { code: '55P03' }, 'lock_not_available')
  t.ok(Date.now() - started < 5_000, 'failed after the lock timeout, not after the holder')
  pause.release()
  await held
  await stuck.close()
})

t.test('an idle transaction left open is ended by the server', {
  skip: TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL'
}, async (t) => {
  const url = await createPgDatabase(t)
  const db = new PgDatabase({ url, idleInTransactionMs: 200 })
  t.teardown(() => db.close())
  await t.rejects(db.transaction(async (tx) => {
    await tx.query('SELECT 1')
    await new Promise((resolve) => setTimeout(resolve, 600))
    await tx.query('SELECT 1')
  }))
  t.same(await db.query('SELECT 1 AS one'), [{ one: 1 }], 'the pool recovers')
})
