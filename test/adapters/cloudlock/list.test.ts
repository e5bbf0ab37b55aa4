// listPage against the real simulator: walks return every incident exactly once, newest first,
// in a bounded number of upstream calls, under filters, ties, arrivals and changes mid-walk.
import fc from 'fast-check'
import t from 'tap'
import { microsToCloudlock } from '../../../src/mapping/timestamps.ts'
import {
  allRecords, continuationsAreExact, createdUs, filteredPositionsAreIdentities, formatTimestampUs, isGroupRead, makeAdapter,
  maxWalkCalls, modelOrder, positionsAreIdentities, record, startSim, sum, walk, type LoggedRequest
} from './helpers.ts'

const PIN = '2026-01-01T00:00:00.000Z'
const PIN_US = BigInt(Date.parse(PIN)) * 1000n
const T0 = Date.parse('2025-03-01T12:00:00.000Z') * 1000 // µs, base of hand-made fixtures

t.test('unfiltered walks over a seeded simulator', async (t) => {
  const sim = await startSim(t, { count: 130, seed: 7, requestLogSize: 1000 })
  const adapter = makeAdapter(t, sim.url)
  const records = await allRecords(sim)
  t.equal(records.length, 130)
  const model = modelOrder(records)
  const created = new Map(records.map((r) => [String(r.id), createdUs(r)]))
  t.ok(new Set(created.values()).size < 130, 'the seeded data holds created_at ties')

  for (const want of [1, 7, 25, 100]) {
    await t.test(`want = ${want}`, async (t) => {
      await sim.clearRequests()
      const result = await walk(adapter, { want, pinnedAt: PIN })
      t.same(result.ids, model, 'every incident exactly once, newest first, ties by id descending')
      t.equal(new Set(result.ids).size, result.ids.length, 'no duplicates')
      t.ok(sum(result.calls) <= maxWalkCalls(130, result.pages.length), `upstream calls bounded (${result.calls})`)
      t.ok(result.pages.every((p, i) => p.exhausted === (i === result.pages.length - 1)), 'only the last page is exhausted')
      t.ok(result.pages.every((p) => p.exhausted || p.items.length >= want), 'a page short of want only at the end')
      t.ok(result.pages.every((p) => p.upstreamCalls <= 10), 'the default budget of 10 calls per listPage')
      t.ok(result.pages.every(positionsAreIdentities), 'stream order; each position names its incident')
      // createdMicros is the vendor's full precision
      for (const page of result.pages) {
        for (const item of page.items) t.equal(item.createdMicros, BigInt(created.get(item.incident.native_id)!))
      }

      const log = await sim.requests()
      t.equal(log.length, sum(result.calls), 'the simulator saw exactly the counted calls')
      const first = log[0]
      t.equal(first.method, 'GET')
      t.equal(first.path, '/api/v2/incidents')
      t.equal(first.headers.authorization, 'Bearer ***', 'bearer token sent (masked in the log)')
      t.equal(first.status, 200)
      t.same(first.query, {
        order: '-created_at',
        count_total: 'false',
        created_before: microsToCloudlock(PIN_US),
        limit: '100',
        offset: '0'
      }, 'first call: pinned upper bound, newest first, the vendor maximum page')
      // A first listPage's continuations ask only for what it still needs; everything else reads
      // the vendor maximum page, whatever want is.
      const firstPage = log.slice(0, result.calls[0])
      t.ok(log.every((e, i) => e.query.limit === '100' || (i < firstPage.length && e.query.offset !== '0')),
        'the vendor maximum page, but for a first listPage\'s continuations')
      // Offsets outside a read of one instant only continue the query just before, one page on
      // with a one-incident overlap; the data does not change here, so each answer's length is
      // what the simulator holds below created_before, past the offset, up to 100.
      const below = (e: LoggedRequest) => records.filter((r) => createdUs(r) < createdUs({ created_at: e.query.created_before })).length
      const lengthOf = (e: LoggedRequest) => Math.max(0, Math.min(Number(e.query.limit), below(e) - Number(e.query.offset)))
      const continuations = continuationsAreExact(log, lengthOf)
      t.ok(continuations >= 1, 'each walk ends with a continuation')
      t.equal(log.length - continuations, result.pages.length, 'one keyset query per listPage, the rest continue it')
      t.notOk(log.some(isGroupRead), 'groups smaller than a page need no group read')
    })
  }
})

