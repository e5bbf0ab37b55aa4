import type { StoredChange } from '../mirror/change-feed.ts'
import type { IncidentT } from '../schemas/incident.ts'
import { incidentView, previousView } from './incident-view.ts'
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
