// Unit tests of the shared walk engine against an in-memory vendor: page caps, shuffled ties,
// call budgets, group reads, transient failures and the end of data.
import fc from 'fast-check'
import t from 'tap'
import { keysetWalk, type FetchedPage, type GroupOutcome, type WalkFilters, type WalkRecord, type WalkSource } from '../../src/adapters/keyset-walk.ts'
import { compareNativeIds } from '../../src/adapters/stream-order.ts'
import type { ListPage, NativePosition } from '../../src/adapters/types.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'

interface Row { id: string, micros: bigint, keep?: boolean }

interface FakeOptions {
  cap: number // the vendor's page size (or a proxy's cap)
  shuffle?: number // a seed: ties come in a fixed order that follows no field
  total?: boolean // the vendor sends a reliable total (end of data without an empty page)
  fail?: (call: number) => Error | undefined // an error instead of the answer to this call (1-based)
}

// A vendor holding `rows`: keyset queries newest first, group reads by offset, `calls` counted.
class FakeVendor implements WalkSource {
  readonly provider = 'fake'
  calls = 0
  groupReads: bigint[] = []
  uppers: bigint[] = [] // the exclusive created_before of each keyset query
  readonly rows: Row[]
  readonly opts: FakeOptions
  constructor (rows: Row[], opts: FakeOptions) {
    this.rows = rows
    this.opts = opts
  }

  private call (): void {
    this.calls++
    const err = this.opts.fail?.(this.calls)
    if (err) throw err
  }

  private ordered (rows: Row[]): Row[] {
    const salt = this.opts.shuffle ?? 0
    const key = (r: Row) => (Number(r.id) * 7919 + salt) % 1009
    return [...rows].sort((a, b) => (a.micros === b.micros ? key(a) - key(b) : a.micros > b.micros ? -1 : 1))
  }

  async fetchBefore (upper: bigint): Promise<FetchedPage> {
    this.uppers.push(upper)
    this.call()
    const matching = this.ordered(this.rows.filter((r) => r.micros < upper))
    const records = matching.slice(0, this.opts.cap).map(toRecord)
    return { records, end: this.opts.total === true && records.length === matching.length }
  }

  async readGroup (at: bigint, feed: (r: WalkRecord) => void, more: () => boolean): Promise<GroupOutcome> {
    this.groupReads.push(at)
    const group = this.ordered(this.rows.filter((r) => r.micros === at))
    for (let offset = 0; ;) {
      if (!more()) return 'budget'
      this.call()
      const page = group.slice(offset, offset + this.opts.cap)
      if (page.length === 0) return 'complete'
      for (const r of page) feed(toRecord(r))
      offset += page.length
    }
  }
}

const toRecord = (r: Row): WalkRecord => ({
  nativeId: r.id,
  micros: r.micros,
  incident: { native_id: r.id } as unknown as IncidentT,
  raw: { keep: r.keep !== false }
})

const ALL: WalkFilters = { upperMicros: 1_000_000n, keep: null, matches: () => true }
const KEEP: WalkFilters = { upperMicros: 1_000_000n, keep: (raw: Record<string, unknown>) => raw.keep === true, matches: (raw: Record<string, unknown>) => raw.keep === true }
const request = (position: NativePosition | null, want: number, budget?: number) => ({ filters: {}, position, pinnedAt: '2026-01-01T00:00:00Z', want, budget })
const idsOf = (page: ListPage) => page.items.map((i) => i.incident.native_id)
const model = (rows: Row[]) => [...rows].filter((r) => r.keep !== false)
  .sort((a, b) => (a.micros === b.micros ? compareNativeIds(b.id, a.id) : a.micros > b.micros ? -1 : 1)).map((r) => r.id)

// Rows in groups of the given sizes, newest group first, ids unrelated to time.
function groups (sizes: number[]): Row[] {
  const out: Row[] = []
  let id = 1
  sizes.forEach((size, g) => {
    for (let k = 0; k < size; k++) out.push({ id: String((id++ * 37) % 1000 + 1000 * k), micros: BigInt(900_000 - g * 10) })
  })
  return out
}

