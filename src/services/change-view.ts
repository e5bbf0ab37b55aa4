import type { StoredChange, StoredChangeText } from '../mirror/change-feed.ts'
import type { IncidentT } from '../schemas/incident.ts'
import { incidentView, mayReadEvidence, previousView } from './incident-view.ts'
import type { Principal } from './principal.ts'

// One change as a caller may see it (src/schemas/change.ts): GET /v1/changes and webhook payloads
// alike, evidence governance included (no matched content without evidence:read).
export function changeView (c: StoredChange, principal: Principal, raw = false): Record<string, unknown> {
  let incident: IncidentT | null = null
  if (c.incident !== null) {
    const whole = (raw && c.raw ? { ...c.incident, raw: c.raw } : c.incident) as IncidentT
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

const parsed = (json: string | null | undefined) => (json == null ? null : JSON.parse(json) as Record<string, unknown>)

// The same change as JSON text, for GET /v1/changes. A caller that may read evidence sees the stored
// incident whole (changeView copies it unchanged), so its stored JSON text goes into the answer as it
// is: no parse and re-serialization per change, and no serializer validating each incident to choose
// a branch of `Incident | null`. Any other caller's view is the one above, from the parsed incident
// (test/services/change-view.test.ts holds the two paths equal).
export function changeText (c: StoredChangeText, principal: Principal, raw: boolean): string {
  if (!mayReadEvidence(principal)) {
    const incident = parsed(c.incident) as StoredChange['incident']
    return JSON.stringify(changeView({ ...c, incident, raw: parsed(c.raw) }, principal, raw))
  }
  // A JSON null raw record is no record, as in changeView; an incident is an object with an id.
  const incident = c.incident === null
    ? 'null'
    : raw && c.raw != null && c.raw !== 'null' ? `${c.incident.slice(0, -1)}, "raw": ${c.raw}}` : c.incident
  const id = JSON.stringify(`${c.provider}:${c.native_id}`)
  return `{"seq":${c.seq},"type":${JSON.stringify(c.type)},"incident_id":${id}` +
    `,"provider":${JSON.stringify(c.provider)},"occurred_at":"${c.occurred_at.toISOString()}"` +
    `,"detected_at":"${c.detected_at.toISOString()}","changed":${JSON.stringify(c.changed)}` +
    `,"previous":${JSON.stringify(c.previous)},"incident":${incident}}`
}
