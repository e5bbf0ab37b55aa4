import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import {
  keysetWalk, newestFirst, type FetchedPage, type GroupOutcome, type WalkRecord, type WalkSource
} from '../../adapters/keyset-walk.ts'
import { mapListRecords } from '../../adapters/list-records.ts'
import type { ListPage, PageRequest } from '../../adapters/types.ts'
import type { CallInput } from '../../upstream/pipeline.ts'
import type { CallOptions } from '../../upstream/call-options.ts'
import type { SearchAnswer } from './operations.ts'
import { ceilMs, planZwaSearch, searchBody, stableSearchBody } from './list-query.ts'
import { mapZwaIncident } from './map-incident.ts'

const PAGE_SIZE = 100 // the vendor's maximum

export interface WalkDeps {
  providerId: string
  search: (input: CallInput, opts: CallOptions) => Promise<SearchAnswer> // one search exchange
  mapper: EnumMapper
}

interface Snapshot {
  pageId: string | null // null: not to be continued (none sent, or a short search)
  body: Record<string, unknown>
  size: number // page size the snapshot is read with: what its first page held (a cap, if any)
  total: number | null // totalElements, when the vendor sent it
  page: number // last page read
  oldest: bigint // creation time (µs) of the oldest record read from it
  atOldest: number // how many of the records read from it are at `oldest`
}

const oldestOf = (records: WalkRecord[]): bigint | null =>
  records.reduce<bigint | null>((m, r) => (m === null || r.micros < m ? r.micros : m), null)
const countAt = (records: WalkRecord[], micros: bigint): number => records.filter((r) => r.micros === micros).length
const ms = (micros: bigint): number => Number(micros / 1000n) // ZWA keeps whole milliseconds

