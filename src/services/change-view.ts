import type { StoredChange } from '../mirror/change-feed.ts'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { Incident, type IncidentT } from '../schemas/incident.ts'
import { sharedSchemas } from '../schemas/index.ts'
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

// The Incident serializer the routes use (fast-json-stringify through Fastify's own factory):
// fields in the schema's order, undeclared ones dropped, so an incident reads the same in
// GET /v1/changes as in GET /v1/incidents (a client hashing its JSON text, as
// examples/soar-loop.mjs does, must see one state once, not twice).
const serializeIncident = SerializerSelector()(
  Object.fromEntries(sharedSchemas.map((schema) => [(schema as unknown as { $id: string }).$id, schema])), {})({
  schema: Incident, method: 'GET', url: '/v1/changes', httpStatus: '200'
}) as (incident: unknown) => string

// The same change as JSON text, for GET /v1/changes: the view above with the incident through the
// Incident serializer, and no serializer validating each change to choose a branch of
// `Incident | null` (the null is handled here). test/services/change-view.test.ts holds it equal
// to the view.
export function changeText (c: StoredChange, principal: Principal, raw: boolean): string {
  const { incident, ...rest } = changeView(c, principal, raw)
  const { content_withheld: withheld, ...head } = rest
  const text = JSON.stringify(head)
  return `${text.slice(0, -1)},"incident":${incident === null ? 'null' : serializeIncident(incident)}` +
    `${withheld ? ',"content_withheld":true' : ''}}`
}
