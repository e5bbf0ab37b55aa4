import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { keysetWalk, newestFirst, type FetchedPage, type GroupOutcome, type WalkRecord, type WalkSource } from '../keyset-walk.ts'
import { mapListRecords } from '../list-records.ts'
import type { ListPage, PageRequest } from '../types.ts'
import { obj } from '../values.ts'
import type { ZwaCall } from './caller.ts'
import { planZwaSearch, searchBody, stableSearchBody } from './list-query.ts'
import { mapZwaIncident } from './map-incident.ts'

const PAGE_SIZE = 100 // the vendor's maximum

export interface WalkDeps {
  providerId: string
  prefix: string
  call: ZwaCall
  mapper: EnumMapper
}

interface Snapshot {
  pageId: string | null
  body: Record<string, unknown>
  size: number // page size the snapshot is read with: what its first page held (a cap, if any)
  total: number | null // totalElements, when the vendor sent it
  page: number // last page read
  read: number // records read from it so far
}

const ms = (micros: bigint): number => Number(micros / 1000n) // ZWA keeps whole milliseconds
const ceilMs = (micros: bigint): number => Number(micros / 1000n + (micros % 1000n > 0n ? 1n : 0n))

// ZWA's search as a keyset walk. Each step is a fresh search whose createdAt range ends just above
// the oldest group read so far (page 0 only), so an expired pageId or a page cap never loses the
// place. A group of equal timestamps as large as a page continues in that search's snapshot
// (pageId), which the vendor keeps stable; if the snapshot expires it is re-read by a search on
// that one millisecond without the changeable fields. totalElements, when sent, ends the walk
// without an extra empty page.
export async function walkZwa (request: PageRequest, deps: WalkDeps): Promise<ListPage> {
  const plan = planZwaSearch(request.filters, request.pinnedAt, deps.mapper)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
  let calls = 0
  let snapshot: Snapshot | null = null

  const search = async (body: Record<string, unknown>, page: number, size: number, pageId: string | null, unfiltered: boolean) => {
    const res = await deps.call({
      method: 'POST',
      path: `${deps.prefix}/incidents/search`,
      query: { page: String(page), pageSize: String(size), pageId: pageId ?? undefined },
      body,
      signal: request.signal
    }, { deadline: request.deadline, requestId: request.requestId }, readSearch(deps.providerId), () => { calls++ })
    const records = mapListRecords(res.incidents, deps.providerId, unfiltered, (raw) => mapZwaIncident(raw, deps.providerId, deps.mapper))
    return { ...res, records }
  }

  // Reads the rest of a snapshot page by page until `at` is passed, the snapshot ends or `more` stops.
  const continueSnapshot = async (snap: Snapshot, at: bigint, feed: (r: WalkRecord) => void, more: () => boolean, unfiltered: boolean): Promise<GroupOutcome> => {
    while (true) {
      if (snap.total !== null && snap.read >= snap.total) return 'end'
      if (!more()) return 'budget'
      const res = await search(snap.body, snap.page + 1, snap.size, snap.pageId, unfiltered)
      snap.page++
      snap.read += res.records.length
      if (res.records.length === 0) return 'end'
      let passed = false
      for (const r of newestFirst(res.records)) {
        feed(r)
        if (r.micros < at) passed = true
      }
      if (passed) return 'complete'
    }
  }

  const source: WalkSource = {
    provider: deps.providerId,
    get calls () { return calls },
    async fetchBefore (upper: bigint): Promise<FetchedPage> {
      const body = searchBody(plan, ceilMs(upper))
      const res = await search(body, 0, PAGE_SIZE, null, false)
      snapshot = { pageId: res.pageId, body, size: Math.max(1, Math.min(PAGE_SIZE, res.records.length)), total: res.total, page: 0, read: res.records.length }
      return { records: res.records, end: res.total !== null && res.records.length >= res.total }
    },
    async readGroup (at, feed, more): Promise<GroupOutcome> {
      const snap = snapshot
      if (snap !== null && snap.pageId !== null) {
        try {
          return await continueSnapshot(snap, at, feed, more, false)
        } catch (err) {
          // An expired or unknown pageId is a 400 (unsupported_value): re-read the group below.
          if (!(isGatewayError(err) && err.code === 'unsupported_value')) throw err
        }
      }
      // No usable snapshot: one millisecond, none of the changeable filters, in a fresh snapshot.
      if (!more()) return 'budget'
      const body = stableSearchBody(ms(at), ms(at) + 1)
      const first = await search(body, 0, PAGE_SIZE, null, true)
      for (const r of newestFirst(first.records)) feed(r)
      if (first.records.length === 0) return 'complete'
      const fresh: Snapshot = { pageId: first.pageId, body, size: first.records.length, total: first.total, page: 0, read: first.records.length }
      if (fresh.total !== null && fresh.read >= fresh.total) return 'complete'
      if (fresh.pageId === null) {
        throw new GatewayError('upstream_error', `Provider '${deps.providerId}' did not return a pageId for a search that needs several pages.`, { provider: deps.providerId })
      }
      const outcome = await continueSnapshot(fresh, at, feed, more, true)
      return outcome === 'end' ? 'complete' : outcome
    }
  }
  return keysetWalk(request, source, { upperMicros: BigInt(plan.upperMs) * 1000n, keep: plan.keep, matches: plan.matches })
}

// A search answer: its incidents (mapped later, outside the vendor exchange), pageId and total.
function readSearch (providerId: string) {
  return (body: unknown): { incidents: unknown[], pageId: string | null, total: number | null } => {
    const o = obj(body)
    const incidents = o?.incidents
    if (!Array.isArray(incidents)) {
      throw new GatewayError('upstream_error', `Provider '${providerId}' sent a search response without an incidents list.`, { provider: providerId })
    }
    const cursor = obj(o?.cursor)
    const total = cursor?.totalElements
    return {
      incidents,
      pageId: typeof cursor?.pageId === 'string' && cursor.pageId !== '' ? cursor.pageId : null,
      total: Number.isSafeInteger(total) && (total as number) >= 0 ? total as number : null
    }
  }
}
