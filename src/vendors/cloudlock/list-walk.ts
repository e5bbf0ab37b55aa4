import type { EnumMapper } from '../../mapping/mapper.ts'
import { microsToCloudlock } from '../../mapping/timestamps.ts'
import {
  keysetWalk, newestFirst, type FetchedPage, type GroupOutcome, type WalkRecord, type WalkSource
} from '../../adapters/keyset-walk.ts'
import { mapListRecords } from '../../adapters/list-records.ts'
import type { ListPage, PageRequest } from '../../adapters/types.ts'
import { planCloudlockList } from './list-query.ts'
import { mapCloudlockIncident } from './map-incident.ts'

const MAX_PAGE = 100 // the vendor's documented maximum `limit`

// GET /incidents with these query parameters; resolves to the raw `items` of the answer. `sent`
// hears of every request made (a retry included): the call budget counts vendor requests.
export type CloudlockListCall =
  (query: Record<string, string>, request: PageRequest, sent: () => void) => Promise<unknown[]>

// Cloudlock's list as a keyset walk: each listPage starts `order=-created_at` with `created_before`
// just above its position and `offset=0`; within one listPage the query continues by offset with
// a one-incident overlap that proves nothing shifted (else a fresh keyset query takes over). A
// group of equal timestamps that the overlap cannot get past is read with `created_after` /
// `created_before` around that one instant and none of the changeable filters, so its offsets
// cannot shift either. End of data is a page holding nothing after the overlap (or nothing at
// all): Cloudlock sends no reliable total, and a short page may be capped
// (test/adapters/cloudlock/continuation.test.ts, test/adapters/cloudlock/list.test.ts).
export async function walkCloudlock (
  request: PageRequest, providerId: string, mapper: EnumMapper, list: CloudlockListCall
): Promise<ListPage> {
  const plan = planCloudlockList(request.filters, request.pinnedAt, mapper)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
  let calls = 0
  const read = async (query: Record<string, string>, unfiltered: boolean, limit = MAX_PAGE): Promise<WalkRecord[]> => {
    const raws = await list({ ...query, limit: String(limit) }, request, () => { calls++ })
    return mapListRecords(raws, providerId, unfiltered, (raw) => mapCloudlockIncident(raw, providerId, mapper))
  }
  // The query the walk is paging through by offset, and what its last page ended with.
  let run: { before: bigint, offset: number, length: number, lastId: string, oldest: bigint } | null = null
  const started = (before: bigint, offset: number, records: WalkRecord[]) => {
    run = records.length === 0
      ? null
      : {
          before,
          offset,
          length: records.length,
          lastId: records[records.length - 1].nativeId,
          oldest: records.reduce((m, r) => (r.micros < m ? r.micros : m), records[0].micros)
        }
  }

  const source: WalkSource = {
    provider: providerId,
    get calls () { return calls },
    async fetchBefore (upper: bigint, ahead: number | null): Promise<FetchedPage> {
      const current = run
      if (current !== null && upper === current.oldest + 1n) {
        // Continue the same query one page on, overlapping its last incident: if that incident is
        // still where it was, nothing before it moved and the offset is exact; if not, fall back
        // to a fresh keyset query, which is always exact (test/adapters/cloudlock/continuation.test.ts).
        const offset = current.offset + current.length - 1
        // A short read doubles while one timestamp group runs on past it.
        const limit = ahead === null
          ? MAX_PAGE
          : Math.min(MAX_PAGE, Math.max(ahead + 1, current.offset > 0 ? current.length * 2 : 0))
        const records = await read(
          { ...plan.params, created_before: microsToCloudlock(current.before), offset: String(offset) }, false, limit)
        if (records.length > 0 && records[0].nativeId === current.lastId) {
          started(current.before, offset, records)
          // Only the overlap came back: the vendor has nothing after it (an empty page, in effect).
          return { records: records.slice(1), end: records.length === 1 }
        }
      }
      const records = await read({ ...plan.params, created_before: microsToCloudlock(upper), offset: '0' }, false)
      started(upper, 0, records)
      return { records, end: false }
    },
    async readGroup (at, feed, more): Promise<GroupOutcome> {
      const window = { created_after: microsToCloudlock(at), created_before: microsToCloudlock(at + 1n) }
      for (let offset = 0; ;) {
        if (!more()) return 'budget'
        const records = await read({ ...plan.stableParams, ...window, offset: String(offset) }, true)
        if (records.length === 0) return 'complete'
        for (const r of newestFirst(records)) if (r.micros === at) feed(r)
        offset += records.length
      }
    }
  }
  return keysetWalk(request, source, { upperMicros: plan.upperMicros, keep: plan.keep, matches: plan.matches })
}
