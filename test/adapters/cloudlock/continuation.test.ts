// Within one listPage, Cloudlock's walk continues its query by offset with a one-incident overlap.
// The overlap proves nothing before it moved; when it did, a fresh keyset query takes over and the
// walk stays exact. Between listPages, a resume after a complete group never reads it again.
// The list calls go through walkCloudlock with a hook that changes the simulator's data between
// two calls of one listPage (the adapter offers no such seam, and none is needed in production).
import t, { type Test } from 'tap'
import { walkCloudlock, type CloudlockListCall } from '../../../src/vendors/cloudlock/list-walk.ts'
import type { ListFilters, ListPage, NativePosition } from '../../../src/adapters/types.ts'
import { EnumMapper } from '../../../src/mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../../src/mapping/tables.ts'
import { microsToCloudlock } from '../../../src/mapping/timestamps.ts'
import { formatTimestampUs, makeAdapter, record, startSim, type Sim } from './helpers.ts'

const PIN = '2026-01-01T00:00:00.000Z'
const PIN_QUERY = microsToCloudlock(BigInt(Date.parse(PIN)) * 1000n)
const T0 = Date.parse('2025-03-01T12:00:00.000Z') * 1000
const mapper = new EnumMapper(resolveTables('cloudlock'), DEFAULT_TABLES.cloudlock)

// 105 NEW incidents at distinct instants (m0 newest), each after a RESOLVED one the filter hides.
const ID = (k: number) => String(50_000 + k)
const AT = (k: number) => T0 + (300 - k) * 1_000_000
function fixtures (): Array<Record<string, unknown>> {
  return Array.from({ length: 105 }, (_, k) => [
    record(String(60_000 + k), AT(k) + 500_000, { incident_status: 'RESOLVED' }),
    record(ID(k), AT(k), { incident_status: 'NEW' })
  ]).flat()
}

// Walks to the end with walkCloudlock; `before(n)` runs before the n-th list call of the walk.
async function walkHooked (sim: Sim, filters: ListFilters, before: (n: number) => Promise<void>) {
  let n = 0
  const list: CloudlockListCall = async (query, _request, sent) => {
    await before(++n)
    sent()
    const res = await sim.vendor('GET', `/incidents?${new URLSearchParams(query).toString()}`)
    if (res.status !== 200) throw new Error(`list answered ${res.status}`)
    return res.json.items
  }
  const ids: string[] = []
  const calls: number[] = []
  let position: NativePosition | null = null
  for (let i = 0; i < 20; i++) {
    const page: ListPage = await walkCloudlock({ filters, position, pinnedAt: PIN, want: 100 }, 'cl', mapper, list)
    ids.push(...page.items.map((it) => it.incident.native_id))
    calls.push(page.upstreamCalls)
    if (page.exhausted) return { ids, calls }
    position = JSON.parse(JSON.stringify(page.scannedTo))
  }
  throw new Error('walk did not end')
}

const lists = async (sim: Sim) => (await sim.requests()).filter((e) => e.method === 'GET')
  .map((e) => [e.query.created_before, e.query.offset])
const resolve = async (t: Test, sim: Sim, id: string, status: string) => {
  const res = await sim.vendor('PUT', `/incidents/${id}`, { incident_status: status })
  t.equal(res.status, 200)
}

t.test('an incident before the overlap leaves the filter mid-listPage: a keyset query takes over, exactly', async (t) => {
  const sim = await startSim(t)
  await sim.load(fixtures())
  const all = Array.from({ length: 105 }, (_, k) => ID(k))
  const result = await walkHooked(sim, { status: ['new'] }, async (n) => {
    if (n === 2) await resolve(t, sim, ID(10), 'RESOLVED') // m10 was read (and handed on) by call 1
  })
  t.same(result.ids, all, 'every incident that matched when read, once, in order; m10 was returned before it left')
  // Call 1: offset 0 reads m0..m99; 99 handed on, m99 waits. Call 2 continues at offset 99, but m10
  // left the filter, so it starts at m100, not at the overlap m99: a keyset query from just above
  // m99 (call 3) reads m99..m104, and hands on m99..m103: 104 >= want ends the listPage. The next
  // listPage resumes below m103's instant, which is consumed (call 4: m104), and continues at offset
  // 0 + 1 − 1 = 0 (call 5), which answers only the overlap: the end.
  t.same(result.calls, [3, 2])
  t.same(await lists(sim), [
    [PIN_QUERY, '0'], [PIN_QUERY, '99'], [formatTimestampUs(AT(99) + 1), '0'],
    [formatTimestampUs(AT(103)), '0'], [formatTimestampUs(AT(103)), '0']
  ])
})