t.test('resumes are keyset queries just below the last instant consumed', async (t) => {
  const sim = await startSim(t, { count: 50, seed: 3 })
  const adapter = makeAdapter(t, sim.url)
  const model = modelOrder(await allRecords(sim))

  await sim.clearRequests()
  const r7 = await walk(adapter, { want: 7, pinnedAt: PIN })
  t.same(r7.ids, model)
  t.ok(r7.pages.length >= 2, 'more than one listPage')
  t.same(r7.pages.map((p) => p.exhausted), [...r7.pages.slice(1).map(() => false), true])
  t.ok(r7.pages[0].items.length > 7, 'a page hands on every complete group it read, not just want')

  // Each listPage starts with a fresh keyset query, offset 0. A page hands on whole groups, so its
  // position says the instant is consumed (l ''): created_before is that instant itself
  // (exclusive), and nothing already returned is read again.
  const log = await sim.requests()
  t.equal(log.length, sum(r7.calls))
  let first = 0
  for (let i = 1; i < r7.pages.length; i++) {
    first += r7.calls[i - 1]
    const after = r7.pages[i - 1].scannedTo!
    t.same(after, r7.pages[i - 1].items.at(-1)!.after, 'unfiltered: scannedTo is the last item')
    t.equal(after.l, '', 'a page ends after a complete group')
    t.equal(log[first].query.created_before, microsToCloudlock(BigInt(after.b as string)), `listPage ${i + 1}: created_before = b`)
    t.equal(log[first].query.offset, '0', `listPage ${i + 1}: offset 0`)
  }

  const r100 = await walk(adapter, { want: 100, pinnedAt: PIN })
  t.same(r100.ids, model)
  t.equal(r100.pages.length, 1, 'want 100 over 50 incidents: one listPage, exhausted')
  t.ok(r100.calls[0] <= maxWalkCalls(50, 1), `calls bounded (${r100.calls})`)
})

t.test('an empty provider answers with one call, exhausted', async (t) => {
  const sim = await startSim(t, { count: 0 })
  const adapter = makeAdapter(t, sim.url)
  const page = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 25 })
  t.same(page, { items: [], exhausted: true, upstreamCalls: 1 }, 'an empty first page is the vendor saying the end')
  t.notOk('scannedTo' in page, 'nothing examined: no position')
})

t.test('exactly 100 incidents at want 100: a full page never ends the walk, the overlap-only page does', async (t) => {
  const sim = await startSim(t)
  await sim.load(Array.from({ length: 100 }, (_, i) => record(String(1000 + i), T0 + i * 1_000_000)))
  const adapter = makeAdapter(t, sim.url)
  await sim.clearRequests()
  const result = await walk(adapter, { want: 100, pinnedAt: PIN })
  // The page of 100 hands on 99 (the oldest instant may go on), so the listPage continues: offset
  // 99 answers only the overlap (the 100th), which is the end. One listPage, 2 calls.
  t.same(result.pages.map((p) => [p.items.length, p.exhausted]), [[100, true]])
  t.same(result.calls, [2])
  const log = await sim.requests()
  t.same(log.map((e) => [e.query.created_before, e.query.offset]), [[microsToCloudlock(PIN_US), '0'], [microsToCloudlock(PIN_US), '99']])
  t.notOk(log.some(isGroupRead), 'no group read')
})

t.test('a first page: its continuation asks only for what it still needs, doubling while a group runs on', async (t) => {
  const sim = await startSim(t)
  // 200 incidents at distinct instants, but records 99..110 (newest first) share one instant.
  const at = (i: number) => T0 - (i >= 99 && i <= 110 ? 99 : i) * 1_000_000
  const fixtures = Array.from({ length: 200 }, (_, i) => record(String(10_000 + i), at(i)))
  await sim.load(fixtures)
  const adapter = makeAdapter(t, sim.url)
  const model = modelOrder(fixtures)

  await sim.clearRequests()
  const first = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 100 })
  // The page of 100 hands on 99; record 99 opens a group that goes on to record 110. Each
  // continuation overlaps the last record read and asks for 2, 4, 8, 16 until records past the
  // group close it: 126 records read instead of 200, 125 handed on (every complete group).
  t.same(first.items.map((i) => i.incident.native_id), model.slice(0, 125))
  const log = await sim.requests()
  t.same(log.map((e) => [e.query.offset, e.query.limit]), [['0', '100'], ['99', '2'], ['100', '4'], ['103', '8'], ['110', '16']])
  t.ok(log.every((e) => e.query.created_before === microsToCloudlock(PIN_US)), 'one query, continued')

  await sim.clearRequests()
  const second = await adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(first.scannedTo)), pinnedAt: PIN, want: 100 })
  t.same(second.items.map((i) => i.incident.native_id), model.slice(125), 'the rest, exactly once')
  // A walk that goes on reads whole vendor pages ahead: the read-ahead cache serves their rest.
  t.ok((await sim.requests()).every((e) => e.query.limit === '100'), 'later pages read the vendor maximum page')

  await sim.clearRequests()
  const filtered = await adapter.listPage({ filters: { severity: ['high', 'critical'] }, position: null, pinnedAt: PIN, want: 100 })
  t.ok(filtered.upstreamCalls > 1)
  t.ok((await sim.requests()).every((e) => e.query.limit === '100'),
    'a filter the gateway applies may drop any number of records: whole pages, first page or not')
})

