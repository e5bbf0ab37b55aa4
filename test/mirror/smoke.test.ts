import t from 'tap'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { ChangeFeed } from '../../src/mirror/change-feed.ts'
import { incident } from '../helpers/incidents.ts'

for (const engine of ENGINES) {
  t.test(`${engine}: record, change, feed`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const mirror = new MirrorStore(db)
    const feed = new ChangeFeed(db)
    const a = incident({ native_id: '1', status: 'new' })
    t.same(await mirror.record('cl', [{ incident: a, observedAt: new Date(1000) }]),
      { created: 1, updated: 0, deleted: 0, unchanged: 0, stale: 0 })
    t.same((await mirror.record('cl', [{ incident: a, observedAt: new Date(2000) }])).unchanged, 1)
    const b = { ...a, status: 'resolved' as const, updated_at: '2026-01-02T00:00:00.000Z' }
    t.same((await mirror.record('cl', [{ incident: b, observedAt: new Date(3000) }])).updated, 1)
    t.same((await mirror.record('cl', [{ incident: a, observedAt: new Date(2500) }])).stale, 1)
    await mirror.checkpoint('cl', new Date(5000))
    t.same((await mirror.recordDeleted('cl', ['1'], new Date(4000))).deleted, 1)
    const page = await feed.read({ after: 0, providers: ['cl'], limit: 10, raw: true })
    t.same(page.changes.map((c) => [c.seq, c.type]), [[1, 'created'], [2, 'updated'], [3, 'deleted']])
    t.same(page.changes[1].changed, ['status', 'updated_at'])
    t.same(page.changes[1].previous, { status: 'new', updated_at: a.updated_at })
    t.equal(page.position, 3)
    t.same(page.completeThrough.get('cl'), new Date(5000))
    const early = await feed.read({ after: 0, providers: ['cl'], limit: 1, raw: false })
    t.equal(early.hasMore, true)
    t.equal(early.completeThrough.get('cl'), null)
  })
}
