import t from 'tap'
import { incidentCalls, modelOrder, positionsAreIdentities, record, START, startZwa, vendorSearchAll, walkAll } from './harness.ts'

const PIN = new Date(START).toISOString()
const idsOf = (records: any[]) => records.map((r) => r.internalId as string)

t.test('walks with several want sizes return every incident exactly once, in order, in the fewest searches', async (t) => {
  const h = await startZwa(t)
  const oracle = idsOf(await vendorSearchAll(h, {}))
  t.equal(oracle.length, 250)
  for (const want of [100, 25, 30, 75]) {
    await h.clearLog()
    const walk = await walkAll(h.adapter, want)
    t.same(walk.ids, oracle, `want ${want}: the vendor's order, nothing missing or repeated`)
    // Pages of 100 hand on at least 99 each (the oldest instant waits), and totalElements ends the
    // walk without an empty page. Want 100: the first listPage hands on 99 after one page and closes
    // the 100th's millisecond with a short search (below); the next reads on through its snapshot.
    // The others stop after one page each.
    t.same(walk.calls, want === 100 ? [2, 2] : [1, 1, 1], `want ${want}: searches per listPage`)
    t.ok(walk.pages.every((p) => p.exhausted || p.items.length >= want), 'a page short of want only at the end')
    t.ok(walk.pages.every(positionsAreIdentities), 'stream order; each position names its incident')
    const searches = await h.requests(incidentCalls)
    t.equal(searches.length, want === 100 ? 4 : 3, 'the simulator saw exactly those calls')
    // Each listPage starts a fresh search (page 0, no pageId) ending at the instant its predecessor
    // consumed whole (l '', exclusive); within a listPage the search goes on by pageId, page + 1,
    // with the same pageSize; a first page's short search is a fresh search of its own.
    let i = 0
    walk.calls.forEach((calls, p) => {
      const fresh = searches[i]
      t.same([fresh.query.page, fresh.query.pageId, fresh.query.pageSize], ['0', undefined, '100'], `listPage ${p + 1}: a fresh search of 100`)
      const after = walk.pages[p - 1]?.scannedTo
      const end = after === undefined ? PIN : new Date(Number(BigInt(after.b as string) / 1000n)).toISOString()
      t.equal(fresh.body.timeRange.endTime, end, `listPage ${p + 1}: ends at the pin or at the consumed instant`)
      for (let k = 1; k < calls; k++) {
        if (p === 0) continue // the short search: "a first page", below
        t.same([searches[i + k].query.page, searches[i + k].query.pageSize, searches[i + k].body], [String(k), '100', fresh.body], 'the same search, one page on')
        t.ok(searches[i + k].query.pageId, 'through its snapshot')
      }
      i += calls
    })
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
  t.ok(page.items.length >= 10, 'every complete instant of the page, not just want')
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
  const oracle = idsOf(await vendorSearchAll(h, search.body)).slice(0, page.items.length)
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
  for (const r of await h.requests(incidentCalls)) {
    t.same(Object.keys(r.body), ['timeRange'], 'no native updated filter')
    t.ok(Date.parse(r.body.timeRange.endTime) <= Date.parse(PIN))
  }

  // Scanning past non-matching incidents is remembered in scannedTo.
  const page = await h.adapter.listPage({ filters: { updatedBefore: '2000-01-01T00:00:00Z' }, position: null, pinnedAt: PIN, want: 5 })
  t.same(page.items, [])
  t.equal(page.exhausted, true, 'all 250 scanned: nothing matches')
  t.equal(page.upstreamCalls, 3)
  const oldest = all.at(-1)
  t.same(page.scannedTo, { b: String(Date.parse(oldest.createdAt) * 1000), l: '' }, 'scannedTo: the oldest instant examined, consumed whole')
})

t.test('a selective gateway filter stops after 10 pages and resumes from scannedTo', async (t) => {
  const records = Array.from({ length: 1050 }, (_, i) => record(`1-143-${String(20000000000000000000n + BigInt(i))}`,
    new Date(Date.parse('2025-06-01T00:00:00Z') - i * 1000).toISOString(), { lastUpdatedAt: i === 1049 ? '2025-06-20T00:00:00Z' : '2025-06-01T00:00:00Z' }))
  const h = await startZwa(t, { sim: { incidents: records } })
  const first = await h.adapter.listPage({ filters: { updatedAfter: '2025-06-10T00:00:00Z' }, position: null, pinnedAt: PIN, want: 5 })
  t.same(first.items, [])
  t.equal(first.upstreamCalls, 10, 'the default budget of 10 calls')
  t.equal(first.exhausted, false)
  // One search read through its snapshot, pages 0..9: 1000 incidents. The oldest (index 999) may
  // have ties on the next page and waits; index 998 is the whole of its instant: l ''.
  const b998 = Date.parse('2025-06-01T00:00:00Z') - 998 * 1000
  t.same(first.scannedTo, { b: String(b998 * 1000), l: '' })
  const log = await h.requests(incidentCalls)
  t.same(log.map((r) => [r.query.page, r.query.pageId ? 'id' : 'fresh']), Array.from({ length: 10 }, (_, i) => [String(i), i === 0 ? 'fresh' : 'id']))
  await h.clearLog()
  const second = await h.adapter.listPage({ filters: { updatedAfter: '2025-06-10T00:00:00Z' }, position: JSON.parse(JSON.stringify(first.scannedTo)), pinnedAt: PIN, want: 5 })
  t.same(second.items.map((i) => i.incident.native_id), ['1-143-20000000000000001049'])
  t.equal(second.exhausted, true)
  // A fresh search ending at index 998's instant (exclusive): 999..1049, 51 with totalElements 51.
  t.equal(second.upstreamCalls, 1)
  t.same((await h.requests(incidentCalls)).map((r) => [r.query.page, r.body.timeRange.endTime]), [['0', new Date(b998).toISOString()]])
})

t.test('a pause longer than the pageId lifetime between pages changes nothing: each listPage starts a fresh search', async (t) => {
  // 130 incidents share one createdAt, 120 more around them.
  const tie = '2025-06-10T12:00:00.000Z'
  const records = [
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-3${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) + (i + 1) * 1000).toISOString())),
    ...Array.from({ length: 130 }, (_, i) => record(`1-152-T${String(i).padStart(3, '0')}-30000000000000000000`, tie)),
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-4${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) - (i + 1) * 1000).toISOString()))
  ]
  for (const tieOrder of ['id', 'reverse', 'scrambled'] as const) {
    const h = await startZwa(t, { sim: { incidents: records, tieOrder } })
    const walk = await walkAll(h.adapter, 30, {}, PIN, async () => { h.clock.advance(601_000) })
    t.same(walk.ids, modelOrder(records), `ties ${tieOrder}: every incident exactly once, in stream order`)
    const log = await h.requests(incidentCalls)
    t.ok(log.every((r) => r.status === 200), 'no expired pageId was ever sent')
    const starts = walk.calls.slice(0, -1).reduce((at, c) => [...at, at[at.length - 1] + c], [0])
    t.ok(starts.every((i) => log[i].query.page === '0' && log[i].query.pageId === undefined), 'a pageId never outlives its listPage')
  }
})