// Walks to the end the way the merge does (positions through JSON), each listPage on a fresh vendor view.
async function walkAll (rows: Row[], opts: FakeOptions, want: number, budget?: number, filters = ALL) {
  const got: string[] = []
  const calls: number[] = []
  let position: NativePosition | null = null
  for (let i = 0; i < 500; i++) {
    const vendor = new FakeVendor(rows, opts)
    const page = await keysetWalk(request(position, want, budget), vendor, filters)
    calls.push(page.upstreamCalls)
    got.push(...idsOf(page))
    if (page.exhausted) return { got, calls }
    position = JSON.parse(JSON.stringify(page.scannedTo ?? page.items.at(-1)?.after ?? position))
  }
  throw new Error('walk did not end')
}

t.test('any tie layout, page cap, want and budget: every record exactly once, in stream order (property)', async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 0, maxLength: 12 }),
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 1, max: 10 }),
    fc.integer({ min: 0, max: 100 }),
    fc.boolean(),
    fc.boolean(),
    async (sizes, cap, want, budget, shuffle, total, filtered) => {
      const rows = groups(sizes).map((r, i) => ({ ...r, keep: !filtered || i % 3 === 0 }))
      const { got, calls } = await walkAll(rows, { cap, shuffle, total }, want, budget, filtered ? KEEP : ALL)
      if (JSON.stringify(got) !== JSON.stringify(model(rows))) throw new Error(`got ${got}, want ${model(rows)}`)
      // Past the budget only to finish a group or re-read one already consumed, never past 50.
      if (calls.some((n) => n > 50)) throw new Error(`calls ${calls}`)
    }
  ), { numRuns: 300 })
  t.pass('property held')
})

t.test('the budget caps the calls of one listPage; scannedTo says how far it got', async (t) => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: String(i), micros: BigInt(900_000 - i), keep: i === 39 }))
  const vendor = new FakeVendor(rows, { cap: 5 })
  const page = await keysetWalk(request(null, 10, 3), vendor, KEEP)
  t.equal(page.upstreamCalls, 3)
  t.equal(vendor.calls, 3)
  t.same(page.items, [])
  t.equal(page.exhausted, false)
  // Each page of 5 hands on 4: its oldest instant waits for the next query, which starts at it.
  // So 3 calls complete rows 0..11; row 11 is the whole of its instant: l '' (instant consumed).
  t.same(page.scannedTo, { b: String(900_000 - 11), l: '' })
  t.same(vendor.uppers, [1_000_000n, 900_000n - 4n + 1n, 900_000n - 8n + 1n], 'each query just above the open group')
  const next = new FakeVendor(rows, { cap: 5 })
  const rest = await keysetWalk(request(page.scannedTo!, 10, 20), next, KEEP)
  t.same(idsOf(rest), ['39'])
  t.equal(rest.exhausted, true)
  t.equal(next.uppers[0], BigInt(900_000 - 11), 'the resume queries created_before = b: row 11 is never re-read')
  const dflt = await keysetWalk(request(null, 10), new FakeVendor(rows, { cap: 5 }), KEEP)
  t.equal(dflt.upstreamCalls, 10, 'the default budget is 10')
})

t.test('a page may hold more than want: every complete group read is handed on', async (t) => {
  const rows = groups([2, 3, 1, 4])
  const page = await keysetWalk(request(null, 1), new FakeVendor(rows, { cap: 100 }), ALL)
  t.same(idsOf(page), model(rows).slice(0, 6), 'the oldest group waits: it may go on past the page')
  t.equal(page.upstreamCalls, 1)
  // Inside a group `after` names the incident; after a group's last one the instant is consumed (l '').
  const sorted = model(rows)
  t.same(page.items.map((i) => i.after), [
    { b: '900000', l: sorted[0] }, { b: '900000', l: '' },
    { b: '899990', l: sorted[2] }, { b: '899990', l: sorted[3] }, { b: '899990', l: '' },
    { b: '899980', l: '' }
  ])
})

