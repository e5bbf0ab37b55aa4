import t from 'tap'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { ProviderSync } from '../../src/sync/provider-sync.ts'
import { SyncStateStore } from '../../src/sync/sync-state-store.ts'
import { freshDatabase } from '../helpers/databases.ts'
import { incidentCalls, startZwa, type LoggedRequest } from '../adapters/zwa/harness.ts'

// What ZWA's reconcile costs against the simulator, poll by poll: its walk is capped at
// ceil(known / 100 / polls per interval) searches a poll, and a capped walk hands on the short page
// it has rather than reading a second search page to fill it (docs: BENCHMARKS.md section 5).
const { db } = await freshDatabase(t, 'embedded')

// The reconcile's searches: no filter, no creation-time lower bound (discovery has one, the open
// re-check filters on status, a group read bounds one millisecond).
const reconcileSearch = (r: LoggedRequest) => incidentCalls(r) && r.method === 'POST' &&
  r.body?.fields === undefined && r.body?.timeRange?.startTime === undefined

t.test('consecutive reconcile polls make one search each, and the walk still sees every incident', async (t) => {
  const h = await startZwa(t, { sim: { count: 600 } })
  const state = new SyncStateStore(db)
  const sync = new ProviderSync({
    adapter: h.adapter,
    settings: { enabled: true, budget_share: 0.5, poll_interval_s: 60, lookback_s: 10, open_recheck_interval_s: 300, reconcile_interval_h: 24 },
    mirror: new MirrorStore(db),
    state,
    observer: { recorded () {}, polled () {} },
    now: h.clock.clock
  })
  t.teardown(() => sync.stop())
  await sync.pollNow() // the initial load
  h.clock.advance(24 * 3_600_000) // a reconcile is due
  const perPoll: number[] = []
  for (let poll = 0; poll < 12; poll++) {
    h.clock.advance(60_000)
    await h.clearLog()
    await sync.pollNow()
    perPoll.push((await h.requests(reconcileSearch)).length)
    t.equal(sync.status().last_error ?? null, null, `poll ${poll + 1}: no error`)
  }
  const progress = await state.load(h.adapter.id)
  t.equal(progress.reconcile, null, 'the reconcile finished within 12 polls')
  t.ok(progress.lastReconcileAt !== null)
  // 600 incidents: each search hands on 99 (its oldest millisecond waits for the next), so 7 searches,
  // one a poll, as ceil(600 / 100 / 1440) = 1 asks. Filling each page to 100 read a second search page
  // every poll: 2 a poll.
  t.same(perPoll, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], 'reconcile searches per poll')
  const reads = (await h.requests((r) => incidentCalls(r) && r.method === 'GET')).length
  t.equal(reads, 0, 'the sweep after the walk read nothing directly: the walk saw every incident')
})
