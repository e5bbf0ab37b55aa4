import t from 'tap'
import type { ListFilters, PageRequest, ProviderAdapter, StreamItem } from '../../src/adapters/types.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { ChangeFeed } from '../../src/mirror/change-feed.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { ProviderSync, type SyncSettingsT } from '../../src/sync/provider-sync.ts'
import { SyncStateStore } from '../../src/sync/sync-state-store.ts'
import { freshDatabase } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'

// ProviderSync against a fake vendor: which windows it asks for, when, and what it concludes.
const { db } = await freshDatabase(t, 'embedded')
const mirror = new MirrorStore(db)
const feed = new ChangeFeed(db)
let providerSeq = 0

interface Fake {
  adapter: ProviderAdapter
  records: Map<string, IncidentT>
  pages: PageRequest[]
  gets: string[]
  failNext: number
}

// A vendor holding `records`; pages of `pageSize`, newest first; filters applied like a vendor would.
function fakeVendor (type: 'zwa' | 'cloudlock', pageSize = 100): Fake {
  const id = `p${++providerSeq}`
  const fake: Fake = { records: new Map(), pages: [], gets: [], failNext: 0, adapter: undefined as any }
  const matches = (i: IncidentT, f: ListFilters, pinnedAt: string) =>
    i.created_at < pinnedAt &&
    (f.createdAfter === undefined || i.created_at >= f.createdAfter) &&
    (f.updatedAfter === undefined || i.updated_at >= f.updatedAfter) &&
    (f.status === undefined || f.status.includes(i.status))
  fake.adapter = {
    id,
    type,
    async listPage (request: PageRequest) {
      fake.pages.push(request)
      if (fake.failNext > 0) {
        fake.failNext--
        throw new GatewayError('upstream_error', 'the vendor failed')
      }
      const all = [...fake.records.values()].filter((i) => matches(i, request.filters, request.pinnedAt))
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.native_id.localeCompare(a.native_id))
      const from = (request.position?.index as number | undefined) ?? 0
      const items: StreamItem[] = all.slice(from, from + pageSize).map((i, k) => ({
        incident: { ...structuredClone(i), provider: id, id: `${id}:${i.native_id}` },
        createdMicros: BigInt(Date.parse(i.created_at)) * 1000n,
        after: { index: from + k + 1 }
      }))
      return { items, exhausted: items.length === 0, upstreamCalls: 1 }
    },
    async get (nativeId: string) {
      fake.gets.push(nativeId)
      const i = fake.records.get(nativeId)
      if (!i) throw new GatewayError('not_found', 'no such incident')
      return { ...structuredClone(i), provider: id, id: `${id}:${nativeId}` }
    },
    vendorCalls: () => ({ sync_last_hour: fake.pages.length + fake.gets.length })
  } as unknown as ProviderAdapter
  return fake
}

const settings = (over: Partial<SyncSettingsT> = {}): SyncSettingsT => ({
  enabled: true,
  budget_share: 0.5,
  poll_interval_s: 60,
  lookback_s: 10,
  open_recheck_interval_s: 300,
  reconcile_interval_h: 1,
  ...over
})

const T0 = Date.parse('2026-06-01T00:00:00.000Z')
const at = (ms: number) => new Date(ms).toISOString()
const inc = (n: number, over: Partial<IncidentT> = {}) =>
  incident({ native_id: String(n), created_at: at(T0 - n * 100_000), updated_at: at(T0 - n * 100_000), ...over })

function syncOf (fake: Fake, s: SyncSettingsT, clock: { now: number }) {
  return new ProviderSync({
    adapter: fake.adapter,
    settings: s,
    mirror,
    state: new SyncStateStore(db),
    observer: { recorded () {}, polled () {} },
    now: () => clock.now
  })
}

// The distinct windows a poll asked for, in order (a walk ends with the vendor's empty page).
const windowsOf = (pages: PageRequest[]) =>
  [...new Map(pages.map((p) => [JSON.stringify(p.filters), p.filters])).values()]

async function changesOf (provider: string) {
  return (await feed.read({ after: 0, providers: [provider], limit: 1000, raw: false })).changes
}

