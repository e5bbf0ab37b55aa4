import t from 'tap'
import { incidentCalls, record, START, startZwa, vendorSearchAll, walkAll } from './harness.ts'

const PIN = new Date(START).toISOString()
const idsOf = (records: any[]) => records.map((r) => r.internalId as string)

t.test('walks with several want sizes return every incident exactly once, in order, with exact call counts', async (t) => {
  const h = await startZwa(t)
  const oracle = idsOf(await vendorSearchAll(h, {}))
  t.equal(oracle.length, 250)
  // [want, upstream calls per listPage]: pages of 100, 100, 50; a page boundary inside a
  // listPage costs a second call, every other listPage exactly one.
  const cases: Array<[number, number[]]> = [
    [100, [1, 1, 1]],
    [25, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    [30, [1, 1, 1, 2, 1, 1, 2, 1, 1]],
    [75, [1, 2, 2, 1]]
  ]
  for (const [want, calls] of cases) {
    await h.clearLog()
    const walk = await walkAll(h.adapter, want)
    t.same(walk.ids, oracle, `want ${want}: the vendor's order, nothing missing or repeated`)
    t.same(walk.calls, calls, `want ${want}: upstream calls per page`)
    const searches = await h.requests(incidentCalls)
    t.equal(searches.length, calls.reduce((a, b) => a + b, 0), 'the simulator saw exactly those calls')
    t.ok(searches.every((r) => r.query.pageSize === '100'), 'pageSize 100 on every search of the walk')
    t.notOk(searches[0].query.pageId, 'the first search opens a snapshot')
    t.same(new Set(searches.slice(1).map((r) => r.query.pageId)).size, 1, 'later searches page through its one pageId')
    t.ok(searches.slice(1).every((r) => typeof r.query.pageId === 'string'))
    t.ok(searches.every((r) => JSON.stringify(r.body) === JSON.stringify(searches[0].body)), 'the same body on every page')
  }
})

t.test('the outgoing search: path, query, headers and body', async (t) => {
  const h = await startZwa(t)
  const page = await h.adapter.listPage({
    filters: { severity: ['high', 'critical'], status: ['in_progress', 'new'], createdAfter: '2025-05-01T00:00:00Z', createdBefore: '2025-06-15T12:00:00.000500Z' },
    position: null,
    pinnedAt: PIN,
    want: 10
  })
  t.equal(page.upstreamCalls, 1)
  const [search] = await h.requests(incidentCalls)
  t.equal(search.method, 'POST')
  t.equal(search.path, '/dlp/v1/incidents/search')
  t.same(search.query, { page: '0', pageSize: '100' })
  t.equal(search.headers.authorization, 'Bearer ***', 'a bearer token is sent (masked in the log)')
  t.equal(search.headers['content-type'], 'application/json')
  t.same(search.body, {
    fields: [
      { name: 'severity', value: ['HIGH'] }, // critical has no ZWA severity: it simply matches nothing
      { name: 'status', value: ['NEW', 'INVESTIGATING', 'VALIDATING_WITH_USER', 'JUSTIFICATION_RESPONSE_RECEIVED', 'ESCALATED'] }
    ],
    // before with sub-millisecond digits moves up to the next whole millisecond (still exclusive)
    timeRange: { startTime: '2025-05-01T00:00:00.000Z', endTime: '2025-06-15T12:00:00.001Z' }
  })
  const oracle = idsOf(await vendorSearchAll(h, search.body)).slice(0, 10)
  t.same(page.items.map((i) => i.incident.native_id), oracle)
  t.ok(page.items.every((i) => i.incident.severity === 'high' && ['new', 'in_progress'].includes(i.incident.status)))
})

t.test('the pin bounds the walk: endTime = min(pinnedAt, created_before)', async (t) => {
  const h = await startZwa(t)
  await h.adapter.listPage({ filters: { createdBefore: '2030-01-01T00:00:00Z' }, position: null, pinnedAt: '2025-06-01T00:00:00Z', want: 5 })
  const [search] = await h.requests(incidentCalls)
  t.same(search.body, { timeRange: { endTime: '2025-06-01T00:00:00.000Z' } })
})

t.test('a filter value with no ZWA counterpart matches nothing, with no call', async (t) => {
  const h = await startZwa(t)
  for (const filters of [{ severity: ['critical' as const] }, { status: ['dismissed' as const] }, { createdAfter: '2025-06-01T00:00:00Z', createdBefore: '2025-06-01T00:00:00Z' }]) {
    const page = await h.adapter.listPage({ filters, position: null, pinnedAt: PIN, want: 25 })
    t.same(page, { items: [], exhausted: true, upstreamCalls: 0 }, JSON.stringify(filters))
  }
  t.same(await h.requests(), [], 'not even a token request')
})

t.test('severity unknown is found by the gateway: values no table knows', async (t) => {
  const h = await startZwa(t, {
    sim: {
      incidents: [
        record('1-143-10000000000000000001', '2025-06-01T00:00:03Z', { severity: 'SEVERE' }),
        record('1-143-10000000000000000002', '2025-06-01T00:00:02Z', { severity: 'HIGH' }),
        record('1-143-10000000000000000003', '2025-06-01T00:00:01Z', { severity: 'LOW' })
      ]
    }
  })
  const walk = await walkAll(h.adapter, 10, { severity: ['unknown', 'low'] })
  t.same(walk.ids, ['1-143-10000000000000000001', '1-143-10000000000000000003'])
  const [search] = await h.requests(incidentCalls)
  t.notOk(search.body.fields, 'no native severity list can name "unknown"')
})

t.test('updated_after/updated_before are filtered by the gateway on lastUpdatedAt', async (t) => {
  const h = await startZwa(t)
  const filters = { updatedAfter: '2025-05-01T00:00:00Z', updatedBefore: '2025-06-01T00:00:00Z' }
  const all = await vendorSearchAll(h, {})
  const expected = all.filter((r) => Date.parse(r.lastUpdatedAt) >= Date.parse(filters.updatedAfter) && Date.parse(r.lastUpdatedAt) < Date.parse(filters.updatedBefore))
  t.ok(expected.length > 10 && expected.length < 240, `a selective filter (${expected.length} of 250)`)
  await h.clearLog()
  const walk = await walkAll(h.adapter, 10, filters)
  t.same(walk.ids, idsOf(expected))
  for (const r of await h.requests(incidentCalls)) t.same(r.body, { timeRange: { endTime: PIN } }, 'no native updated filter')

  // Scanning past non-matching incidents is remembered in scannedTo.
  const page = await h.adapter.listPage({ filters: { updatedBefore: '2000-01-01T00:00:00Z' }, position: null, pinnedAt: PIN, want: 5 })
  t.same(page.items, [])
  t.equal(page.exhausted, true, 'all 3 pages scanned: nothing matches')
  t.equal(page.upstreamCalls, 3)
  t.match(page.scannedTo, { page: 3, index: 0 })
})

t.test('a selective gateway filter stops after 10 pages and resumes from scannedTo', async (t) => {
  const records = Array.from({ length: 1050 }, (_, i) => record(`1-143-${String(20000000000000000000n + BigInt(i))}`,
    new Date(Date.parse('2025-06-01T00:00:00Z') - i * 1000).toISOString(), { lastUpdatedAt: i === 1049 ? '2025-06-20T00:00:00Z' : '2025-06-01T00:00:00Z' }))
  const h = await startZwa(t, { sim: { incidents: records } })
  const first = await h.adapter.listPage({ filters: { updatedAfter: '2025-06-10T00:00:00Z' }, position: null, pinnedAt: PIN, want: 5 })
  t.same(first.items, [])
  t.equal(first.upstreamCalls, 10)
  t.equal(first.exhausted, false)
  t.match(first.scannedTo, { page: 10, index: 0, s: 1 })
  const second = await h.adapter.listPage({ filters: { updatedAfter: '2025-06-10T00:00:00Z' }, position: JSON.parse(JSON.stringify(first.scannedTo)), pinnedAt: PIN, want: 5 })
  t.same(second.items.map((i) => i.incident.native_id), ['1-143-20000000000000001049'])
  t.equal(second.exhausted, true)
  t.equal(second.upstreamCalls, 1)
})

t.test('a walk survives pageId expiry without gaps or duplicates, even inside a run of equal createdAt', async (t) => {
  // 130 incidents share one createdAt (ties broken by internalId descending), 120 more around them.
  const tie = '2025-06-10T12:00:00.000Z'
  const records = [
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-3${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) + (i + 1) * 1000).toISOString())),
    ...Array.from({ length: 130 }, (_, i) => record(`1-152-T${String(i).padStart(3, '0')}-30000000000000000000`, tie)),
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-4${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) - (i + 1) * 1000).toISOString()))
  ]
  const h = await startZwa(t, { sim: { incidents: records } })
  const oracle = idsOf(await vendorSearchAll(h, {}))
  await h.clearLog()
  // Expire the snapshot after the 5th and the 8th page: positions 150 (s 90 in the tie run) and 240.
  const walk = await walkAll(h.adapter, 30, {}, PIN, async (step) => {
    if (step === 5 || step === 8) h.clock.advance(601_000)
  })
  t.same(walk.ids, oracle, 'every incident exactly once, in order')
  t.equal(new Set(walk.ids).size, 250)
  const log = await h.requests(incidentCalls)
  const expired = log.filter((r) => r.status === 400)
  t.equal(expired.length, 2, 'two expired pageIds')
  const restart = log[log.indexOf(expired[0]) + 1]
  t.notOk(restart.query.pageId, 'a fresh search after the expiry')
  t.equal(restart.body.timeRange.endTime, '2025-06-10T12:00:00.001Z', 'ending just after the last consumed createdAt')
  t.same({ page: restart.query.page }, { page: '0' }, 's 90 < 100: the first page, skipping 90 ties')
  t.same(walk.calls, [1, 1, 1, 2, 1, 3, 1, 1, 2])
})