t.test('a pageId expiring in the middle of a large group is survived: a fresh search from the group takes over', async (t) => {
  const tie = '2025-06-10T12:00:00.000Z'
  const records = [
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-3${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) + (i + 1) * 1000).toISOString())),
    ...Array.from({ length: 250 }, (_, i) => record(`1-152-T${String(i).padStart(3, '0')}-30000000000000000000`, tie, { status: i % 2 ? 'NEW' : 'ESCALATED' })),
    ...Array.from({ length: 60 }, (_, i) => record(`1-143-4${String(i).padStart(19, '0')}`, new Date(Date.parse(tie) - (i + 1) * 1000).toISOString()))
  ]
  // The calls of each listPage, exactly. The first listPage reads page 0, then short searches ending
  // just above the group (52, capped to 50: the rest of the 60 newer and 40 of the group; then 41,
  // 82, 100 while it runs on). Ties reversed (cap 100): the search of 100 is paged on, its page 1
  // has expired; a fresh search of 100 from the group finds nothing new, so the group is read on its
  // own (3 pages). Ties scrambled (cap 50): the search of 100 finds nothing new, the group's own
  // search expires at its page 2 and starts again; the budget of 10 ends the first listPage and the
  // next reads on from the last whole millisecond. A group this large costs a first page 4 calls
  // more than paging on through page 0's snapshot did; most milliseconds hold one incident.
  const expectedCalls: Record<string, number[]> = {
    'scrambled {}': [10, 6, 1], 'scrambled {"status":["new"]}': [10, 3, 1], 'reverse {}': [9, 1], 'reverse {"status":["new"]}': [9, 1]
  }
  for (const [tieOrder, pageCap, expirePage] of [['scrambled', 50, 2], ['reverse', 100, 1]] as const) {
    let expired = 0
    const h: Awaited<ReturnType<typeof startZwa>> = await startZwa(t, {
      sim: { incidents: records, tieOrder, pageCap },
      // A page read through the snapshot finds it expired, once.
      onRequest: (req) => {
        if (expired === 0 && req.url.includes('pageId=') && req.url.includes(`?page=${expirePage}&`)) {
          expired++
          h.clock.advance(601_000)
        }
      }
    })
    for (const filters of [{}, { status: ['new' as const] }]) {
      expired = 0
      await h.clearLog()
      const walk = await walkAll(h.adapter, 100, filters)
      const expected = modelOrder(filters.status ? records.filter((r) => r.status === 'NEW') : records)
      t.same(walk.ids, expected, `cap ${pageCap}, ties ${tieOrder}, ${JSON.stringify(filters)}: every incident exactly once, in order`)
      const log = await h.requests(incidentCalls)
      const failed = log.findIndex((r) => r.status === 400)
      t.equal(expired, 1)
      t.ok(failed > 0, 'the snapshot expired mid-group')
      const restart = log[failed + 1]
      t.same([restart.query.page, restart.query.pageId], ['0', undefined], 'a fresh search after the expiry…')
      const fields = filters.status ? { fields: [{ name: 'status', value: ['NEW'] }] } : {}
      t.same(restart.body, tieOrder === 'reverse'
        ? { ...fields, timeRange: { endTime: '2025-06-10T12:00:00.001Z' } }
        : { timeRange: { startTime: tie, endTime: '2025-06-10T12:00:00.001Z' } },
      '…with the walk\'s filters, ending just above the group, or of the group alone without them')
      t.same(walk.calls, expectedCalls[`${tieOrder} ${JSON.stringify(filters)}`])
      t.equal(log.filter((r) => r.status === 400).length, 1, 'one expired pageId, never sent again')
    }
  }
})

