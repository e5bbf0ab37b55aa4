import { filterMicros } from '../../adapters/filter-time.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { parseVendorTime } from '../../mapping/timestamps.ts'
import type { ListFilters } from '../../adapters/types.ts'
import { obj, objects, scalarText, type Obj } from '../../adapters/values.ts'

// How normalized filters become one ZWA search body. severity and status take OR lists natively;
// ZWA has no search field for lastUpdatedAt, so updated_* are applied by the gateway to what it
// reads (on lastUpdatedAt, as updated_at is mapped), like a wanted `unknown`.
export interface ZwaSearchPlan {
  empty: boolean // nothing can match: a requested value has no ZWA counterpart, or an empty time range
  fields: Array<{ name: string, value: Array<string | Record<string, string[]>> }>
  startMs: number | null // inclusive createdAt bound (timeRange.startTime)
  upperMs: number // exclusive createdAt bound: the walk's pin or the caller's created_before
  keep: ((raw: unknown) => boolean) | null // gateway-side filter, if any
  matches: (raw: unknown) => boolean // every filter, applied by the gateway (for unfiltered reads)
}

// ZWA keeps milliseconds: a bound with sub-millisecond digits moves up to the next whole
// millisecond, which keeps "after" inclusive and "before" exclusive on ZWA's own values.
export const ceilMs = (us: bigint): number => Number(us / 1000n + (us % 1000n > 0n ? 1n : 0n))

export function planZwaSearch (filters: ListFilters, pinnedAt: string, mapper: EnumMapper): ZwaSearchPlan {
  const fields: ZwaSearchPlan['fields'] = []
  const gateway: Array<(r: Obj | null) => boolean> = []
  const all: Array<(r: Obj | null) => boolean> = []
  let empty = false
  for (const kind of ['severity', 'status', 'priority'] as const) {
    const wanted: readonly string[] | undefined = filters[kind]
    if (!wanted || wanted.length === 0) continue
    const natives = mapper.nativesFor(kind, wanted)
    // An incident without a priority (null) matches no priority filter, `unknown` included.
    const present = (r: Obj | null) => kind !== 'priority' || (r?.priority !== null && r?.priority !== undefined)
    all.push((r) => present(r) && wanted.includes(mapper.toNormalized(kind, r?.[kind])))
    // `unknown` is whatever the tables do not know: no native list can name it, so the gateway
    // reads every value of that field and keeps the ones that map to a wanted value.
    if (wanted.includes('unknown')) {
      gateway.push((r) => present(r) && wanted.includes(mapper.toNormalized(kind, r?.[kind])))
    } else if (natives.length === 0) {
      empty = true
    } else {
      fields.push({ name: kind, value: natives })
    }
  }

  // ZWA incidents have no external reference or policy id: such a filter matches none of them.
  if (filters.externalRef !== undefined || filters.policyId !== undefined) empty = true
  if (filters.label) {
    const { key, value } = filters.label
    // Sent natively ({"<label>": ["<value>"]}, reference §6 #10) and checked exactly by the gateway,
    // whatever case rules the vendor applies.
    fields.push({ name: 'labels', value: [{ [key]: [value] }] })
    const hasLabel = (r: Obj | null) => objects(r?.labels).some((l) => l.key === key && scalarText(l.value) === value)
    gateway.push(hasLabel)
    all.push(hasLabel)
  }

  let upperMs = ceilMs(filterMicros(pinnedAt, 'pinnedAt'))
  if (filters.createdBefore) upperMs = Math.min(upperMs, ceilMs(filterMicros(filters.createdBefore, 'created_before')))
  const startMs = filters.createdAfter ? ceilMs(filterMicros(filters.createdAfter, 'created_after')) : null
  if (startMs !== null && startMs >= upperMs) empty = true

  const after = filters.updatedAfter ? filterMicros(filters.updatedAfter, 'updated_after') : null
  const before = filters.updatedBefore ? filterMicros(filters.updatedBefore, 'updated_before') : null
  if (after !== null || before !== null) {
    const inRange = (r: Obj | null) => {
      const updated = parseVendorTime(r?.lastUpdatedAt) ?? parseVendorTime(r?.createdAt)
      return updated !== null && (after === null || updated.micros >= after) &&
        (before === null || updated.micros < before)
    }
    gateway.push(inRange)
    all.push(inRange)
  }
  const keep = gateway.length ? (raw: unknown) => gateway.every((f) => f(obj(raw))) : null
  return { empty, fields, startMs, upperMs, keep, matches: (raw) => all.every((f) => f(obj(raw))) }
}

// The search body for a snapshot whose createdAt range ends (exclusive) at `endMs`.
export function searchBody (plan: ZwaSearchPlan, endMs: number): Record<string, unknown> {
  const endTime = new Date(endMs).toISOString()
  const timeRange = plan.startMs === null ? { endTime } : { startTime: new Date(plan.startMs).toISOString(), endTime }
  return plan.fields.length ? { fields: plan.fields, timeRange } : { timeRange }
}

// A search on createdAt alone ([startMs, endMs)): stable while incidents are triaged, so its
// snapshot pages and the gateway-side `matches` decide membership exactly.
export function stableSearchBody (startMs: number, endMs: number): Record<string, unknown> {
  return { timeRange: { startTime: new Date(startMs).toISOString(), endTime: new Date(endMs).toISOString() } }
}