t.test('a result that fits in one page costs exactly 2 list calls: the page and the overlap-only continuation', async (t) => {
  const sim = await startSim(t)
  const adapter = makeAdapter(t, sim.url)
  for (const n of [1, 2, 57, 99, 100]) {
    // Ties included: pairs of incidents share an instant.
    const fixtures = Array.from({ length: n }, (_, i) => record(String(4000 + i), T0 + Math.floor(i / 2) * 1000))
    await sim.load(fixtures)
    for (const want of [1, 100]) {
      await sim.clearRequests()
      const page = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want })
      const log = await sim.requests()
      if (want === 1 && n > 2) {
        // The page hands on every complete group but the oldest: want is met after one call.
        t.equal(page.upstreamCalls, 1, `n ${n}, want 1: one call`)
        t.equal(page.exhausted, false)
        continue
      }
      t.same(page.items.map((i) => i.incident.native_id), modelOrder(fixtures), `n ${n}, want ${want}: every incident`)
      t.equal(page.exhausted, true)
      t.equal(page.upstreamCalls, 2, `n ${n}, want ${want}: 2 calls`)
      // offset 0 answers n; the continuation at n − 1 answers only the overlap (the n-th), the end.
      t.same(log.map((e) => e.query.offset), ['0', String(n - 1)])
      t.ok(log.every((e) => e.query.created_before === microsToCloudlock(PIN_US)), 'one query, continued')
    }
  }
})