t.test('a group larger than a page is read whole through the snapshot, then handed on sorted', async (t) => {
  const tie = '2025-06-10T12:00:00Z'
  const records = Array.from({ length: 230 }, (_, i) => record(`1-152-T${String(i).padStart(3, '0')}-30000000000000000000`, tie))
  const h = await startZwa(t, { sim: { incidents: records, tieOrder: 'scrambled' } })
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 10 })
  t.same(page.items.map((i) => i.incident.native_id), modelOrder(records), 'all 230, by internalId descending')
  t.equal(page.exhausted, true, 'totalElements: nothing older')
  const log = await h.requests(incidentCalls)
  // One search read on through its snapshot: pages 0, 1, 2 cover 300 >= totalElements 230, the end.
  t.same(log.map((r) => [r.status, r.query.page, r.query.pageId ? 'id' : 'fresh']),
    [[200, '0', 'fresh'], [200, '1', 'id'], [200, '2', 'id']])
  t.equal(page.upstreamCalls, 3)
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
  t.ok(page.items.length >= 3)
  for (const item of page.items) {
    t.same(JSON.parse(JSON.stringify(item.after)), item.after)
    t.equal(typeof item.createdMicros, 'bigint')
    t.equal(item.createdMicros, BigInt(Date.parse(item.incident.created_at)) * 1000n)
  }
  t.ok(page.items.length >= 3)
  t.ok(positionsAreIdentities(page), 'positions {b, l}: the instant in µs and the internalId')
  const at = page.items[0].after
  const bad = [{}, { ...at, b: '1.5' }, { ...at, extra: 1 }, { b: at.b }, { l: at.l }, { b: '', l: '' }, { ...at, l: 7 },
    { ...at, l: 'x'.repeat(65) }, { offset: 3 }, { page: 0, index: 3, b: at.b, s: 1 }]
  for (const position of bad) {
    await t.rejects(h.adapter.listPage({ filters: {}, position, pinnedAt: PIN, want: 3 }), { code: 'invalid_cursor' }, JSON.stringify(position))
  }
  await t.rejects(h.adapter.listPage({ filters: { createdAfter: 'yesterday' }, position: null, pinnedAt: PIN, want: 3 }), { code: 'validation_failed' })
})

t.test('totalElements ends the walk in the same call', async (t) => {
  const h = await startZwa(t, { sim: { count: 7 } })
  const page = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 3 })
  t.equal(page.items.length, 7, 'a small result: everything, in one search')
  t.equal(page.exhausted, true)
  t.equal(page.upstreamCalls, 1)
  const rest = await h.adapter.listPage({ filters: {}, position: page.items[5].after, pinnedAt: PIN, want: 6 })
  t.same(rest.items.map((i) => i.incident.native_id), [page.items[6].incident.native_id])
  t.equal(rest.exhausted, true)
  t.equal(rest.upstreamCalls, 1)
  const none = await h.adapter.listPage({ filters: { createdAfter: '2030-01-01T00:00:00Z' }, position: null, pinnedAt: '2031-01-01T00:00:00Z', want: 6 })
  t.same(none, { items: [], exhausted: true, upstreamCalls: 1 })
})

