import type { StoredChange } from '../mirror/change-feed.ts'
import type { IncidentT } from '../schemas/incident.ts'
import { isoMillis } from '../mapping/timestamps.ts'
import { incidentView, mayReadEvidence, previousView } from './incident-view.ts'
import type { Principal } from './principal.ts'

// One change as a caller may see it (src/schemas/change.ts): GET /v1/changes and webhook payloads
// alike, evidence governance included (no matched content without evidence:read).
export function changeView (c: StoredChange, principal: Principal, raw = false): Record<string, unknown> {
  let incident: IncidentT | null = null
  const stored = storedIncident(c)
  if (stored !== null) {
    const whole = (raw && c.raw ? { ...stored, raw: c.raw } : stored) as IncidentT
    incident = incidentView(whole, principal, { raw })
  }
  const previous = previousView(c.previous, principal)
  return {
    seq: c.seq,
    type: c.type,
    incident_id: `${c.provider}:${c.native_id}`,
    provider: c.provider,
    occurred_at: c.occurred_at.toISOString(),
    detected_at: c.detected_at.toISOString(),
    changed: c.changed,
    previous: previous.values,
    incident,
    ...(previous.withheld ? { content_withheld: true } : {})
  }
}

// A row read with the stored text (src/mirror/change-feed.ts, `text`) holds its incident there.
const storedIncident = (c: StoredChange) =>
  c.incident ?? (typeof c.incident_text === 'string' ? JSON.parse(c.incident_text) as StoredChange['incident'] : null)

// The Incident serializer GET /v1/changes writes incidents with (src/mirror/incident-text.ts, the
// form the stored texts are in): passed in, since that module is loaded only with a store.
export type IncidentSerializer = (incident: unknown) => string

// The same change as JSON text for GET /v1/changes, appended to `out` in pieces (a comma first
// unless `first`): the view above, its envelope written in the view's key order, the incident
// through the Incident serializer, and no serializer validating each change to choose a branch of
// `Incident | null` (the null is handled here). The pieces are never joined: the page encodes each
// into its buffer (src/services/change-service.ts), so a large incident text is copied once.
//
// A caller with evidence:read and without include=raw sees the stored incident itself, and every
// `previous` as stored (incident-view.ts changes nothing for it): the stored text, already in the
// serializer's form, is the incident's text. test/services/change-view.test.ts holds the text equal
// to the view, and the stored text's bytes equal to the serializer's.
export function writeChange (out: string[], c: StoredChange, principal: Principal, raw: boolean,
  serialize: IncidentSerializer, first = true): void {
  const comma = first ? '' : ','
  if (typeof c.incident_text === 'string' && !raw && mayReadEvidence(principal)) {
    out.push(`${comma}${envelope(c.seq, c.type, c.provider, c.native_id, isoTime(c.occurred_at),
      isoTime(c.detected_at), c.changed, c.previous)}`, c.incident_text, '}')
    return
  }
  const view = changeView(c, principal, raw)
  out.push(`${comma}${envelope(c.seq, c.type, c.provider, c.native_id, view.occurred_at as string,
    view.detected_at as string, view.changed, view.previous)}`,
  view.incident === null ? 'null' : serialize(view.incident),
  view.content_withheld === true ? ',"content_withheld":true}' : '}')
}

export function changeText (c: StoredChange, principal: Principal, raw: boolean,
  serialize: IncidentSerializer): string {
  const out: string[] = []
  writeChange(out, c, principal, raw, serialize)
  return out.join('')
}

// `{"seq":…,"type":…,…,"previous":…,"incident":` as JSON.stringify writes the view's fields in that
// order (seq an integer from the store; timestamps in toISOString's form, which holds nothing to escape).
function envelope (seq: number, type: string, provider: string, nativeId: string, occurredAt: string,
  detectedAt: string, changed: unknown, previous: unknown): string {
  return `{"seq":${seq},"type":${JSON.stringify(type)},"incident_id":${JSON.stringify(`${provider}:${nativeId}`)},` +
    `"provider":${JSON.stringify(provider)},"occurred_at":"${occurredAt}","detected_at":"${detectedAt}",` +
    `"changed":${JSON.stringify(changed)},"previous":${JSON.stringify(previous)},"incident":`
}

// Date.prototype.toISOString, which costs ~0.8 µs (two per change, ~10 % of a feed page's CPU once the
// incident is no longer serialized): written by isoMillis (src/mapping/timestamps.ts), and the
// previous answer reused for the same instant (the changes of one sync page share detected_at).
// test/services/change-view.test.ts holds it equal to toISOString.
let lastTime = NaN
let lastIso = ''

export function isoTime (d: Date): string {
  const time = d.getTime()
  if (time !== lastTime) {
    lastIso = isoMillis(time)
    lastTime = time
  }
  return lastIso
}