t.test('group mode: a page holding only one instant is read whole by group reads, then sorted', async (t) => {
  const rows = [...groups([12]), { id: '5', micros: 100n }]
  const vendor = new FakeVendor(rows, { cap: 5, shuffle: 3 })
  const page = await keysetWalk(request(null, 1), vendor, ALL)
  t.same(idsOf(page), model(rows).slice(0, 12))
  t.same(vendor.groupReads, [900_000n], 'one group read, at that instant')
  // fetch (5 of the group) → fetch just above the group (5, all at one instant) → group reads at
  // offsets 0, 5, 10 and the empty page at 12.
  t.equal(page.upstreamCalls, 6)
})

t.test('a group larger than the budget: with nothing handed on yet, up to 50 calls; beyond, upstream_error', async (t) => {
  const big = Array.from({ length: 200 }, (_, i) => ({ id: String(i), micros: 5000n }))
  const page = await keysetWalk(request(null, 10), new FakeVendor([...big, { id: '999', micros: 10n }], { cap: 5 }), ALL)
  t.equal(page.items.length, 200, 'the whole group, in one listPage')
  t.ok(page.upstreamCalls > 10 && page.upstreamCalls <= 50, `${page.upstreamCalls} calls`)

  const huge = Array.from({ length: 300 }, (_, i) => ({ id: String(i), micros: 5000n }))
  const vendor = new FakeVendor(huge, { cap: 5 })
  await t.rejects(keysetWalk(request(null, 10), vendor, ALL), { code: 'upstream_error', message: /more incidents at one creation time/ })
  t.equal(vendor.calls, 50)

  // After progress the group read stops at the budget instead, and the group waits for the next page.
  const mixed = [{ id: '1', micros: 9000n }, ...big]
  const first = await keysetWalk(request(null, 10), new FakeVendor(mixed, { cap: 5 }), ALL)
  t.same(idsOf(first), ['1'])
  t.equal(first.upstreamCalls, 10)
  t.same(first.scannedTo, { b: '9000', l: '' }, 'the group of one at 9000 is complete: its instant is consumed')
})

t.test('a position on a fully consumed instant that costs the whole budget to re-read still advances', async (t) => {
  // Regression: the listPage stopped at the budget with no progress and returned the same position forever.
  const rows = Array.from({ length: 5 }, (_, i) => ({ id: String(i), micros: BigInt(1000 - i) }))
  const last = { b: '996', l: '4' }
  for (const budget of [1, 2, 3]) {
    const page = await keysetWalk(request(last, 10, budget), new FakeVendor(rows, { cap: 5 }), ALL)
    t.same(page.items, [], `budget ${budget}`)
    t.equal(page.exhausted, true, `budget ${budget}: the empty page after the group ends the walk`)
  }
  const big = Array.from({ length: 60 }, (_, i) => ({ id: String(i), micros: 5000n }))
  const page = await keysetWalk(request({ b: '5000', l: '0' }, 10), new FakeVendor([...big, { id: '99', micros: 10n }], { cap: 5 }), ALL)
  t.same(idsOf(page), ['99'], 'past a consumed group of 12 pages, with the default budget of 10')

  // The positions a walk hands out now say the instant is consumed (l ''): the resume queries
  // below it and never re-reads the group, whatever its size or the budget.
  for (const budget of [1, 2, 3]) {
    const vendor = new FakeVendor(rows, { cap: 5 })
    const after = await keysetWalk(request({ b: '996', l: '' }, 10, budget), vendor, ALL)
    t.same(after, { items: [], exhausted: true, upstreamCalls: 1 }, `l '', budget ${budget}: one empty page`)
    t.same(vendor.uppers, [996n])
  }
  const vendor = new FakeVendor([...big, { id: '99', micros: 10n }], { cap: 5 })
  const past = await keysetWalk(request({ b: '5000', l: '' }, 10), vendor, ALL)
  t.same(idsOf(past), ['99'])
  // Below 5000: [99] (a short page may be capped, so not the end); below 11: [99] again, nothing
  // new, so the instant 10 is read whole (its page and the empty page after it); then below 10:
  // the empty page that ends the walk. 5 calls, none of them at 5000.
  t.equal(past.upstreamCalls, 5)
  t.same(vendor.uppers, [5000n, 11n, 10n])
  t.same(vendor.groupReads, [10n], 'the consumed group at 5000 is not read again')
})