t.test('filters', async (t) => {
  const sim = await startSim(t, { count: 120, seed: 11 })
  const adapter = makeAdapter(t, sim.url)
  const records = await allRecords(sim)
  const modelWhere = (pred: (r: Record<string, any>) => boolean) => modelOrder(records.filter(pred))

  await t.test('one severity goes native', async (t) => {
    await sim.clearRequests()
    const result = await walk(adapter, { want: 10, pinnedAt: PIN, filters: { severity: ['high'] } })
    const expected = modelWhere((r) => r.severity === 'ALERT')
    t.ok(expected.length > 10)
    t.same(result.ids, expected)
    t.ok(result.incidents.every((i) => i.severity === 'high'))
    const log = await sim.requests()
    t.ok(log.filter((e) => !isGroupRead(e)).every((e) => e.query.severity === 'ALERT' && e.query.incident_status === undefined))
    t.ok(log.filter(isGroupRead).every((e) => e.query.severity === undefined), 'group reads: no changeable field')
    t.ok(sum(result.calls) <= maxWalkCalls(expected.length, result.pages.length), `calls bounded (${result.calls})`)
  })

  await t.test('one status goes native (the space of IN PROGRESS survives encoding)', async (t) => {
    await sim.clearRequests()
    const result = await walk(adapter, { want: 25, pinnedAt: PIN, filters: { status: ['in_progress'] } })
    t.same(result.ids, modelWhere((r) => r.incident_status === 'IN PROGRESS'))
    const log = await sim.requests()
    t.ok(log.length > 0 && log.every((e) => e.status === 200))
    t.ok(log.filter((e) => !isGroupRead(e)).every((e) => e.query.incident_status === 'IN PROGRESS'))
  })

  await t.test('a normalized value without a Cloudlock counterpart is dropped from the native list', async (t) => {
    await sim.clearRequests()
    const result = await walk(adapter, { want: 100, pinnedAt: PIN, filters: { severity: ['low', 'critical'] } })
    t.same(result.ids, modelWhere((r) => r.severity === 'CRITICAL'))
    t.ok((await sim.requests()).filter((e) => !isGroupRead(e)).every((e) => e.query.severity === 'CRITICAL'))
  })

  await t.test('several severities are filtered in the gateway over one stream of full pages', async (t) => {
    await sim.clearRequests()
    const result = await walk(adapter, { want: 10, pinnedAt: PIN, filters: { severity: ['high', 'critical'] } })
    const expected = modelWhere((r) => r.severity === 'ALERT' || r.severity === 'CRITICAL')
    t.ok(expected.length > 20 && expected.length < records.length)
    t.same(result.ids, expected)
    const log = await sim.requests()
    t.ok(log.every((e) => e.query.severity === undefined), 'no native severity parameter')
    t.ok(log.every((e) => e.query.limit === '100'), 'always the maximum page size')
    t.equal(log.length, sum(result.calls))
  })

  await t.test('several statuses and one severity: the severity native, the statuses in the gateway', async (t) => {
    await sim.clearRequests()
    const filters = { status: ['new' as const, 'dismissed' as const], severity: ['medium' as const] }
    const result = await walk(adapter, { want: 5, pinnedAt: PIN, filters })
    t.same(result.ids, modelWhere((r) => r.severity === 'WARNING' && (r.incident_status === 'NEW' || r.incident_status === 'DISMISSED')))
    const log = await sim.requests()
    t.ok(log.filter((e) => !isGroupRead(e)).every((e) => e.query.severity === 'WARNING' && e.query.incident_status === undefined))
  })

  await t.test('a value with no Cloudlock counterpart matches nothing, at no cost', async (t) => {
    await sim.clearRequests()
    for (const filters of [{ severity: ['low' as const] }, { status: ['new' as const], severity: ['low' as const] }]) {
      const page = await adapter.listPage({ filters, position: null, pinnedAt: PIN, want: 25 })
      t.same(page, { items: [], exhausted: true, upstreamCalls: 0 })
    }
    t.same(await sim.requests(), [], 'no upstream call')
  })

  await t.test('all four statuses: every incident, filtered in the gateway', async (t) => {
    const result = await walk(adapter, { want: 50, pinnedAt: PIN, filters: { status: ['new', 'in_progress', 'resolved', 'dismissed'] } })
    t.same(result.ids, modelOrder(records))
  })
})

t.test('unmapped native values: filtering on unknown finds them, and never a neighbour', async (t) => {
  const sim = await startSim(t)
  await sim.load([
    record('11', T0 + 5_000_000, { severity: 'EMERGENCY' }),
    record('12', T0 + 4_000_000, { severity: 'CRITICAL' }),
    record('13', T0 + 3_000_000, { incident_status: 'ESCALATED' }),
    record('14', T0 + 2_000_000, { severity: 'critical' }),
    record('15', T0 + 1_000_000)
  ])
  const adapter = makeAdapter(t, sim.url)
  const sev = await walk(adapter, { want: 10, pinnedAt: PIN, filters: { severity: ['unknown'] } })
  t.same(sev.ids, ['11', '14'])
  t.same(sev.incidents.map((i) => i.source.severity), ['EMERGENCY', 'critical'])
  const status = await walk(adapter, { want: 10, pinnedAt: PIN, filters: { status: ['unknown', 'resolved'] } })
  t.same(status.ids, ['13'])
  const crit = await walk(adapter, { want: 10, pinnedAt: PIN, filters: { severity: ['critical'] } })
  t.same(crit.ids, ['12'], 'EMERGENCY and lower-case critical are not coerced to critical')
  const log = await sim.requests()
  t.ok(log.filter((e) => e.query.severity !== undefined).every((e) => e.query.severity === 'CRITICAL' && !isGroupRead(e)))

  // Overrides teach the adapter a vendor value; filters then follow the configured table.
  const tuned = makeAdapter(t, sim.url, { mapping: { severity: { EMERGENCY: 'critical' } } })
  await sim.clearRequests()
  const both = await walk(tuned, { want: 10, pinnedAt: PIN, filters: { severity: ['critical'] } })
  t.same(both.ids, ['11', '12'])
  t.ok((await sim.requests()).every((e) => e.query.severity === undefined), 'two natives: filtered in the gateway')
})

