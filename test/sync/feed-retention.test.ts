import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import { FeedRetention } from '../../src/mirror/feed-retention.ts'
import { RetentionSchedule } from '../../src/mirror/retention-schedule.ts'
import { SyncLeases } from '../../src/store/leases.ts'
import { KEYS, startStack } from '../helpers/stack.ts'

// Retention (spec section 9): changes older than retention_days are pruned oldest first; a token
// whose next change was pruned is 410 change_token_expired saying how to start again, never a page
// with a gap; a token at the boundary, or none, goes on from the oldest change kept.

const SYNC = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0 }'
const NO_SHEDDING = 'load_shedding: { max_event_loop_delay_ms: 0 }'
const enc = encodeURIComponent

t.test('pruning, the 410 for a token behind it, and reading on from the boundary', async (t) => {
  const stack = await startStack({
    count: 10, providerYaml: { cloudlock: SYNC }, appDeps: { changeFeed: { autostart: false } }, yaml: NO_SHEDDING
  })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const early = await stack.get('/v1/changes?limit=3')
  t.equal(early.body.data.length, 3)
  const all = await stack.get('/v1/changes?limit=1000')
  t.equal(all.body.data.length, 10)
  const atHead = all.body.next

  await sleep(50)
  const cutoff = new Date()
  await sleep(50)
  const target = all.body.data[0].incident.native_id
  await request(`${stack.cloudlockUrl}/__sim/incidents/${target}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer_key: 'after-cut' })
  }).then((r) => r.body.dump())
  await stack.app.sync!.pollNow('cloudlock')

  const retention = new FeedRetention(stack.app.store!)
  t.same(await retention.pruneBatch(cutoff, 4), { pruned: 4, prunedThrough: 4 }, 'a small batch, oldest first')
  t.same(await retention.pruneBatch(cutoff, 1000), { pruned: 6, prunedThrough: 10 }, 'stops at the first young change')
  t.same(await retention.pruneBatch(cutoff, 1000), { pruned: 0, prunedThrough: 10 })

  const expired = await stack.get(`/v1/changes?after=${enc(early.body.next)}`)
  t.equal(expired.status, 410, JSON.stringify(expired.body))
  t.equal(expired.body.code, 'change_token_expired')
  t.match(expired.body.detail, /retention_days.*list walk/)

  const onward = await stack.get(`/v1/changes?after=${enc(atHead)}`)
  t.equal(onward.status, 200, 'a token at the boundary is still good: its mark was kept')
  t.same(onward.body.data.map((c: any) => c.seq), [11])
  t.equal(onward.body.data[0].incident.external_ref, 'after-cut')
  t.ok(onward.body.providers.cloudlock.complete_through, 'completeness is still known past the boundary')

  const fresh = await stack.get('/v1/changes')
  t.same(fresh.body.data.map((c: any) => c.seq), [11], 'no token: from the oldest change kept')
  const count = await stack.app.store!.query<{ n: number }>('SELECT count(*)::int8 AS n FROM changes')
  t.equal(count[0].n, 1)
})

t.test('the schedule prunes on one replica at a time, in batches, under its lease', async (t) => {
  const stack = await startStack({
    count: 25, providerYaml: { cloudlock: SYNC }, appDeps: { changeFeed: { autostart: false } }, yaml: NO_SHEDDING
  })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const db = stack.app.store!
  const other = new SyncLeases(db, { holder: 'other', ttlMs: 60_000 })
  const held = (await other.acquire('retention'))!
  const mine = new SyncLeases(db, { holder: 'mine', ttlMs: 60_000 })
  const later = () => Date.now() + 2 * 86_400_000
  const schedule = new RetentionSchedule({ db, leases: mine, retentionDays: 1, now: later })
  t.equal(await schedule.runOnce(), 0, 'another replica is pruning: nothing done here')
  await other.release(held)
  t.equal(await schedule.runOnce(), 25, 'everything older than a day is gone')
  t.equal(await mine.holderOf('retention'), null, 'and the lease is handed back')
  const after = await stack.get('/v1/changes')
  t.equal(after.status, 200)
  t.same(after.body.data, [])
})

t.test('a key holds at most max_waiting_per_key long polls per replica; others are unaffected', async (t) => {
  const stack = await startStack({
    count: 2,
    providerYaml: { cloudlock: SYNC },
    appDeps: { changeFeed: { autostart: false } },
    yaml: `${NO_SHEDDING}\nchanges: { max_waiting_per_key: 1 }`
  })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const head = (await stack.get('/v1/changes?limit=1000')).body.next
  const first = stack.get(`/v1/changes?wait=3&after=${enc(head)}`)
  await sleep(300)
  const second = await stack.get(`/v1/changes?wait=3&after=${enc(head)}`)
  t.equal(second.status, 429)
  t.equal(second.body.code, 'rate_limited')
  t.equal(second.headers['retry-after'], '1')
  const noWait = await stack.get(`/v1/changes?after=${enc(head)}`)
  t.equal(noWait.status, 200, 'a read without wait holds nothing and is not limited')
  const readerHead = (await stack.get('/v1/changes?limit=1000', KEYS.reader)).body.next
  const otherKey = await stack.get(`/v1/changes?wait=1&after=${enc(readerHead)}`, KEYS.reader)
  t.equal(otherKey.status, 200, 'another key has its own allowance')
  t.equal((await first).status, 200)
  const again = await stack.get(`/v1/changes?wait=1&after=${enc(head)}`)
  t.equal(again.status, 200, 'the slot is free once the first answered')
})
