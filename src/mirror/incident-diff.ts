import { Incident, type IncidentT } from '../schemas/incident.ts'
import { sha256Hex } from '../util/hash.ts'

// What makes two observations of an incident "the same state" (spec section 9): the normalized
// Incident, without `raw` (a vendor field the model does not map changes nothing a consumer reads)
// and without view-only markers. Keys are sorted so that the hash never depends on the order a
// mapper happened to build an object in (test/mirror/incident-diff.test.ts).

export type StoredIncident = Omit<IncidentT, 'raw' | 'content_withheld'>

export function storedForm (incident: IncidentT): StoredIncident {
  const { raw: _raw, content_withheld: _withheld, ...rest } = incident
  return pgStorable(declaredOnly(Incident as SchemaNode, rest) as StoredIncident)
}

// Only the fields the Incident schema declares, at every depth. GET /v1/changes serves the stored
// text as it is (src/services/change-view.ts) and webhooks serialize it with JSON.stringify, so the
// stored form is held to what the closed response serializer lets through: a mapper bug or a vendor
// field that slips into an incident never reaches a client from the feed either
// (test/mirror/incident-diff.test.ts, test/schemas/serializer-closed.test.ts for the serializer).
type SchemaNode = { properties?: Record<string, SchemaNode>, items?: SchemaNode, anyOf?: SchemaNode[] }
function declaredOnly (schema: SchemaNode, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return schema.items ? value.map((v) => declaredOnly(schema.items!, v)) : value
  const object = schema.properties ? schema : schema.anyOf?.find((s) => s.properties)
  if (!object?.properties) return value
  const record = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(object.properties)) {
    if (record[key] !== undefined) out[key] = declaredOnly(field, record[key])
  }
  return out
}

// PostgreSQL's text and jsonb cannot hold U+0000, which matched content of a binary file can carry,
// nor a lone UTF-16 surrogate (JSON.parse accepts "\ud800"): left in, one such incident would fail
// its whole sync page at every retry. Both are stored (and hashed) as U+FFFD, the replacement
// character, so a re-read of it is the same state (test/mirror/mirror-store.test.ts, "a NUL character").
const storable = (s: string) => (s.includes('\0') ? s.replaceAll('\0', '\uFFFD') : s).toWellFormed()

export function pgStorable<T> (value: T): T {
  if (typeof value === 'string') return storable(value) as T
  if (Array.isArray(value)) return value.map(pgStorable) as T
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgStorable(k), pgStorable(v)])) as T
}

function canonical (value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`
}

export const contentHash = (incident: StoredIncident): string => sha256Hex(canonical(incident))

// The schema's field order, not the order a mapper built `after` in: the two vendors' mappers (or
// one mapper across releases) may build the same fields in different orders, and `changed` must not
// differ for the same change. Fields the schema does not know sort after it, by name.
const FIELD_ORDER = new Map(Object.keys(Incident.properties).map((k, i) => [k, i]))
const fieldRank = (k: string) => FIELD_ORDER.get(k) ?? FIELD_ORDER.size

// The top-level fields whose values differ, in the Incident's own field order, and their old values.
export function diffIncidents (before: StoredIncident, after: StoredIncident):
{ changed: string[], previous: Record<string, unknown> } {
  const b = before as Record<string, unknown>
  const a = after as Record<string, unknown>
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort((x, y) => fieldRank(x) - fieldRank(y) || (x < y ? -1 : x > y ? 1 : 0))
  const changed = keys.filter((k) => canonical(a[k]) !== canonical(b[k]))
  const previous: Record<string, unknown> = {}
  for (const k of changed) previous[k] = b[k] ?? null
  return { changed, previous }
}