t.test('a keyset restart deep inside a run of ties pages past whole pages of them', async (t) => {
  const tie = '2025-06-10T12:00:00Z'
  const records = Array.from({ length: 230 }, (_, i) => record(`1-152-T${String(i).padStart(3, '0')}-30000000000000000000`, tie))
  const h = await startZwa(t, { sim: { incidents: records } })
  const oracle = idsOf(await vendorSearchAll(h, {}))
  const first = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 100 })
  const second = await h.adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(first.items[99].after)), pinnedAt: PIN, want: 60 })
  t.match(second.items[59].after, { page: 1, index: 60, s: 160 })
  h.clock.advance(601_000)
  await h.clearLog()
  const third = await h.adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(second.items[59].after)), pinnedAt: PIN, want: 100 })
  t.same([...first.items, ...second.items, ...third.items].map((i) => i.incident.native_id), oracle)
  t.equal(third.exhausted, true)
  const log = await h.requests(incidentCalls)
  t.same(log.map((r) => [r.status, r.query.page, r.query.pageId ? 'id' : 'fresh']), [[400, '1', 'id'], [200, '1', 'fresh'], [200, '2', 'id']])
  t.equal(third.upstreamCalls, 3)
})

t.test('incidents added upstream mid-walk do not appear; the walk stays complete', async (t) => {
  const h = await startZwa(t, { sim: { count: 150 } })
  const oracle = idsOf(await vendorSearchAll(h, {}))
  const walk = await walkAll(h.adapter, 40, {}, PIN, async (step) => {
    if (step === 1) {
      h.clock.advance(1000)
      await h.admin('POST', '/incidents', [{ severity: 'HIGH', priority: 'LOW', status: 'NEW' }]) // created "now", after the pin
      await h.admin('POST', '/incidents', [record('1-143-99999999999999999999', '2025-06-29T00:00:00Z')]) // late arrival, before the pin
    }
    if (step === 2) h.clock.advance(601_000) // and a fresh keyset search must not pick them up either
  })
  t.same(walk.ids, oracle)
})

