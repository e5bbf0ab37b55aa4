// Model-based property test of the change feed over HTTP (spec section 9, issue 16): both
// simulators, sync on for both providers and driven step by step, and interleaved vendor console
// changes (creates, status and severity changes, closes, label edits, ZWA deletions, random
// activity), gateway writes, sync points, feed reads from a stored token and gateway restarts on
// the same store. Asserted at every read that reaches the end of the feed and at the end of a run:
// per incident the feed holds exactly the model's distinct states (then one `deleted`), seqs only
// grow, no change comes twice, `changed`/`previous` describe each step and complete_through covers
// the last poll; on the ZWA simulator's request log, sync stays within budget_share of every
// window and nothing was answered 429. The store is PostgreSQL with TEST_DATABASE_URL, else embedded.
import { clock } from '../helpers/feed-model/clock.ts' // first: every module must see the shared clock
import fc from 'fast-check'
import t from 'tap'
import { scenarioArb, type Scenario } from '../helpers/feed-model/actions.ts'
import { budgetReport, isSync, rateClass, type LoggedRequest } from '../helpers/feed-model/budget.ts'
import { runScenario, type RunSettings } from '../helpers/feed-model/run.ts'
import { startFeedStack, type ZwaLimits } from '../helpers/feed-model/stack.ts'

const RUNS = Number(process.env.FEED_MODEL_RUNS ?? 8)
// Tap's file timeout (.taprc, 120 s) is too short for the property and the real-time minute below.
t.setTimeout(Number(process.env.FEED_MODEL_TIMEOUT_MS ?? 300_000))

// Scaled so a run takes seconds: the minute limits as documented (sync points are two minutes
// apart, so no sync call ever waits in real time), light requests plentiful (the model reads every
// changed incident through the gateway), and a medium hour of 20, so sync's share (10) runs out
// after a few sync points and polls stop and resume (the test moves the clock to the budget).
const LIMITS: ZwaLimits = {
  light: { perMinute: 300, perHour: 5000 },
  medium: { perMinute: 20, perHour: 20 },
  token: { perMinute: 20, perHour: 400 }
}
const SETTINGS: RunSettings = { limits: LIMITS, budgetShare: 0.5, lookbackS: 5 }

// Run first: eight sync points are more than sync's share of the medium hour, so this one is sure
// to stop polls on the budget (the budget checks are not vacuous).
const BUDGET_EXAMPLE: Scenario = {
  seed: 4,
  zwaCount: 6,
  cloudlockCount: 3,
  actions: [
    { t: 'create', p: 'zwa', value: 1 }, { t: 'sync', extraS: 0, zwaFirst: true },
    { t: 'status', p: 'zwa', pick: 2, value: 1 }, { t: 'sync', extraS: 3, zwaFirst: false },
    { t: 'resolve', p: 'zwa', pick: 3, value: 0 }, { t: 'read', limit: 3, pages: 2 },
    { t: 'sync', extraS: 0, zwaFirst: true }, { t: 'label', pick: 3, value: 3 },
    { t: 'sync', extraS: 9, zwaFirst: true }, { t: 'delete', pick: 1 }, { t: 'gw-note', pick: 0 },
    { t: 'sync', extraS: 0, zwaFirst: true }, { t: 'severity', p: 'zwa', pick: 4, value: 2 },
    { t: 'sync', extraS: 1, zwaFirst: false }, { t: 'restart' }, { t: 'sync', extraS: 0, zwaFirst: true },
    { t: 'gw-close', p: 'zwa', pick: 5, value: 3 }, { t: 'sync', extraS: 0, zwaFirst: true },
    { t: 'read', limit: 2, pages: 4 }
  ]
}