t.test('Cloudlock: initial load, then update windows with look-back; complete_through trails by the look-back',
  async (t) => {
    const fake = fakeVendor('cloudlock')
    for (let n = 1; n <= 5; n++) fake.records.set(String(n), inc(n))
    const clock = { now: T0 }
    const sync = syncOf(fake, settings(), clock)
    await sync.pollNow()
    t.equal((await changesOf(fake.adapter.id)).length, 5)
    t.equal(sync.status().state, 'live')
    t.equal(sync.status().complete_through, at(T0 - 10_000))
    // a vendor update, then a poll one interval later
    clock.now = T0 + 60_000
    fake.records.set('3', inc(3, { status: 'resolved', updated_at: at(T0 + 30_000) }))
    fake.pages.length = 0
    await sync.pollNow()
    t.same(windowsOf(fake.pages), [{ createdAfter: at(T0 - 10_000) }, { updatedAfter: at(T0 - 10_000) }])
    t.ok(fake.pages.every((p) => (p as PageRequest & { purpose?: string }).purpose === 'sync'), 'sync calls say so')
    const changes = await changesOf(fake.adapter.id)
    t.equal(changes.length, 6)
    t.same(changes[5].changed, ['status', 'updated_at'])
    t.equal(sync.status().complete_through, at(T0 + 60_000 - 10_000))
    // an unchanged re-read emits nothing
    clock.now = T0 + 120_000
    await sync.pollNow()
    t.equal((await changesOf(fake.adapter.id)).length, 6)
  })

t.test('a failed poll moves no window: the next one asks again from where the last good one ended', async (t) => {
  const fake = fakeVendor('cloudlock')
  fake.records.set('1', inc(1))
  const clock = { now: T0 }
  const sync = syncOf(fake, settings(), clock)
  await sync.pollNow()
  clock.now = T0 + 60_000
  fake.failNext = 1
  await t.rejects(sync.pollNow())
  t.equal(sync.status().state, 'degraded')
  t.match(sync.status().last_error, /upstream_error/)
  t.equal(sync.status().complete_through, at(T0 - 10_000))
  clock.now = T0 + 120_000
  fake.pages.length = 0
  await sync.pollNow()
  t.same(windowsOf(fake.pages), [{ createdAfter: at(T0 - 10_000) }, { updatedAfter: at(T0 - 10_000) }])
  t.equal(sync.status().state, 'live')
})

t.test('the initial load walks in resumable chunks with one pinned bound, across a restart', async (t) => {
  const fake = fakeVendor('cloudlock', 1) // one incident per vendor page
  for (let n = 1; n <= 45; n++) fake.records.set(String(n), inc(n))
  const clock = { now: T0 }
  const first = syncOf(fake, settings({ start_from: at(T0 - 4_050_000) }), clock)
  await first.pollNow()
  t.equal(first.status().state, 'initial_load')
  t.equal(fake.pages.length, 20, 'one chunk of 20 vendor calls')
  clock.now = T0 + 5_000
  fake.records.set('0', inc(0, { created_at: at(T0 + 1_000), updated_at: at(T0 + 1_000) })) // arrives meanwhile
  const second = syncOf(fake, settings({ start_from: at(T0 - 4_050_000) }), clock) // a restart
  await second.pollNow()
  await second.pollNow()
  t.ok(new Set(fake.pages.slice(0, 41).map((p) => p.pinnedAt)).size === 1, 'one pinned bound for the whole load')
  t.ok(fake.pages.every((p) => p.filters.createdAfter === undefined || p.filters.createdAfter >= at(T0 - 4_050_000)))
  const ids = (await changesOf(fake.adapter.id)).map((c) => Number(c.native_id)).sort((a, b) => a - b)
  t.same(ids, Array.from({ length: 41 }, (_, i) => i), 'start_from respected, the arrival discovered, no duplicate')
  t.equal(second.status().state, 'live')
})

t.test('ZWA: open incidents re-checked by a status search, closed and deleted ones by direct reads', async (t) => {
  const fake = fakeVendor('zwa')
  for (let n = 1; n <= 4; n++) fake.records.set(String(n), inc(n))
  fake.records.set('5', inc(5, { status: 'resolved' }))
  const clock = { now: T0 }
  const sync = syncOf(fake, settings({ open_recheck_interval_s: 300, reconcile_interval_h: 100 }), clock)
  await sync.pollNow()
  fake.records.set('1', inc(1, { status: 'in_progress', updated_at: at(T0 + 1) }))
  fake.records.set('2', inc(2, { status: 'resolved', updated_at: at(T0 + 2) }))
  fake.records.delete('3')
  fake.records.set('5', inc(5, { status: 'resolved', notes: [{ text: 'x', created_at: null, author: null }] }))
  clock.now = T0 + 60_000 // re-check not due yet
  fake.pages.length = 0
  await sync.pollNow()
  t.same(windowsOf(fake.pages), [{ createdAfter: at(T0 - 10_000) }])
  t.equal((await changesOf(fake.adapter.id)).length, 5)
  clock.now = T0 + 300_000
  fake.pages.length = 0
  await sync.pollNow()
  t.same(windowsOf(fake.pages), [{ createdAfter: at(T0 + 50_000) }, { status: ['new', 'in_progress'] }])
  t.same(fake.gets.sort(), ['2', '3'], 'direct reads of what left the open set only')
  const late = (await changesOf(fake.adapter.id)).slice(5).map((c) => [c.native_id, c.type])
  t.same(late.sort(), [['1', 'updated'], ['2', 'updated'], ['3', 'deleted']])
  t.equal(sync.status().complete_through, at(T0 + 300_000 - 10_000), 'both windows closed at 300 s, less the look-back')
})

