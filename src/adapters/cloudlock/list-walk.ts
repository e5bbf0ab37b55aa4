import type { EnumMapper } from '../../mapping/mapper.ts'
import { microsToCloudlock } from '../../mapping/timestamps.ts'
import { keysetWalk, newestFirst, type FetchedPage, type GroupOutcome, type WalkRecord, type WalkSource } from '../keyset-walk.ts'
import { mapListRecords } from '../list-records.ts'
import type { ListPage, PageRequest } from '../types.ts'
import { planCloudlockList } from './list-query.ts'
import { mapCloudlockIncident } from './map-incident.ts'

const MAX_PAGE = 100 // the vendor's documented maximum `limit`

// GET /incidents with these query parameters; resolves to the raw `items` of the answer.
export type CloudlockListCall = (query: Record<string, string>, request: PageRequest) => Promise<unknown[]>

// Cloudlock's list as a keyset walk: `order=-created_at` with `created_before` just above the
// oldest group read so far and `offset=0`, so offsets never carry state between calls. A group of
// equal timestamps that fills whole pages is read with `created_after`/`created_before` around
// that one instant and none of the changeable filters, so its offsets cannot shift either.
// End of data is an empty page: Cloudlock sends no reliable total, and a short page may be capped.
export async function walkCloudlock (request: PageRequest, providerId: string, mapper: EnumMapper, list: CloudlockListCall): Promise<ListPage> {
  const plan = planCloudlockList(request.filters, request.pinnedAt, mapper)
  if (plan.empty) return { items: [], exhausted: true, upstreamCalls: 0 }
  let calls = 0
  const read = async (query: Record<string, string>, unfiltered: boolean): Promise<WalkRecord[]> => {
    calls++
    const raws = await list({ ...query, limit: String(MAX_PAGE) }, request)
    return mapListRecords(raws, providerId, unfiltered, (raw) => mapCloudlockIncident(raw, providerId, mapper))
  }

  const source: WalkSource = {
    provider: providerId,
    get calls () { return calls },
    async fetchBefore (upper: bigint): Promise<FetchedPage> {
      const records = await read({ ...plan.params, created_before: microsToCloudlock(upper), offset: '0' }, false)
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