t.test('a selective gateway filter stops at the call budget and reports how far it got', async (t) => {
  const sim = await startSim(t, { requestLogSize: 100 })
  const records = Array.from({ length: 1150 }, (_, i) => record(String(100_000 + i), T0 + (1150 - i) * 1_000_003))
  records.push(record('99998', T0 - 5_000_000, { severity: 'ALERT' }), record('99997', T0 - 6_000_000, { severity: 'CRITICAL' }))
  await sim.load(records)
  const adapter = makeAdapter(t, sim.url)
  const filters = { severity: ['high' as const, 'critical' as const] }

  const first = await adapter.listPage({ filters, position: null, pinnedAt: PIN, want: 5 })
  t.equal(first.upstreamCalls, 10, 'the default budget: ten calls')
  t.same(first.items, [])
  t.equal(first.exhausted, false)
  // One query continued by offset: 0, 99, ..., 891 (each page overlaps the previous one's last
  // incident), 100 + 9 × 99 = 991 incidents read. The oldest of them (index 990) may have ties on
  // the next page and waits; index 989 is the whole of its instant: l ''.
  t.same(first.scannedTo, { b: String(T0 + (1150 - 989) * 1_000_003), l: '' }, 'scannedTo: the 990th incident examined')
  const log = await sim.requests()
  t.same(log.map((e) => e.query.offset), Array.from({ length: 10 }, (_, i) => String(i * 99)))
  t.ok(log.every((e) => e.query.created_before === microsToCloudlock(PIN_US)), 'the same query throughout')

  await sim.clearRequests()
  const second = await adapter.listPage({ filters, position: JSON.parse(JSON.stringify(first.scannedTo)), pinnedAt: PIN, want: 5 })
  t.same(second.items.map((i) => i.incident.native_id), ['99998', '99997'])
  t.equal(second.exhausted, true)
  // Below b: the remaining 160 + 2 incidents. Offset 0 answers 100, offset 99 answers 63, offset
  // 161 only the overlap: the end. 3 calls.
  t.equal(second.upstreamCalls, 3, 'the remaining 160 + 2 incidents')
  const log2 = await sim.requests()
  t.same(log2.map((e) => [e.query.created_before, e.query.offset]), [['0', '99', '161'].map((o) => [formatTimestampUs(T0 + (1150 - 989) * 1_000_003), o])].flat())
  t.same(second.scannedTo, second.items[1].after)

  const budget3 = await adapter.listPage({ filters, position: null, pinnedAt: PIN, want: 5, budget: 3 })
  t.equal(budget3.upstreamCalls, 3, 'PageRequest.budget caps the calls')
  // 100 + 2 × 99 = 298 read; index 297 waits, index 296 is the last complete instant.
  t.same(budget3.scannedTo, { b: String(T0 + (1150 - 296) * 1_000_003), l: '' })

  const walked = await walk(adapter, { want: 5, pinnedAt: PIN, filters })
  t.same(walked.ids, ['99998', '99997'])
  t.same(walked.calls, [10, 3])
})

t.test('a page hands on every complete group it read; scannedTo is the last incident examined', async (t) => {
  const sim = await startSim(t)
  const fixtures = Array.from({ length: 30 }, (_, i) => record(String(500 + i), T0 + i * 1000, { severity: i % 3 === 0 ? 'ALERT' : i % 3 === 2 ? 'CRITICAL' : 'INFO' }))
  await sim.load(fixtures)
  const adapter = makeAdapter(t, sim.url)
  const page = await adapter.listPage({ filters: { severity: ['high', 'critical'] }, position: null, pinnedAt: PIN, want: 4 })
  // The oldest instant read (500) may continue on the next vendor page: it waits. 19 of the 29 match.
  t.same(page.items.map((i) => i.incident.native_id), modelOrder(fixtures.filter((r) => r.severity !== 'INFO' && r.id !== '500')))
  t.equal(page.items.length, 19, 'more than want: the caller buffers them')
  t.equal(page.exhausted, false)
  t.equal(page.upstreamCalls, 1)
  t.same(page.scannedTo, { b: String(T0 + 1000), l: '' }, 'the oldest incident examined, which did not match: its instant is consumed')
  t.ok(filteredPositionsAreIdentities(page))
  t.ok(page.items.every((i) => i.after.l === ''), 'each incident here is the whole of its instant')
  const plain = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 4 })
  t.equal(plain.items.length, 29)
  t.same(plain.scannedTo, plain.items[28].after, 'unfiltered: scannedTo is the last item')
})