t.test('the feed holds exactly the model\'s states per incident, within sync\'s budget share', async (t) => {
  const stats = { runs: 0, budgetStops: 0, syncPoints: 0, changes: 0, busiest: 0, slowestPollMs: 0, realMs: 0 }
  const started = clock.real()
  await fc.assert(fc.asyncProperty(scenarioArb, async (s) => {
    const r = await runScenario(s, SETTINGS)
    stats.runs++
    stats.budgetStops += r.budgetStops
    stats.syncPoints += r.syncPoints
    stats.changes += r.changes
    stats.busiest = Math.max(stats.busiest, r.budget.busiest.medium.hour)
    stats.slowestPollMs = Math.max(stats.slowestPollMs, r.slowestPollMs)
    if (r.problems.length > 0) {
      throw new Error(`${r.problems.slice(0, 8).join('\n')}\nactions:\n${r.trace.join('\n')}`)
    }
  }), {
    numRuns: RUNS,
    examples: [[BUDGET_EXAMPLE]],
    // A run takes seconds: shrink only when asked (FEED_MODEL_SHRINK=1), replay with seed and path.
    endOnFailure: process.env.FEED_MODEL_SHRINK === undefined,
    seed: process.env.FEED_MODEL_SEED ? Number(process.env.FEED_MODEL_SEED) : undefined,
    path: process.env.FEED_MODEL_PATH
  })
  stats.realMs = clock.real() - started
  t.comment(JSON.stringify(stats))
  t.ok(stats.budgetStops > 0, 'sync\'s share of the budget ran out and polls resumed later')
  t.equal(stats.busiest, Math.floor(LIMITS.medium.perHour * SETTINGS.budgetShare), 'sync used its whole share')
})

// The documented ZWA limits (20 searches a minute) and budget_share 0.5: an initial load of 11
// pages of 100 sends 10 searches, waits for the minute to pass (in real time: about 60 s), then
// sends the rest.
t.test('documented ZWA limits: an 11-page initial load keeps sync within 10 searches a minute', async (t) => {
  const documented: ZwaLimits = {
    light: { perMinute: 30, perHour: 1000 },
    medium: { perMinute: 20, perHour: 400 },
    token: { perMinute: 20, perHour: 400 }
  }
  const stack = await startFeedStack({ zwaCount: 1050, cloudlockCount: 0, seed: 9, limits: documented, budgetShare: 0.5 })
  t.teardown(() => stack.close())
  const started = clock.real()
  await stack.pollNow('zwa')
  const tookMs = clock.real() - started
  const log = (await stack.sim('zwa', 'GET', '/__sim/requests')).body.requests as LoggedRequest[]
  const searches = log.filter((r) => isSync(r) && rateClass(r) === 'medium')
  t.ok(searches.length > 10, `${searches.length} sync searches`)
  const report = budgetReport(log, documented, 0.5)
  t.same(report.problems, [], 'within the share in every window, no 429')
  t.equal(report.busiest.medium.minute, 10, 'ten searches in the busiest minute')
  const eleventh = Date.parse(searches[10].at) - Date.parse(searches[0].at)
  t.ok(eleventh >= 60_000, `the 11th search came ${eleventh} ms after the first`)
  const status = (await stack.get('/v1/providers')).body.data.find((p: { id: string }) => p.id === 'zwa').sync
  t.not(status.state, 'initial_load', `the initial load is done (${JSON.stringify(status)})`)
  let count = 0
  let after = ''
  for (let page = 0; page < 20; page++) {
    const res = await stack.get(`/v1/changes?limit=1000&provider=zwa${after}`)
    count += res.body.data.length
    after = `&after=${encodeURIComponent(res.body.next)}`
    if (!res.body.has_more) break
  }
  t.equal(count, 1050, 'every incident is in the feed')
  t.comment(`initial load of 11 pages took ${tookMs} ms`)
})

// AppDeps.changeFeed.now is sync's clock (src/plugins/app/change-feed.ts). A gateway write records
// its answer at the system clock's now (src/services/incident-service.ts), so when a test moves
// sync's clock ahead, the mirror holds a newer observation time and drops the write's change as
// stale: the feed misses a change the spec says is there before the write answers.
t.test('changeFeed.now reaches the write-through', async (t) => {
  const ahead = () => clock.now() + 3_600_000
  const stack = await startFeedStack({
    zwaCount: 0, cloudlockCount: 3, seed: 5, limits: LIMITS, budgetShare: 0.5, syncNow: ahead
  })
  t.teardown(() => stack.close())
  await stack.pollNow('cloudlock')
  const first = await stack.get('/v1/changes?limit=100&provider=cloudlock')
  t.equal(first.body.data.length, 3)
  const closed = await stack.send('POST', `/v1/incidents/${first.body.data[0].incident_id}/close`, {})
  t.equal(closed.status, 200)
  const next = await stack.get(`/v1/changes?provider=cloudlock&after=${encodeURIComponent(first.body.next)}`)
  t.equal(next.body.data.length, 1, 'the write\'s change is in the feed at once')
})
