import { compareTies, type TieOrder } from '../../../sim-kit/tie-order.ts'
// Filter names of POST …/incidents/search. Only "severity" is a wire name Zscaler shows; the others
// follow the reference's suggested guesses (§6 #10) and docs/simulator-zwa.md.
import { badRequest } from './errors.ts'
import type { FieldReader, FilterTable } from './filters.ts'
import { normalizer } from './filters.ts'
import { integerText, isPlainObject } from './json.ts'
import type { Incident } from './types.ts'

// {"<labelName>": ["<labelValue>", …]}: an empty list (or a bare string) is accepted too.
const labels: FieldReader<Incident> = {
  kind: 'custom',
  compile (values, opts, name) {
    const norm = normalizer(opts)
    const wanted: Array<{ key: string, values: Set<string> | null }> = []
    for (const value of values) {
      if (!isPlainObject(value)) {
        throw badRequest(`Filter "${name}" takes objects like {"<labelName>": ["<labelValue>"]}`)
      }
      for (const [key, raw] of Object.entries(value)) {
        const list = typeof raw === 'string' ? [raw] : raw
        if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
          throw badRequest(`Filter "${name}": label "${key}" needs an array of string values`)
        }
        // No values listed: any value of that label matches.
        wanted.push({ key: norm(key), values: list.length === 0 ? null : new Set(list.map(norm)) })
      }
    }
    return (incident) => (incident.labels ?? []).some((label) =>
      wanted.some((w) => w.key === norm(String(label?.key)) &&
        (w.values === null || w.values.has(norm(String(label?.value))))))
  }
}

// Group ids are matched on their exact decimal text, so ids beyond 2^53 never collide
// (test/simulators/zwa/search.test.ts).
const incidentGroupIds: FieldReader<Incident> = {
  kind: 'custom',
  compile (values, _opts, name) {
    const wanted = new Set(values.map((v) => {
      const text = integerText(v)
      if (text === undefined) throw badRequest(`Filter "${name}" takes integer group ids`)
      return text
    }))
    return (incident) => groupIdsOf(incident).some((id) => wanted.has(id))
  }
}

export function groupIdsOf (incident: Incident): string[] {
  const ids = [...(incident.incidentGroupIds ?? []), ...(incident.incidentGroups ?? []).map((g) => g?.id)]
  return [...new Set(ids.map(integerText).filter((t): t is string => t !== undefined))]
}

export const INCIDENT_FILTERS: FilterTable<Incident> = {
  fields: {
    severity: { kind: 'strings', read: (i) => [i.severity] },
    priority: { kind: 'strings', read: (i) => [i.priority] },
    status: { kind: 'strings', read: (i) => [i.status] },
    transactionId: { kind: 'strings', read: (i) => [i.transactionId] },
    sourceType: { kind: 'strings', read: (i) => [i.sourceType] },
    sourceDlpType: { kind: 'strings', read: (i) => [i.sourceSubType] },
    labels,
    incidentGroupIds,
    engine: { kind: 'strings', read: (i) => (i.matchingPolicies?.engines ?? []).map((e) => e?.name) }
  },
  timestamp: (i) => i.createdAt
}

// Newest first; ties by internalId descending so the order is total and repeatable.
export function compareIncidents (a: Incident, b: Incident, ties: TieOrder = 'id'): number {
  const diff = Date.parse(b.createdAt) - Date.parse(a.createdAt)
  if (diff !== 0 && !Number.isNaN(diff)) return diff
  return compareTies(a.internalId, b.internalId, ties)
}