t.test('created and updated windows at microsecond precision', async (t) => {
  const sim = await startSim(t)
  const at = (us: number) => formatTimestampUs(us)
  const iso = (us: number) => at(us).replace('+00:00', 'Z')
  await sim.load([
    record('1', T0, { updated_at: at(T0 + 10) }),
    record('2', T0 + 1, { updated_at: at(T0 + 11) }),
    record('3', T0 + 2, { updated_at: at(T0 + 12) }),
    record('4', T0 + 3, { updated_at: at(T0 + 13) })
  ])
  const adapter = makeAdapter(t, sim.url)
  const ids = async (filters: Record<string, string>) => (await walk(adapter, { want: 10, pinnedAt: PIN, filters })).ids

  t.same(await ids({ createdAfter: iso(T0 + 1) }), ['4', '3', '2'], 'created_after is inclusive')
  t.same(await ids({ createdBefore: iso(T0 + 2) }), ['2', '1'], 'created_before is exclusive')
  t.same(await ids({ createdAfter: iso(T0 + 1), createdBefore: iso(T0 + 3) }), ['3', '2'])
  t.same(await ids({ createdAfter: iso(T0 + 4) }), [])
  t.same(await ids({ updatedAfter: iso(T0 + 12) }), ['4', '3'], 'updated_after is inclusive')
  t.same(await ids({ updatedBefore: iso(T0 + 12) }), ['2', '1'], 'updated_before is exclusive')
  t.same(await ids({ updatedAfter: iso(T0 + 11), updatedBefore: iso(T0 + 13) }), ['3', '2'])
  t.same(await ids({ createdAfter: '2025-03-01T13:00:00+01:00', createdBefore: iso(T0 + 1) }), ['1'], 'offsets are converted')

  await sim.clearRequests()
  await walk(adapter, { want: 10, pinnedAt: PIN, filters: { createdAfter: iso(T0 + 1), createdBefore: iso(T0 + 3), updatedAfter: iso(T0 + 11), updatedBefore: iso(T0 + 13) } })
  const [entry] = await sim.requests()
  t.same(entry.query, {
    order: '-created_at',
    count_total: 'false',
    created_after: at(T0 + 1),
    updated_after: at(T0 + 11),
    updated_before: at(T0 + 13),
    created_before: at(T0 + 3),
    limit: '100',
    offset: '0'
  }, 'the windows go native in the vendor\'s own format; the earlier of created_before and the pin wins')

  await sim.clearRequests()
  await walk(adapter, { want: 10, pinnedAt: PIN, filters: { createdBefore: '2027-01-01T00:00:00Z' } })
  t.equal((await sim.requests())[0].query.created_before, microsToCloudlock(PIN_US), 'a created_before after the pin: the pin wins')

  await sim.clearRequests()
  const none = await adapter.listPage({ filters: { createdAfter: iso(T0 + 5), createdBefore: iso(T0 + 5) }, position: null, pinnedAt: PIN, want: 10 })
  t.same(none, { items: [], exhausted: true, upstreamCalls: 0 }, 'an empty window costs no call')
  t.same(await sim.requests(), [])
})

t.test('the pin: incidents arriving mid-walk never appear, nothing is skipped or duplicated', async (t) => {
  const sim = await startSim(t, { count: 40, seed: 5 })
  const adapter = makeAdapter(t, sim.url)
  const model = modelOrder(await allRecords(sim))
  const pinnedAt = new Date().toISOString()
  await new Promise((resolve) => setTimeout(resolve, 5))
  let added = 0
  const result = await walk(adapter, {
    want: 7,
    take: () => 7, // a fresh query after every 7 incidents, so arrivals land between many of them
    pinnedAt,
    between: async () => {
      // created_at defaults to the simulator's now: newer than the pin
      const res = await sim.admin('POST', '/incidents', [{ severity: 'CRITICAL' }, { severity: 'INFO', incident_status: 'RESOLVED' }])
      t.equal(res.status, 201)
      added += 2
    }
  })
  t.ok(added >= 10)
  t.same(result.ids, model)
  t.equal((await allRecords(sim)).length, 40 + added, 'the arrivals are there upstream')
  // A new walk with a later pin sees them.
  const later = await walk(adapter, { want: 100, pinnedAt: new Date(Date.now() + 1000).toISOString() })
  t.equal(later.ids.length, 40 + added)
})

