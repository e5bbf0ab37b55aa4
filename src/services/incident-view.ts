import type { ProviderTypeValue } from '../schemas/enums.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { Principal } from './principal.ts'

// What one caller may see of an incident (spec section 7): the one place every route that returns
// incidents goes through, so evidence governance cannot differ between list, detail, writes and
// transactions. Always a copy: cached incidents are shared between callers and must stay whole
// (test/services/incident-view.test.ts; over HTTP: test/v1/evidence.test.ts).

// Where each vendor's raw record holds matched content, by list field and content keys. ZWA search
// and details records carry only counts and rule names (its content is behind GET …/triggers).
const RAW_CONTENT: Record<ProviderTypeValue, { list: string, keys: readonly string[] } | null> = {
  cloudlock: { list: 'matches', keys: ['text', 'ctx_before', 'ctx_after'] },
  zwa: null
}

export interface ViewOptions {
  raw: boolean // include=raw asked for
}

export const mayReadEvidence = (principal: Principal) => principal.scopes.has('evidence:read')

export function incidentView (incident: IncidentT, principal: Principal, opts: ViewOptions): IncidentT {
  const { raw, ...rest } = incident
  const view: IncidentT = opts.raw && raw !== undefined ? { ...rest, raw } : rest
  return mayReadEvidence(principal) ? view : withoutContent(view)
}

// The `previous` values of a change (GET /v1/changes) hold old matches: the same rule applies, and
// `withheld` says whether anything was removed (the change then says content_withheld).
export function previousView (previous: Record<string, unknown>, principal: Principal):
{ values: Record<string, unknown>, withheld: boolean } {
  if (mayReadEvidence(principal) || !Array.isArray(previous.matches)) return { values: previous, withheld: false }
  const old = previous.matches as IncidentT['matches']
  const withheld = old.some((m) => m.text !== null || m.context_before !== null || m.context_after !== null)
  const matches = old.map((m) => ({ ...m, text: null, context_before: null, context_after: null }))
  return { values: { ...previous, matches }, withheld }
}

// Content fields become null; `field` and `detector` stay, as do `match_count` and the number of
// matches. `content_withheld: true` marks exactly the incidents from which something was removed.
function withoutContent (incident: IncidentT): IncidentT {
  let withheld = false
  const matches = incident.matches.map((m) => {
    if (m.text !== null || m.context_before !== null || m.context_after !== null) withheld = true
    return { ...m, text: null, context_before: null, context_after: null }
  })
  const out: IncidentT = { ...incident, matches }
  if (incident.raw !== undefined) {
    const raw = redactRaw(incident.raw, RAW_CONTENT[incident.provider_type])
    if (raw.withheld) withheld = true
    out.raw = raw.record
  }
  if (withheld) out.content_withheld = true
  return out
}

function redactRaw (record: Record<string, unknown>, where: typeof RAW_CONTENT[ProviderTypeValue]) {
  const list = where ? record[where.list] : undefined
  if (!where || !Array.isArray(list)) return { record, withheld: false }
  let withheld = false
  const redacted = list.map((item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item
    const copy: Record<string, unknown> = { ...item }
    for (const key of where.keys) {
      if (!(key in copy)) continue
      if (copy[key] !== null) withheld = true
      copy[key] = null
    }
    return copy
  })
  return { record: { ...record, [where.list]: redacted }, withheld }
}
