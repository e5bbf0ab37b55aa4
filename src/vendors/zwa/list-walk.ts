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
  pageId: string | null
  body: Record<string, unknown>
  size: number // page size the snapshot is read with: what its first page held (a cap, if any)
  total: number | null // totalElements, when the vendor sent it
  page: number // last page read
  oldest: bigint // creation time (µs) of the oldest record read from it
}

const oldestOf = (records: WalkRecord[]): bigint | null =>
  records.reduce<bigint | null>((m, r) => (m === null || r.micros < m ? r.micros : m), null)
const ms = (micros: bigint): number => Number(micros / 1000n) // ZWA keeps whole milliseconds

// ZWA's search as a keyset walk. Each listPage starts a fresh search whose createdAt range ends just
// above its position and goes on through that search's snapshot (pageId), which the vendor keeps
// stable; an expired pageId or a capped page only means a fresh search from the oldest group read
// so far, so neither loses the place. A millisecond that such a fresh search cannot get past is
// read by a search on that millisecond alone without the changeable fields. totalElements, when
// sent, ends the walk without an extra empty page (test/adapters/zwa/list-walk.test.ts).
export async function walkZwa (request: PageRequest, deps: WalkDeps): Promise<ListPage> {
  const plan = planZwaSearch(request.filters, request.pinnedAt, deps.mapper)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
  let calls = 0
  let snapshot: Snapshot | null = null

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
    snap.oldest = oldestOf(res.records) ?? snap.oldest
    return res.records
  }
  // Page p of a snapshot covers its entries [p × size, (p + 1) × size): a short page (a cap, or an
  // incident deleted since the snapshot) never leaves a gap, at worst an overlap
  // (test/adapters/zwa/list-walk.test.ts, "page caps and tie orders"; test/v1/walk-property.test.ts).
  const finished = (snap: Snapshot) => snap.total !== null && (snap.page + 1) * snap.size >= snap.total

  const source: WalkSource = {
    provider: deps.providerId,
    get calls () { return calls },
    async fetchBefore (upper: bigint): Promise<FetchedPage> {
      const snap = snapshot
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
      const body = searchBody(plan, ceilMs(upper))
      const res = await search(body, 0, PAGE_SIZE, null, false)
      snapshot = {
        pageId: res.pageId,
        body,
        size: Math.max(1, Math.min(PAGE_SIZE, res.records.length)),
        total: res.total,
        page: 0,
        oldest: oldestOf(res.records) ?? upper
      }
      return { records: res.records, end: finished(snapshot) }
    },
    // A millisecond read in part that no snapshot continues: one search on that millisecond alone,
    // without the changeable filters, paged in its own snapshot.
    async readGroup (at, feed, more): Promise<GroupOutcome> {
      if (!more()) return 'budget'
      const body = stableSearchBody(ms(at), ms(at) + 1)
      const first = await search(body, 0, PAGE_SIZE, null, true)
      for (const r of newestFirst(first.records)) feed(r)
      const snap: Snapshot = {
        pageId: first.pageId, body, size: Math.max(1, first.records.length), total: first.total, page: 0, oldest: at
      }
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
    }
  }
  return keysetWalk(request, source,
    { upperMicros: BigInt(plan.upperMs) * 1000n, keep: plan.keep, matches: plan.matches })
}