// Tie groups: sizes of runs of incidents sharing one created_at.
function tieFixtures (sizes: number[], firstId = 7000): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  let id = firstId
  sizes.forEach((size, group) => {
    for (let k = 0; k < size; k++) out.push(record(String(id++), T0 + group * 1000 + 7))
  })
  // shuffle ids relative to time: give later groups lower ids sometimes
  return out
}

t.test('incidents sharing one created_at across page boundaries are neither skipped nor duplicated', async (t) => {
  const sim = await startSim(t)
  const fixtures = tieFixtures([1, 5, 3, 8, 1, 12, 2, 8, 1])
  await sim.load(fixtures)
  const adapter = makeAdapter(t, sim.url)
  const model = modelOrder(fixtures)
  for (const want of [1, 2, 3, 4, 5, 7, 11, 13, 41, 100]) {
    const result = await walk(adapter, { want, pinnedAt: PIN })
    t.same(result.ids, model, `want ${want}`)
    t.ok(sum(result.calls) <= maxWalkCalls(fixtures.length, result.pages.length), `want ${want}: calls bounded (${result.calls})`)
  }
  // Positions name the last incident consumed: its instant and its native id; after the last
  // incident of a group, l '' (the whole instant is consumed).
  const page = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 10 })
  const groups = page.items.slice(0, 11).map((i) => [Number(BigInt(i.after.b as string) - BigInt(T0 + 7)) / 1000, i.after.l])
  t.same(groups, [[8, ''], [7, '7039'], [7, '7038'], [7, '7037'], [7, '7036'], [7, '7035'], [7, '7034'], [7, '7033'], [7, ''],
    [6, '7031'], [6, '']], 'newest first: a group of 1, a group of 8, then a group of 2, each by id descending')
  t.ok(positionsAreIdentities(page))

  // Partial consumption, as the merge does when another provider's items are newer.
  const partial = await walk(adapter, { want: 6, pinnedAt: PIN, take: (_p, i) => (i % 3) + 1 })
  t.same(partial.ids, model)
})

t.test('property: any tie layout, page sizes and consumption give the model order', async (t) => {
  const sim = await startSim(t)
  const adapter = makeAdapter(t, sim.url)
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
    fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
    async (sizes, wants, takes, withFilter) => {
      const fixtures = tieFixtures(sizes).map((r, i) => ({ ...r, severity: ['INFO', 'WARNING', 'ALERT'][i % 3] }))
      await sim.load(fixtures)
      const filters = withFilter ? { severity: ['informational' as const, 'high' as const] } : {}
      const expected = modelOrder(withFilter ? fixtures.filter((r) => r.severity !== 'WARNING') : fixtures)
      const result = await walk(adapter, {
        want: (i) => wants[i % wants.length],
        take: (page, i) => Math.max(1, Math.min(page.items.length, takes[i % takes.length])),
        pinnedAt: PIN,
        filters
      })
      t.same(result.ids, expected)
      return JSON.stringify(result.ids) === JSON.stringify(expected)
    }
  ), { numRuns: 25 })
})

t.test('a status change mid-walk under a status filter leaves no gap for the others', async (t) => {
  const sim = await startSim(t)
  const fixtures = Array.from({ length: 30 }, (_, i) => record(String(9000 + i), T0 + i * 1_000_000, { incident_status: i % 5 === 4 ? 'RESOLVED' : 'NEW' }))
  const adapter = makeAdapter(t, sim.url)

  for (const status of [['new'], ['new', 'in_progress']] as const) {
    await sim.load(fixtures)
    const changed: string[] = []
    const result = await walk(adapter, {
      want: 4,
      // The merge takes 4 and drops the rest of the page (another replica serves the next one).
      take: () => 4,
      pinnedAt: PIN,
      filters: { status: [...status] },
      between: async (i, sofar) => {
        if (i !== 0) return
        // one already returned incident and one not yet reached leave the filter
        const returned = sofar[1].native_id
        const ahead = '9010'
        for (const id of [returned, ahead]) {
          const res = await sim.vendor('PUT', `/incidents/${id}`, { incident_status: 'RESOLVED' })
          t.equal(res.status, 200)
          changed.push(id)
        }
      }
    })
    const expected = modelOrder(fixtures.filter((r) => r.incident_status === 'NEW' && r.id !== '9010'))
    t.same(result.ids, expected, `status ${status.join(',')}: everything still NEW exactly once`)
    t.equal(changed.length, 2)
  }
})

