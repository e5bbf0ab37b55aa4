import t from 'tap'
import { ChangeFeed } from '../../src/mirror/change-feed.ts'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { PgDatabase } from '../../src/store/pg-database.ts'
import { ENGINES, freshDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'
import { PausedDatabase } from './paused-database.ts'

// complete_through (spec section 9): a promise attached to a feed position. It must never go
// backwards, must only be given to a reader that has been handed every change up to the
// checkpoint's position, and must reach a reader filtered to one provider even when the head
// moved because of other providers.

let nextId = 1
async function append (mirror: MirrorStore, provider: string, n: number): Promise<void> {
  const observations = Array.from({ length: n }, () => ({
    incident: incident({ native_id: String(nextId++) }, provider),
    observedAt: new Date(1000)
  }))
  await mirror.record(provider, observations)
}

const T1 = new Date('2026-03-01T00:00:00.000Z')
const T2 = new Date('2026-03-02T00:00:00.000Z')
const T3 = new Date('2026-03-03T00:00:00.000Z')

for (const engine of ENGINES) {
  t.test(engine, async (t) => {
    // One database for the engine (the embedded one takes seconds to boot); providers per test.
    const { db } = await freshDatabase(t, engine)
    const mirror = new MirrorStore(db)
    const feed = new ChangeFeed(db)
    const at = async (provider: string, after: number, limit = 1000) =>
      feed.read({ after, providers: [provider], limit, raw: false })

    t.test('never backwards: an earlier instant at the same or a later position keeps the later one', async (t) => {
      await append(mirror, 'm1', 1)
      await mirror.checkpoint('m1', T2)
      await mirror.checkpoint('m1', T1)
      const head = await feed.head()
      t.same((await at('m1', head)).completeThrough.get('m1'), T2, 'same position')
      await append(mirror, 'm1', 2)
      await mirror.checkpoint('m1', T1)
      const later = await feed.head()
      t.ok(later > head)
      t.same((await at('m1', later)).completeThrough.get('m1'), T2, 'later position')
      await mirror.checkpoint('m1', T3)
      t.same((await at('m1', later)).completeThrough.get('m1'), T3, 'and it still moves forward')
      const rows = await db.query<{ through_seq: number, complete_through: Date }>(
        'SELECT through_seq, complete_through FROM sync_checkpoints WHERE provider = $1 ORDER BY through_seq', ['m1'])
      for (let i = 1; i < rows.length; i++) {
        t.ok(rows[i].complete_through >= rows[i - 1].complete_through, `monotone at through_seq ${rows[i].through_seq}`)
      }
    })

    t.test('only a reader at or past the checkpoint\'s position is told', async (t) => {
      const start = await feed.head()
      await append(mirror, 'm2', 3) // start+1 .. start+3
      await mirror.checkpoint('m2', T1) // through start+3
      await append(mirror, 'm2', 2) // start+4, start+5
      await mirror.checkpoint('m2', T2) // through start+5
      const expectations: Array<[limit: number, position: number, want: Date | null]> = [
        [1, start + 1, null], [2, start + 2, null], [3, start + 3, T1], [4, start + 4, T1], [5, start + 5, T2]]
      for (const [limit, position, want] of expectations) {
        const page = await at('m2', start, limit)
        t.equal(page.position, position)
        t.same(page.completeThrough.get('m2'), want, `at ${position}`)
      }
      // A provider without any checkpoint: null, at any position.
      t.equal((await at('m2-none', start)).completeThrough.get('m2-none'), null)
    })

    t.test('a reader filtered to one provider gets it when other providers moved the head', async (t) => {
      const start = await feed.head()
      await append(mirror, 'm3a', 1) // start+1
      await append(mirror, 'm3b', 4) // start+2 .. start+5
      await mirror.checkpoint('m3a', T1) // through start+5, past every m3a change
      const page = await at('m3a', start, 1)
      t.same(page.changes.map((c) => c.seq), [start + 1])
      t.equal(page.hasMore, false)
      t.equal(page.position, start + 5, 'the position moves over the other provider\'s changes')
      t.same(page.completeThrough.get('m3a'), T1)
      const caughtUp = await at('m3a', start + 1)
      t.same(caughtUp.changes, [])
      t.same(caughtUp.completeThrough.get('m3a'), T1, 'and so does a reader that had nothing new')
      const both = await feed.read({ after: start, providers: ['m3a', 'm3b'], limit: 2, raw: false })
      t.equal(both.position, start + 2)
      t.equal(both.hasMore, true)
      t.same([...both.completeThrough], [['m3a', null], ['m3b', null]], 'a page that stops early is not past it')
    })

    t.test('a position ahead of the head (a store restored or failed over) is 410, not a silent skip', async (t) => {
      // Its seqs above the head will be handed out again for other changes, which the reader
      // would pass over.
      const head = await feed.head()
      const err = await at('m5', head + 3).then(() => null, (e: unknown) => e)
      t.match(err, { code: 'change_token_expired', statusCode: 410 })
      t.same((await at('m5', head)).changes, [], 'at the head itself, simply nothing new')
    })

    t.test('a position never moves past a change the reader was not given', async (t) => {
      const start = await feed.head()
      await append(mirror, 'm4', 3)
      const page = await at('m4', start, 2)
      t.equal(page.hasMore, true)
      t.equal(page.position, start + 2)
      t.same((await at('m4', page.position)).changes.map((c) => c.seq), [start + 3])
    })
  })
}

t.test('postgres: a checkpoint waits for a change in flight and is placed after it', { skip: !TEST_DATABASE_URL },
  async (t) => {
    const { url } = await freshDatabase(t, 'postgres')
    const writerDb = new PausedDatabase(new PgDatabase({ url: url! }))
    const syncDb = new PgDatabase({ url: url! })
    t.teardown(async () => { await writerDb.close(); await syncDb.close() })
    const writer = new MirrorStore(writerDb)
    const sync = new MirrorStore(syncDb)
    const feed = new ChangeFeed(syncDb)
    const pause = writerDb.pauseAfter(/INSERT INTO changes/)
    const writing = append(writer, 'cp', 1)
    await pause.reached
    let done = false
    const checkpointing = sync.checkpoint('cp', T1).then(() => { done = true })
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(done, false, 'the checkpoint waits for the appender holding the counter')
    t.equal((await feed.read({ after: 0, providers: ['cp'], limit: 10, raw: false })).completeThrough.get('cp'), null)
    pause.release()
    await writing
    await checkpointing
    const page = await feed.read({ after: 0, providers: ['cp'], limit: 10, raw: false })
    t.same(page.changes.map((c) => c.seq), [1])
    t.same(page.completeThrough.get('cp'), T1)
    t.same(await syncDb.query('SELECT through_seq FROM sync_checkpoints'), [{ through_seq: 1 }],
      'placed after the change that was in flight, not before it')
  })
