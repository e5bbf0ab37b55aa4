import type { StoredChange } from '../mirror/change-feed.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { WebhookEvent, WebhookFilterT } from '../schemas/webhook.ts'
import { incidentView, previousView } from '../services/incident-view.ts'
import type { Principal } from '../services/principal.ts'

// What a webhook delivers of one change: the change feed's item (src/schemas/change.ts) as the
// webhook's owner would read it from GET /v1/changes, evidence governance included (no matched
// content without evidence:read). Mirrors ChangeService's view of a change, which is private to it.

export const eventOf = (type: StoredChange['type']): WebhookEvent => `incident.${type}`

export function changeItem (c: StoredChange, principal: Principal): Record<string, unknown> {
  const incident = c.incident === null ? null : incidentView(c.incident as IncidentT, principal, { raw: false })
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

// The signed body: `{type, timestamp, data}` (Standard Webhooks' recommended envelope).
export function changeBody (c: StoredChange, principal: Principal): string {
  const envelope = { type: eventOf(c.type), timestamp: c.detected_at.toISOString(), data: changeItem(c, principal) }
  return JSON.stringify(envelope)
}

// Whether a webhook wants a change. Providers are chosen before the feed is read; severity and
// status apply to the new state, so a deleted change (no state) passes them.
export function wants (events: readonly string[], filter: WebhookFilterT, c: Pick<StoredChange, 'type' | 'incident'>):
boolean {
  if (!events.includes(eventOf(c.type))) return false
  if (c.incident === null) return true
  if (filter.severity && !filter.severity.includes(c.incident.severity)) return false
  if (filter.status && !filter.status.includes(c.incident.status)) return false
  return true
}