t.test('end of data: an empty page or a reliable total, never a short page', async (t) => {
  const rows = groups([1, 1, 1])
  const capped = await keysetWalk(request(null, 10), new FakeVendor(rows, { cap: 2 }), ALL)
  t.same(idsOf(capped), model(rows))
  t.equal(capped.exhausted, true)
  t.ok(capped.upstreamCalls >= 3, 'a short page is not the end: an empty one is')
  const totalled = await keysetWalk(request(null, 10), new FakeVendor(rows, { cap: 100, total: true }), ALL)
  t.same(idsOf(totalled), model(rows))
  t.equal(totalled.exhausted, true)
  t.equal(totalled.upstreamCalls, 1, 'a reliable total ends the walk with no extra call')
  const empty = await keysetWalk(request(null, 10), new FakeVendor([], { cap: 100 }), ALL)
  t.same(empty, { items: [], exhausted: true, upstreamCalls: 1 })
})

t.test('transient failures after progress interrupt the page and keep what was read; others are thrown', async (t) => {
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: String(i), micros: BigInt(900_000 - i) }))
  for (const code of ['upstream_rate_limited', 'provider_unavailable', 'upstream_timeout'] as const) {
    const fail = (n: number) => (n === 3 ? new GatewayError(code, 'try later') : undefined)
    const page = await keysetWalk(request(null, 100), new FakeVendor(rows, { cap: 5, fail }), ALL)
    t.same(idsOf(page), model(rows).slice(0, 8), `${code}: the two pages read before it`)
    t.equal(page.exhausted, false)
    t.match(page.interrupted, { code })
    t.same(page.scannedTo, page.items[7].after, 'scannedTo kept')
    const rest = await keysetWalk(request(page.scannedTo!, 100), new FakeVendor(rows, { cap: 5 }), ALL)
    t.same([...idsOf(page), ...idsOf(rest)], model(rows), 'resuming there is exact')
  }
  const first = (n: number) => (n === 1 ? new GatewayError('upstream_rate_limited', 'try later') : undefined)
  await t.rejects(keysetWalk(request(null, 100), new FakeVendor(rows, { cap: 5, fail: first }), ALL), { code: 'upstream_rate_limited' }, 'no progress: thrown')
  const hard = (n: number) => (n === 3 ? new GatewayError('upstream_error', 'broken') : undefined)
  await t.rejects(keysetWalk(request(null, 100), new FakeVendor(rows, { cap: 5, fail: hard }), ALL), { code: 'upstream_error' }, 'not transient: thrown')
  const foreign = (n: number) => (n === 3 ? new TypeError('bug') : undefined)
  await t.rejects(keysetWalk(request(null, 100), new FakeVendor(rows, { cap: 5, fail: foreign }), ALL), TypeError)
})

t.test('a position past the walk\'s upper bound resumes below the bound', async (t) => {
  const rows = [{ id: '1', micros: 2_000_000n }, { id: '2', micros: 500n }]
  const page = await keysetWalk(request({ b: '5000000', l: '9' }, 10), new FakeVendor(rows, { cap: 5 }), ALL)
  t.same(idsOf(page), ['2'], 'nothing at or above upperMicros')
})
