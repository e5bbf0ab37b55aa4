import { GatewayError, isGatewayError, TRANSIENT_CODES } from '../errors/gateway-error.ts'
import type { IncidentT } from '../schemas/incident.ts'
import {
  consumedBy, readIdentity, resumeBound, TieGroups, type Candidate, type IdentityPosition
} from './stream-order.ts'
import type { ListPage, PageRequest, StreamItem } from './types.ts'

// The one list walk both vendors share (spec section 5): keyset queries on creation time, each
// resuming just above the oldest group read so far, so a vendor page cap, a page id that expired
// or incidents changing between pages can neither skip nor repeat an incident. Each vendor
// supplies how to read "a page created before X" and "everything created exactly at T"
// (test/adapters/keyset-walk.test.ts, property; test/v1/walk-property.test.ts end to end).

export const DEFAULT_CALL_BUDGET = 10
// A group of equal timestamps must be read whole before any of it is handed on (it is sorted by
// id). When one group needs more calls than the budget and nothing else was emitted, the walk may
// go on up to this many calls so that it always advances; larger groups are refused explicitly
// (test/adapters/keyset-walk.test.ts, "a group larger than the budget").
const MAX_GROUP_CALLS = 50

export interface WalkRecord {
  nativeId: string
  micros: bigint
  incident: IncidentT
  raw: Record<string, unknown>
  // Read by a query without the vendor's own filters on changeable fields: every filter must be
  // checked by the gateway. Otherwise only the gateway-side part (`keep`) is.
  unfiltered?: boolean
}

export interface FetchedPage {
  records: WalkRecord[]
  end: boolean // the vendor said nothing follows these records (a reliable total)
}

export type GroupOutcome = 'complete' | 'end' | 'budget'

export interface WalkSource {
  readonly provider: string
  readonly calls: number // vendor calls made so far by this walk
  // Records created before `upper` (µs, exclusive) that match the vendor-side filters, newest first.
  // `ahead`: a query that continues the previous one needs only this many records past those it
  // already returned (null: read a whole vendor page ahead).
  fetchBefore (upper: bigint, ahead: number | null): Promise<FetchedPage>
  // Every record created exactly at `at`, fed in any order (records older than `at` may follow
  // and are fed too). 'complete': the group is whole; 'end': the vendor has nothing older either;
  // 'budget': `more()` said stop first.
  readGroup (at: bigint, feed: (r: WalkRecord) => void, more: () => boolean): Promise<GroupOutcome>
}

export interface WalkFilters {
  upperMicros: bigint // exclusive created_at bound of the whole walk
  keep: ((raw: Record<string, unknown>) => boolean) | null // filters the vendor cannot apply
  matches: (raw: Record<string, unknown>) => boolean // every filter, for unfiltered reads
}

