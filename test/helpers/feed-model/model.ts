import { isDeepStrictEqual } from 'node:util'

// The oracle of the change-feed property test: per incident, the sequence of distinct consecutive
// normalized states observed at sync points (the gateway's own view right after a complete poll)
// and in the answers of gateway writes; and whether the vendor deleted it after it was observed.

export type Provider = 'zwa' | 'cloudlock'
export type State = Record<string, unknown>

export interface ModelIncident {
  id: string // <provider>:<native id>
  provider: Provider
  nativeId: string
  states: State[]
  vendorDeleted: boolean // deleted at the vendor (by the test)
  deletionObserved: boolean // a sync point has seen it gone
  touched: boolean // changed (or maybe changed) since the last sync point
}

export interface Change {
  seq: number
  type: 'created' | 'updated' | 'deleted'
  incident_id: string
  provider: string
  changed: string[]
  previous: Record<string, unknown>
  incident: State | null
}

// What the feed must carry of an incident: the fields a consumer compares, without the view-only
// ones (raw, content_withheld) that never count as a change.
export function comparable (incident: State): State {
  const { raw: _raw, content_withheld: _withheld, ...rest } = incident
  return rest
}

export class FeedModel {
  readonly incidents = new Map<string, ModelIncident>()

  add (provider: Provider, nativeId: string): ModelIncident {
    const id = `${provider}:${nativeId}`
    let m = this.incidents.get(id)
    if (!m) {
      m = { id, provider, nativeId, states: [], vendorDeleted: false, deletionObserved: false, touched: true }
      this.incidents.set(id, m)
    }
    return m
  }

  // A state observed (a sync point's read, or a write's answer): kept when it differs from the last.
  observe (id: string, incident: State): void {
    const m = this.incidents.get(id)
    if (!m) throw new Error(`model: unknown incident ${id}`)
    const state = comparable(incident)
    if (m.states.length === 0 || !isDeepStrictEqual(m.states.at(-1), state)) m.states.push(state)
  }

  alive (provider: Provider): ModelIncident[] {
    return [...this.incidents.values()].filter((m) => m.provider === provider && !m.vendorDeleted)
  }

  // The feed an incident must have: one change per state, then one `deleted` if a sync point saw
  // it gone after having seen it (an incident created and deleted between two sync points, and
  // never written through the gateway, leaves no trace).
  expected (m: ModelIncident): Array<State | 'deleted'> {
    const out: Array<State | 'deleted'> = [...m.states]
    if (m.deletionObserved && m.states.length > 0) out.push('deleted')
    return out
  }
}

// Every way the feed `changes` (all reads of a run, in order) differs from the model.
export function feedProblems (model: FeedModel, changes: Change[]): string[] {
  const problems: string[] = []
  const byIncident = new Map<string, Change[]>()
  for (const c of changes) {
    if (!model.incidents.has(c.incident_id)) problems.push(`seq ${c.seq}: change of unknown incident ${c.incident_id}`)
    const list = byIncident.get(c.incident_id) ?? []
    list.push(c)
    byIncident.set(c.incident_id, list)
  }
  for (const m of model.incidents.values()) {
    const got = byIncident.get(m.id) ?? []
    const want = model.expected(m)
    const shown = got.map((c) => c.type === 'deleted' ? 'deleted' : comparable(c.incident ?? {}))
    if (!isDeepStrictEqual(shown, want)) {
      problems.push(`${m.id}: feed has ${describe(shown)}, model has ${describe(want)}` +
        `\n  feed: ${JSON.stringify(shown)}\n  model: ${JSON.stringify(want)}`)
      continue
    }
    problems.push(...shapeProblems(m.id, got))
  }
  return problems
}

// created first, updated with `changed`/`previous` that describe the step from the previous
// state, deleted last with no incident.
function shapeProblems (id: string, got: Change[]): string[] {
  const out: string[] = []
  got.forEach((c, i) => {
    const want = i === 0 ? 'created' : c.incident === null ? 'deleted' : 'updated'
    if (c.type !== want) out.push(`${id} seq ${c.seq}: type ${c.type}, expected ${want}`)
    if (c.type === 'deleted' && c.incident !== null) out.push(`${id} seq ${c.seq}: deleted with an incident`)
    if (c.type !== 'updated') {
      if (c.changed.length > 0 || Object.keys(c.previous).length > 0) {
        out.push(`${id} seq ${c.seq}: ${c.type} with changed ${JSON.stringify(c.changed)}`)
      }
      return
    }
    const before = comparable(got[i - 1].incident ?? {})
    const after = comparable(c.incident ?? {})
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    const differ = keys.filter((k) => !isDeepStrictEqual(before[k], after[k])).sort()
    if (!isDeepStrictEqual([...c.changed].sort(), differ)) {
      out.push(`${id} seq ${c.seq}: changed ${JSON.stringify(c.changed)}, the states differ in ${JSON.stringify(differ)}`)
    }
    for (const k of differ) {
      if (!isDeepStrictEqual(c.previous[k], before[k] ?? null)) {
        out.push(`${id} seq ${c.seq}: previous.${k} is ${JSON.stringify(c.previous[k])}, ` +
          `was ${JSON.stringify(before[k] ?? null)}`)
      }
    }
    if (Object.keys(c.previous).some((k) => !differ.includes(k))) {
      out.push(`${id} seq ${c.seq}: previous names unchanged fields ${JSON.stringify(Object.keys(c.previous))}`)
    }
  })
  return out
}

function describe (list: Array<State | 'deleted'>): string {
  return `${list.length} change(s) [${list.map((s) => s === 'deleted' ? 'deleted' : brief(s)).join(', ')}]`
}

const brief = (s: State) => `${String(s.status)}/${String(s.severity)}@${String(s.updated_at)}`