// ZWA's search as a keyset walk. Each listPage starts a fresh search whose createdAt range ends just
// above its position and goes on through that search's snapshot (pageId), which the vendor keeps
// stable; an expired pageId or a capped page only means a fresh search from the oldest group read
// so far, so neither loses the place. A millisecond that such a fresh search cannot get past is
// read by a search on that millisecond alone without the changeable fields. totalElements, when
// sent, ends the walk without an extra empty page (test/adapters/zwa/list-walk.test.ts).
// A first page that only needs a few more records (keysetWalk's `ahead`) reads them by a fresh
// search ending just above its open millisecond with a small pageSize, doubling while that
// millisecond runs on: the reference leaves open whether a pageId is a snapshot and whether
// pageSize may change within it, so a snapshot is only ever paged at the size it started with.
export async function walkZwa (request: PageRequest, deps: WalkDeps): Promise<ListPage> {
  const plan = planZwaSearch(request.filters, request.pinnedAt, deps.mapper)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
  let calls = 0
  let snapshot: Snapshot | null = null
  // The last fresh search: its exclusive creation-time bound (µs) and the pageSize it asked for.
  let last: { upper: bigint, asked: number } | null = null

  const search = async (
    body: Record<string, unknown>, page: number, size: number, pageId: string | null, unfiltered: boolean
  ) => {
    const res = await deps.search({
      query: { page: String(page), pageSize: String(size), pageId: pageId ?? undefined },
      body,
      signal: request.signal,
      onSend: () => { calls++ }
    }, { deadline: request.deadline, requestId: request.requestId, purpose: request.purpose })
    const records = mapListRecords(res.incidents, deps.providerId, unfiltered,
      (raw) => mapZwaIncident(raw, deps.providerId, deps.mapper))
    return { ...res, records }
  }

  // One more page of a snapshot, read with the size its first page had (a cap, if any).
  const nextOf = async (snap: Snapshot, unfiltered: boolean) => {
    const res = await search(snap.body, snap.page + 1, snap.size, snap.pageId, unfiltered)
    snap.page++
    const oldest = oldestOf(res.records) ?? snap.oldest
    snap.atOldest = (oldest === snap.oldest ? snap.atOldest : 0) + countAt(res.records, oldest)
    snap.oldest = oldest
    return res.records
  }
  // Page p of a snapshot covers its entries [p × size, (p + 1) × size): a short page (a cap, or an
  // incident deleted since the snapshot) never leaves a gap, at worst an overlap
  // (test/adapters/zwa/list-walk.test.ts, "page caps and tie orders"; test/v1/walk-property.test.ts).
  const finished = (snap: Snapshot) => snap.total !== null && (snap.page + 1) * snap.size >= snap.total

  const freshSearch = async (upper: bigint, size: number, continued = true): Promise<FetchedPage> => {
    const body = searchBody(plan, ceilMs(upper))
    const res = await search(body, 0, size, null, false)
    const oldest = oldestOf(res.records) ?? upper
    snapshot = {
      pageId: continued ? res.pageId : null,
      body,
      size: Math.max(1, Math.min(size, res.records.length)),
      total: res.total,
      page: 0,
      oldest,
      atOldest: countAt(res.records, oldest)
    }
    last = { upper, asked: size }
    return { records: res.records, end: finished(snapshot) }
  }
  // The pageSize of a short search: it re-reads the open millisecond (what the last search held of
  // it) to reach `ahead` records past it; while that millisecond runs on past the last one, twice
  // as many. A whole page is read as any other (test/adapters/zwa/list-walk.test.ts, "a first page").
  const shortSize = (snap: Snapshot, upper: bigint, ahead: number): number => {
    const held = upper === snap.oldest + 1n ? snap.atOldest : 0
    const again = last !== null && upper === last.upper ? last.asked * 2 : 0
    return Math.min(PAGE_SIZE, Math.max(held + ahead, again))
  }

  const source: WalkSource = {
    provider: deps.providerId,
    get calls () { return calls },
    async fetchBefore (upper: bigint, ahead: number | null): Promise<FetchedPage> {
      const snap = snapshot
      const size = snap === null || ahead === null ? PAGE_SIZE : shortSize(snap, upper, ahead)
      if (size < PAGE_SIZE) return freshSearch(upper, size, false)
      if (snap !== null && snap.pageId !== null && upper === snap.oldest + 1n && !finished(snap)) {
        // The next page of the same search: its snapshot is stable, so no overlap is needed.
        try {
          const records = await nextOf(snap, false)
          return { records, end: records.length === 0 || finished(snap) }
        } catch (err) {
          // An expired or unknown pageId is a 400 (unsupported_value): a fresh search takes over.
          if (!(isGatewayError(err) && err.code === 'unsupported_value')) throw err
        }
      }
      return freshSearch(upper, PAGE_SIZE)
    },
    // A millisecond read in part that no snapshot continues: one search on that millisecond alone,
    // without the changeable filters, paged in its own snapshot. An expired pageId starts that search
    // again: identity skips what was fed already (test/adapters/zwa/list-walk.test.ts, "expiring").
    async readGroup (at, feed, more): Promise<GroupOutcome> {
      const body = stableSearchBody(ms(at), ms(at) + 1)
      for (;;) {
        if (!more()) return 'budget'
        const first = await search(body, 0, PAGE_SIZE, null, true)
        for (const r of newestFirst(first.records)) feed(r)
        const snap: Snapshot = {
          pageId: first.pageId,
          body,
          size: Math.max(1, first.records.length),
          total: first.total,
          page: 0,
          oldest: at,
          atOldest: 0
        }
        try {
          while (first.records.length > 0 && !finished(snap)) {
            if (snap.pageId === null) {
              throw new GatewayError('upstream_error',
                `Provider '${deps.providerId}' did not return a pageId for a search that needs several pages.`,
                { provider: deps.providerId })
            }
            if (!more()) return 'budget'
            const records = await nextOf(snap, true)
            if (records.length === 0) break
            for (const r of newestFirst(records)) feed(r)
          }
          return 'complete'
        } catch (err) {
          if (!(isGatewayError(err) && err.code === 'unsupported_value')) throw err
        }
      }
    }
  }
  return keysetWalk(request, source,
    { upperMicros: BigInt(plan.upperMs) * 1000n, keep: plan.keep, matches: plan.matches })
}
