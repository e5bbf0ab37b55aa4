import { filterMicros } from '../../adapters/filter-time.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import { microsToCloudlock, parseVendorTime } from '../../mapping/timestamps.ts'
import type { ListFilters } from '../../adapters/types.ts'

// How normalized filters become Cloudlock list parameters. Cloudlock takes one value per
// filter, so a filter that needs several native values is applied by the gateway to what it
// fetches: one stream at the largest page size costs fewer calls than one query per value
// merged together (each value's stream would cost at least one call per page).
export interface CloudlockListPlan {
  empty: boolean // a requested value has no Cloudlock counterpart at all: nothing can match
  params: Record<string, string>
  keep: ((raw: Record<string, unknown>) => boolean) | null // gateway-side filter, if any
  // The same filters without any field an incident can change (status, severity, updated_at):
  // a query on these alone is stable under triage, so offsets in it cannot shift. `matches`
  // then applies every filter in the gateway (test/adapters/cloudlock/list.test.ts, "a status change
  // mid-walk under a status filter leaves no gap").
  stableParams: Record<string, string>
  matches: (raw: Record<string, unknown>) => boolean
  upperMicros: bigint // exclusive created_at bound: the walk's pin or the caller's created_before
}

export function planCloudlockList (filters: ListFilters, pinnedAt: string, mapper: EnumMapper): CloudlockListPlan {
  const params: Record<string, string> = { order: '-created_at', count_total: 'false' }
  const stableParams = { ...params }
  const gateway: Array<(raw: Record<string, unknown>) => boolean> = []
  const all: Array<(raw: Record<string, unknown>) => boolean> = []
  let empty = false

  for (const [kind, native] of [['severity', 'severity'], ['status', 'incident_status']] as const) {
    const wanted: readonly string[] | undefined = filters[kind]
    if (!wanted || wanted.length === 0) continue
    const natives = mapper.nativesFor(kind, wanted)
    all.push((raw) => wanted.includes(mapper.toNormalized(kind, raw[native])))
    // `unknown` is what any unmapped vendor value reads as: only the gateway can recognise it.
    if (wanted.includes('unknown')) gateway.push((raw) => wanted.includes(mapper.toNormalized(kind, raw[native])))
    else if (natives.length === 0) empty = true
    else if (natives.length === 1) params[native] = natives[0]
    else gateway.push((raw) => wanted.includes(mapper.toNormalized(kind, raw[native])))
  }

  let upper = filterMicros(pinnedAt, 'pinnedAt')
  if (filters.createdBefore) {
    const before = filterMicros(filters.createdBefore, 'created_before')
    if (before < upper) upper = before
  }
  if (filters.createdAfter) {
    const after = filterMicros(filters.createdAfter, 'created_after')
    if (after >= upper) empty = true // an empty window: nothing to ask for
    params.created_after = microsToCloudlock(after)
  }
  const updatedAfter = filters.updatedAfter ? filterMicros(filters.updatedAfter, 'updated_after') : null
  const updatedBefore = filters.updatedBefore ? filterMicros(filters.updatedBefore, 'updated_before') : null
  if (updatedAfter !== null) params.updated_after = microsToCloudlock(updatedAfter)
  if (updatedBefore !== null) params.updated_before = microsToCloudlock(updatedBefore)
  // Cloudlock incidents have no priority or labels: such a filter matches none of them.
  if (filters.priority?.length || filters.label) empty = true
  if (filters.externalRef !== undefined) {
    const ref = filters.externalRef
    params.customer_key = ref
    all.push((raw) => raw.customer_key === ref)
  }
  if (filters.policyId !== undefined) {
    const policy = filters.policyId
    params.policy_id = policy
    all.push((raw) => (raw.policy as { id?: unknown } | null | undefined)?.id === policy)
  }
  if (updatedAfter !== null || updatedBefore !== null) {
    all.push((raw) => {
      const updated = parseVendorTime(raw.updated_at) ?? parseVendorTime(raw.created_at)
      return updated !== null && (updatedAfter === null || updated.micros >= updatedAfter) &&
        (updatedBefore === null || updated.micros < updatedBefore)
    })
  }

  return {
    empty,
    params,
    keep: gateway.length ? (raw) => gateway.every((f) => f(raw)) : null,
    stableParams,
    matches: (raw) => all.every((f) => f(raw)),
    upperMicros: upper
  }
}