t.test('invalid positions are invalid_cursor, before any upstream call', async (t) => {
  const sim = await startSim(t, { count: 5 })
  const adapter = makeAdapter(t, sim.url)
  await sim.clearRequests()
  const bad = [
    { b: 'x', l: '1' },
    { b: '1.5', l: '1' },
    { b: 123, l: '1' },
    { l: '1' },
    { b: '1' },
    { b: '', l: '' },
    { b: '1', l: 1 },
    { b: '1'.repeat(21), l: '1' },
    { b: '1', l: '9'.repeat(65) },
    { b: '1', l: '1', s: 0 },
    { b: '1', s: 1 } // the old count position
  ]
  for (const position of bad) {
    await t.rejects(adapter.listPage({ filters: {}, position, pinnedAt: PIN, want: 5 }), { code: 'invalid_cursor', statusCode: 400 }, JSON.stringify(position))
  }
  t.same(await sim.requests(), [])
  t.same(adapter.health().last_error, null, 'a bad cursor says nothing about the provider')
})

t.test('a position past the pin resumes below the pin', async (t) => {
  const sim = await startSim(t)
  await sim.load([record('1', T0), record('2', T0 + 1000)])
  const adapter = makeAdapter(t, sim.url)
  const page = await adapter.listPage({ filters: { createdBefore: formatTimestampUs(T0 + 1000).replace('+00:00', 'Z') }, position: { b: String(T0 + 5000), l: '3' }, pinnedAt: PIN, want: 5 })
  t.same(page.items.map((i) => i.incident.native_id), ['1'])
  const [entry] = await sim.requests()
  t.equal(entry.query.offset, '0')
  t.equal(entry.query.created_before, formatTimestampUs(T0 + 1000))
})

t.test('the request log entries are those of a well-behaved client', async (t) => {
  const sim = await startSim(t, { count: 3 })
  const adapter = makeAdapter(t, sim.url)
  await sim.clearRequests()
  await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 2 })
  const [entry]: LoggedRequest[] = await sim.requests()
  t.equal(entry.headers.accept, 'application/json')
  t.match(entry.headers['user-agent'], /^dlp-incident-gateway\//)
  t.equal(entry.body, null)
  t.notOk(JSON.stringify(entry).includes('cl-test-token'), 'the log never holds the token')
})

t.test('page caps and tie orders: every incident exactly once, in stream order, never ending at a short page', async (t) => {
  // 120 incidents in 15 instants of 8 (ids unrelated to time), and a group of 250 at one instant.
  const ties = Array.from({ length: 120 }, (_, i) => record(String(20_000 + ((i * 37) % 120)), T0 + Math.floor(i / 8) * 1000))
  const big = Array.from({ length: 250 }, (_, i) => record(String(30_000 + i), T0 - 5_000_000))
  for (const [pageCap, tieOrder] of [[7, 'reverse'], [50, 'scrambled'], [50, 'reverse'], [7, 'scrambled']] as const) {
    const sim = await startSim(t, { pageCap, tieOrder, requestLogSize: 1000 })
    const adapter = makeAdapter(t, sim.url)
    for (const [name, fixtures] of [['120 in groups of 8', ties], ['a group of 250 at one instant', big]] as const) {
      if (pageCap === 7 && fixtures === big) continue // 36 group reads: covered by the budget test below
      await sim.load(fixtures)
      for (const want of [1, 100]) {
        const result = await walk(adapter, { want, pinnedAt: PIN })
        t.same(result.ids, modelOrder(fixtures), `cap ${pageCap}, ties ${tieOrder}, ${name}, want ${want}`)
        t.ok(result.pages.slice(0, -1).every((p) => !p.exhausted), 'a short page never ends the walk')
        t.ok(result.pages.every(positionsAreIdentities))
        t.ok(result.calls.every((c) => c <= 50))
      }
    }
  }
  // A group needing more than the budget is read whole when nothing else was handed on yet.
  const sim = await startSim(t, { pageCap: 7, tieOrder: 'scrambled', requestLogSize: 1000 })
  await sim.load(big.slice(0, 200))
  const result = await walk(makeAdapter(t, sim.url), { want: 100, pinnedAt: PIN })
  t.same(result.ids, modelOrder(big.slice(0, 200)), '200 at one instant, cap 7')
  t.ok(result.calls[0] > 10 && result.calls[0] <= 50, `over the budget for one group (${result.calls})`)
})