t.test('an incident before the overlap enters the filter mid-listPage: the shift is seen the other way', async (t) => {
  const sim = await startSim(t)
  await sim.load(fixtures())
  const result = await walkHooked(sim, { status: ['new'] }, async (n) => {
    // A RESOLVED incident between m9 and m10 becomes NEW: already passed, so not returned.
    if (n === 2) await resolve(t, sim, String(60_010), 'NEW')
  })
  t.same(result.ids, Array.from({ length: 105 }, (_, k) => ID(k)))
  // Call 2 at offset 99 now starts at m98 (one more before it), not at m99: same fallback as above.
  t.same(result.calls, [3, 2])
  t.same((await lists(sim))[2], [formatTimestampUs(AT(99) + 1), '0'], 'the keyset query from just above m99')
})

t.test('an incident past the overlap leaves the filter mid-listPage: the continuation stays exact', async (t) => {
  const sim = await startSim(t)
  await sim.load(fixtures())
  const result = await walkHooked(sim, { status: ['new'] }, async (n) => {
    if (n === 2) await resolve(t, sim, ID(102), 'RESOLVED') // not reached yet
  })
  t.same(result.ids, Array.from({ length: 105 }, (_, k) => ID(k)).filter((id) => id !== ID(102)), 'm102 left before it was reached')
  // Call 2 at offset 99 starts at m99, the overlap: nothing before it moved. A first listPage asks
  // only for what it still needs (m99 closed by one more record: limit 2) and reads m99, m100: m99
  // is handed on, 100 >= want. The next listPage: m100..m104 without m102 (4), then the
  // overlap-only continuation at offset 3.
  t.same(result.calls, [2, 2])
  t.same(await lists(sim), [[PIN_QUERY, '0'], [PIN_QUERY, '99'], [formatTimestampUs(AT(99)), '0'], [formatTimestampUs(AT(99)), '3']])
})

t.test('a resume after a complete group never re-reads it; a resume inside a group reads the rest of it', async (t) => {
  const sim = await startSim(t)
  // Three instants: A (3 incidents), B (4), C (2).
  const A = T0 + 2000
  const B = T0 + 1000
  const C = T0
  await sim.load([
    ...['11', '12', '13'].map((id) => record(id, A)),
    ...['21', '22', '23', '24'].map((id) => record(id, B)),
    ...['31', '32'].map((id) => record(id, C))
  ])
  const adapter = makeAdapter(t, sim.url)

  const first = await adapter.listPage({ filters: {}, position: null, pinnedAt: PIN, want: 1 })
  // One call reads all 9; C, the oldest instant, may go on and waits.
  t.same(first.items.map((i) => i.incident.native_id), ['13', '12', '11', '24', '23', '22', '21'])
  t.equal(first.upstreamCalls, 1)
  t.same(first.items[2].after, { b: String(A), l: '' }, 'the last of group A: instant A consumed')

  await sim.clearRequests()
  const afterA = await adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(first.items[2].after)), pinnedAt: PIN, want: 100 })
  t.same(afterA.items.map((i) => i.incident.native_id), ['24', '23', '22', '21', '32', '31'])
  // created_before = A itself: the vendor never sends group A again. 6 below it, then the
  // continuation at offset 5 holding only the overlap. 2 calls.
  t.same(await lists(sim), [[formatTimestampUs(A), '0'], [formatTimestampUs(A), '5']])

  await sim.clearRequests()
  const insideA = await adapter.listPage({ filters: {}, position: JSON.parse(JSON.stringify(first.items[1].after)), pinnedAt: PIN, want: 100 })
  t.same(first.items[1].after, { b: String(A), l: '12' })
  t.same(insideA.items.map((i) => i.incident.native_id), ['11', '24', '23', '22', '21', '32', '31'], 'the rest of A, below 12')
  // created_before = A + 1 µs: A is read again (3) and identity skips 13 and 12. 9 records, then
  // the continuation at offset 8: only the overlap. 2 calls.
  t.same(await lists(sim), [[formatTimestampUs(A + 1), '0'], [formatTimestampUs(A + 1), '8']])
})
