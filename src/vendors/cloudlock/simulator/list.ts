import { compareTies, type TieOrder } from '../../../sim-kit/tie-order.ts'
// Applies a parsed list query to the store: filter, order, page, project, flatten.
import { flatten } from './flatten.ts'
import type { FilterName, ListQuery } from './query.ts'
import type { StoredIncident } from './store.ts'
import type { NativeRecord } from './types.ts'

function filterValue (incident: StoredIncident, name: FilterName): unknown {
  switch (name) {
    case 'incident_type': return incident.incidentType
    case 'vendor': return incident.vendor
    case 'policy_id': return incident.policyId
    default: return incident.record[name]
  }
}

function matches (incident: StoredIncident, q: ListQuery): boolean {
  for (const [name, values] of Object.entries(q.filters) as [FilterName, string[]][]) {
    const actual = filterValue(incident, name)
    if (!values.some((v) => v === actual)) return false
  }
  const { time } = q
  // *_after is inclusive (the vendor's pollers rely on it), *_before exclusive.
  if (time.created_after !== undefined && incident.createdUs < time.created_after) return false
  if (time.created_before !== undefined && incident.createdUs >= time.created_before) return false
  if (time.updated_after !== undefined && incident.updatedUs < time.updated_after) return false
  if (time.updated_before !== undefined && incident.updatedUs >= time.updated_before) return false
  return true
}

export function selectIncidents (
  all: readonly StoredIncident[], q: ListQuery, ties: TieOrder = 'id'
): StoredIncident[] {
  const key = q.order.field === 'created_at' ? 'createdUs' : 'updatedUs'
  const sign = q.order.descending ? -1 : 1
  return all.filter((incident) => matches(incident, q)).sort((a, b) => {
    const byTime = a[key] - b[key]
    if (byTime !== 0) return sign * byTime
    // Equal timestamps: numeric id in the same direction, unless the tie order is configured.
    // Zero-padded so 'reverse' is numeric like the default ('9' < '10').
    if (ties !== 'id') return compareTies(String(a.idNum).padStart(20, '0'), String(b.idNum).padStart(20, '0'), ties)
    return sign * (a.idNum < b.idNum ? -1 : a.idNum > b.idNum ? 1 : 0)
  })
}

export function renderItem (record: NativeRecord, q: Pick<ListQuery, 'fields' | 'flat'>): NativeRecord {
  let item = record
  if (q.fields !== undefined) {
    item = {}
    // Names that no record has are simply absent, like a projection.
    for (const field of q.fields) if (field in record) item[field] = record[field]
  }
  return q.flat ? flatten(item) : item
}