export async function keysetWalk (request: PageRequest, source: WalkSource, filters: WalkFilters): Promise<ListPage> {
  const start = readIdentity(request.position, source.provider)
  const budget = request.budget ?? DEFAULT_CALL_BUDGET
  const groups = new TieGroups<WalkRecord>()
  const items: StreamItem[] = []
  let examined: IdentityPosition | null = start
  let exhausted = false
  let interrupted: unknown

  // A complete group is handed on whole; the position after its last incident says the whole
  // instant is consumed (l ''), so a resume never reads it again (test/adapters/cloudlock/continuation.test.ts).
  const emit = (done: Array<Candidate<WalkRecord>>): void => {
    done.forEach((c, i) => {
      examined = { b: c.micros.toString(), l: i === done.length - 1 ? '' : c.nativeId }
      const r = c.value
      if (r.unfiltered ? filters.matches(r.raw) : (filters.keep === null || filters.keep(r.raw))) {
        items.push(new WalkItem(r, c.micros, examined))
      }
    })
  }
  // Re-reads (the overlap of keyset queries, a snapshot read again) are skipped by identity.
  let fresh = 0
  const feed = (r: WalkRecord): void => {
    if (consumedBy(examined, r.micros, r.nativeId) || groups.holds(r.nativeId, r.micros)) return
    fresh++
    emit(groups.add({ nativeId: r.nativeId, micros: r.micros, value: r }, source.provider))
  }
  const progressed = () => examined !== start

  let upper = start === null ? filters.upperMicros : min(resumeBound(start), filters.upperMicros)
  try {
    // Re-reading what the position already consumed is no progress: until something new is
    // examined the walk may go past the budget (up to MAX_GROUP_CALLS), or a position on a fully
    // consumed group that costs the whole budget to re-read would be returned unchanged forever.
    while ((source.calls < budget || (!progressed() && source.calls < MAX_GROUP_CALLS)) &&
      items.length < request.want) {
      // A first page is often the only one read (a dashboard, a poll): what it still needs, plus
      // one record to close its last group, is all a continuation reads. A walk that goes on reads
      // whole vendor pages ahead, whose rest the read-ahead cache serves to the next page, so its
      // later pages cost ~1 call each; so does a filter the gateway applies, which may drop any
      // number of what is read (test/adapters/cloudlock/list.test.ts, "a first page"), and a sync
      // walk, which goes on to its end or its call cap (test/adapters/zwa/list-walk.test.ts).
      const ahead = start === null && filters.keep === null && request.purpose !== 'sync'
        ? Math.max(0, request.want - items.length - groups.openSize) + 1
        : null
      const page = await source.fetchBefore(upper, ahead)
      if (page.records.length === 0) {
        emit(groups.close())
        exhausted = true
        break
      }
      fresh = 0
      for (const r of newestFirst(page.records)) feed(r)
      if (page.end) {
        emit(groups.close())
        exhausted = true
        break
      }
      if (fresh > 0) {
        // The open group may go on past this page: the next query continues from it.
        upper = (groups.openAt ?? upper - 1n) + 1n
        continue
      }
      // Nothing new: the page held only one instant already read in part (a group as large as a
      // page, re-read from its start). Read that instant whole, in a way offsets cannot disturb
      // (test/adapters/keyset-walk.test.ts, "group mode").
      const at = page.records[0].micros
      const cap = progressed() ? budget : Math.max(budget, MAX_GROUP_CALLS)
      const outcome = await source.readGroup(at, feed, () => source.calls < cap)
      if (outcome === 'budget') {
        if (!progressed() && source.calls >= MAX_GROUP_CALLS) {
          throw new GatewayError('upstream_error',
            `Provider '${source.provider}' has more incidents at one creation time than one listing can read.`,
            { provider: source.provider })
        }
        break
      }
      if (outcome === 'end' || groups.openAt === at) emit(groups.close())
      if (outcome === 'end') {
        exhausted = true
        break
      }
      upper = groups.openAt === null ? at : groups.openAt + 1n
    }
  } catch (err) {
    if (!(isGatewayError(err) && TRANSIENT_CODES.has(err.code) && progressed())) throw err
    interrupted = err
  }
  return {
    items,
    exhausted,
    upstreamCalls: source.calls,
    ...(progressed() && examined !== null ? { scannedTo: examined } : {}),
    ...(interrupted === undefined ? {} : { interrupted })
  }
}

// A stream item whose incident is not read here: it is mapped only if the listing serves it
// (list-records.ts). A class, so that all items share one shape.
class WalkItem implements StreamItem {
  readonly createdMicros: bigint
  readonly after: IdentityPosition
  readonly #record: WalkRecord
  constructor (record: WalkRecord, createdMicros: bigint, after: IdentityPosition) {
    this.createdMicros = createdMicros
    this.after = after
    this.#record = record
  }

  get incident (): IncidentT {
    return this.#record.incident
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

// Vendors order by creation time but may cap, shuffle ties or send a page unsorted: sort each page.
export function newestFirst (records: WalkRecord[]): WalkRecord[] {
  return records.sort((a, b) => (a.micros === b.micros ? 0 : a.micros > b.micros ? -1 : 1))
}