t.test('positions: JSON-safe, validated', async (t) => {
  const h = await startZwa(t)
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 3 })
  t.equal(page.items.length, 3)
  for (const item of page.items) {
    t.same(JSON.parse(JSON.stringify(item.after)), item.after)
    t.equal(typeof item.createdMicros, 'bigint')
    t.equal(item.createdMicros, BigInt(Date.parse(item.incident.created_at)) * 1000n)
  }
  t.match(page.items[2].after, { page: 0, index: 3, pageId: String })
  const bad = [{}, { ...page.items[0].after, index: 101 }, { ...page.items[0].after, b: '1.5' }, { ...page.items[0].after, extra: 1 },
    { ...page.items[0].after, s: -1 }, { ...page.items[0].after, pageId: 7 }, { offset: 3 }, { ...page.items[0].after, e: 'x' }]
  for (const position of bad) {
    await t.rejects(h.adapter.listPage({ filters: {}, position, pinnedAt: PIN, want: 3 }), { code: 'invalid_cursor' }, JSON.stringify(position))
  }
  await t.rejects(h.adapter.listPage({ filters: { createdAfter: 'yesterday' }, position: null, pinnedAt: PIN, want: 3 }), { code: 'validation_failed' })
})

t.test('a position after the last item says exhausted in the same call', async (t) => {
  const h = await startZwa(t, { sim: { count: 7 } })
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 7 })
  t.equal(page.items.length, 7)
  t.equal(page.exhausted, true)
  const early = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 6 })
  t.equal(early.exhausted, false)
  const rest = await h.adapter.listPage({ filters: {}, position: early.items[5].after, pinnedAt: PIN, want: 6 })
  t.same(rest.items.map((i) => i.incident.native_id), [page.items[6].incident.native_id])
  t.equal(rest.exhausted, true)
  const none = await h.adapter.listPage({ filters: { createdAfter: '2030-01-01T00:00:00Z' }, position: null, pinnedAt: '2031-01-01T00:00:00Z', want: 6 })
  t.same(none, { items: [], exhausted: true, upstreamCalls: 1, scannedTo: { pageId: none.scannedTo?.pageId, page: 1, index: 0, b: String(Date.parse('2031-01-01T00:00:00Z') - 1), s: 0 } })
})