t.test('page caps and tie orders: every incident exactly once, in stream order, never ending at a short page', async (t) => {
  // 120 incidents in 15 milliseconds of 8, then a group of 250 in one millisecond.
  const base = Date.parse('2025-06-10T12:00:00.000Z')
  const ties = Array.from({ length: 120 }, (_, i) => record(`1-143-${String(50_000_000_000_000_000_000n + BigInt((i * 37) % 120))}`, new Date(base - Math.floor(i / 8)).toISOString()))
  const big = Array.from({ length: 250 }, (_, i) => record(`1-152-G${String(i).padStart(3, '0')}-30000000000000000000`, new Date(base - 5000).toISOString()))
  for (const [pageCap, tieOrder] of [[7, 'reverse'], [50, 'scrambled'], [50, 'reverse']] as const) {
    const cases: Array<[string, Array<Record<string, unknown>>]> = [['120 in groups of 8', ties], ['a group of 250 at one instant', big], ['both', [...ties, ...big]]]
    for (const [name, fixtures] of cases) {
      if (pageCap === 7 && fixtures !== ties) continue
      const h = await startZwa(t, { sim: { incidents: fixtures, pageCap, tieOrder } })
      for (const want of [1, 100]) {
        const walk = await walkAll(h.adapter, want)
        t.same(walk.ids, modelOrder(fixtures), `cap ${pageCap}, ties ${tieOrder}, ${name}, want ${want}`)
        t.ok(walk.pages.slice(0, -1).every((p) => !p.exhausted), 'a short page never ends the walk')
        t.ok(walk.pages.every(positionsAreIdentities))
        t.ok(walk.calls.every((c) => c <= 50))
      }
    }
  }
})

t.test('a first page: its short search asks only for what it still needs, doubling while a millisecond runs on', async (t) => {
  // 200 incidents a second apart, but records 99..110 (newest first) share one millisecond.
  const T0 = Date.parse('2025-06-10T12:00:00.000Z')
  const at = (i: number) => T0 - (i >= 99 && i <= 110 ? 99 : i) * 1000
  const records = Array.from({ length: 200 }, (_, i) => record(`1-143-3${String(i).padStart(19, '0')}`, new Date(at(i)).toISOString()))
  const h = await startZwa(t, { sim: { incidents: records } })
  const model = modelOrder(records)

  const first = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 100 })
  // The page of 100 hands on 99; record 99 opens a millisecond that goes on to record 110. Each
  // short search is a fresh one ending just above it (no pageId, never paged on), asking for what
  // it held of it plus one, then 4, 8, 16 until records past it close it: 130 records read
  // instead of 200, 114 handed on (every complete group).
  t.same(first.items.map((i) => i.incident.native_id), model.slice(0, 114))
  const log = await h.requests(incidentCalls)
  const group = new Date(at(99) + 1).toISOString()
  t.same(log.map((r) => [r.query.page, r.query.pageId, r.query.pageSize, r.body.timeRange.endTime]),
    [['0', undefined, '100', PIN], ...[2, 4, 8, 16].map((n) => ['0', undefined, String(n), group])])

  await h.clearLog()
  const second = await h.adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(first.scannedTo)), pinnedAt: PIN, want: 100 })
  t.same(second.items.map((i) => i.incident.native_id), model.slice(114), 'the rest, exactly once')
  t.ok((await h.requests(incidentCalls)).every((r) => r.query.pageSize === '100'), 'later pages read whole vendor pages')

  await h.clearLog()
  const filtered = await h.adapter.listPage({ filters: { updatedAfter: '2025-01-01T00:00:00Z' }, position: null, pinnedAt: PIN, want: 100 })
  t.equal(filtered.items.length, 200)
  t.same((await h.requests(incidentCalls)).map((r) => [r.query.page, r.query.pageSize]), [['0', '100'], ['1', '100']],
    'a filter the gateway applies may drop any number of records: whole pages through the snapshot')

  await h.clearLog()
  const sync = await h.adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 100, purpose: 'sync' })
  t.equal(sync.items.length, 200, 'as the filtered walk: the snapshot ends at 200, so its last group is whole')
  t.same((await h.requests(incidentCalls)).map((r) => [r.query.page, r.query.pageSize]), [['0', '100'], ['1', '100']],
    'a sync walk goes on to its end or its call cap: whole pages through the snapshot')
})
