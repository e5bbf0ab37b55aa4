import t from 'tap'
import { ChangeFeed } from '../../src/mirror/change-feed.ts'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'

// A store restored from a backup (or failed over to a standby behind it) reuses seqs it had handed
// out. A reader returning with its position must be told (410), whether the head is still behind
// its position or has caught up past it with other changes.
for (const engine of ENGINES) {
  t.test(`${engine}: a position whose change is not the one the reader saw there is expired`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const mirror = new MirrorStore(db)
    const feed = new ChangeFeed(db)
    const add = (id: string) => mirror.record('cl', [{ incident: incident({ native_id: id }), observedAt: new Date() }])
    for (const id of ['1', '2', '3']) await add(id)
    const page = await feed.read({ after: 0, providers: ['cl'], limit: 100, raw: false })
    t.equal(page.position, 3)
    const unchanged = await feed.read({ after: page.position, mark: page.mark, providers: ['cl'], limit: 100, raw: false })
    t.same(unchanged.changes, [], 'the same store: the mark matches')
    // restored to the state after seq 1, then new changes take seqs 2, 3, 4
    await db.exec(`DELETE FROM changes WHERE seq > 1; DELETE FROM mirror_incidents WHERE native_id IN ('2', '3');
      UPDATE change_counter SET last_seq = 1`)
    for (const id of ['4', '5', '6']) await add(id)
    await t.rejects(feed.read({ after: page.position, mark: page.mark, providers: ['cl'], limit: 100, raw: false }),
      { code: 'change_token_expired' })
  })
}