t.test('ZWA reconcile: a full walk spread over reconcile_interval_h, then a sweep finds edits and deletions',
  async (t) => {
    const fake = fakeVendor('zwa', 100)
    for (let n = 1; n <= 250; n++) fake.records.set(String(n), inc(n, { status: 'resolved' }))
    const clock = { now: T0 }
    // 1 h of polls every 600 s: 6 polls; 250 known incidents = 3 pages: at least 1 page per poll
    const sync = syncOf(fake, settings({ poll_interval_s: 600, reconcile_interval_h: 1 }), clock)
    await sync.pollNow()
    fake.records.set('7', inc(7, { status: 'resolved', labels: [{ key: 'k', value: 'v' }] }))
    fake.records.delete('200')
    const seen = (await changesOf(fake.adapter.id)).length
    let pollsToFinish = 0
    for (let i = 1; i <= 12; i++) {
      clock.now = T0 + 3_600_000 + i * 600_000
      fake.pages.length = 0
      await sync.pollNow()
      const reconcilePages = fake.pages.filter((p) => Object.keys(p.filters).length === 0).length
      t.ok(reconcilePages <= 1, `poll ${i}: at most one reconcile page (${reconcilePages})`)
      if ((await changesOf(fake.adapter.id)).length === seen + 2) {
        pollsToFinish = i
        break
      }
    }
    t.ok(pollsToFinish > 0 && pollsToFinish <= 5, `edits and deletions found within the interval (${pollsToFinish})`)
    const late = (await changesOf(fake.adapter.id)).slice(seen).map((c) => [c.native_id, c.type])
    t.same(late.sort(), [['200', 'deleted'], ['7', 'updated']])
  })

t.test('leadership: a standby polls nothing and waits a poll interval, even while the leader loads', async (t) => {
  const { SyncLeases } = await import('../../src/store/leases.ts')
  const fake = fakeVendor('cloudlock')
  for (let n = 1; n <= 5; n++) fake.records.set(String(n), inc(n))
  const leader = new SyncLeases(db, { holder: 'leader', ttlMs: 60_000 })
  const held = (await leader.acquire(`sync:${fake.adapter.id}`))!
  // The leader's initial load is under way: a standby that took that for its own would poll at once, again and again.
  const state = new SyncStateStore(db)
  await state.save(fake.adapter.id, { ...(await state.load(fake.adapter.id)), initial: { pinnedAt: at(T0), startedAt: at(T0), position: null } },
    { last_poll_at: null, last_error: null, failed: false, vendor_calls_last_hour: 0 })
  let attempts = 0
  class Counting extends SyncLeases {
    override acquire (name: string) {
      attempts++
      return super.acquire(name)
    }
  }
  const standby = new ProviderSync({
    adapter: fake.adapter,
    settings: settings(),
    mirror,
    state,
    observer: { recorded () {}, polled () {} },
    leases: new Counting(db, { holder: 'standby', ttlMs: 60_000 })
  })
  await standby.restore()
  standby.start()
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  await standby.stop()
  t.ok(attempts <= 2, `one try to take the lease per poll interval (${attempts})`)
  t.equal(fake.pages.length, 0, 'no vendor call from a standby')
  const status = standby.status()
  t.equal(status.leader.this_replica, false)
  t.equal(status.leader.replica, 'leader')
  t.equal(status.state, 'initial_load', 'the leader\'s progress, read from the store')
  await leader.release(held)
})

t.test('leadership: a stopping leader hands its lease back at once, so a standby need not wait for it to expire', async (t) => {
  const { SyncLeases } = await import('../../src/store/leases.ts')
  const fake = fakeVendor('cloudlock')
  fake.records.set('1', inc(1))
  const leases = new SyncLeases(db, { holder: 'stopping', ttlMs: 60_000 })
  const sync = new ProviderSync({
    adapter: fake.adapter, settings: settings(), mirror, state: new SyncStateStore(db), observer: { recorded () {}, polled () {} }, leases
  })
  await sync.pollNow()
  t.equal((await leases.holderOf(`sync:${fake.adapter.id}`))?.holder, 'stopping', 'it led')
  await sync.stop()
  t.equal(await leases.holderOf(`sync:${fake.adapter.id}`), null, 'no holder once stopped')
  t.ok(await new SyncLeases(db, { holder: 'next' }).acquire(`sync:${fake.adapter.id}`), 'a standby takes it at once')
})
