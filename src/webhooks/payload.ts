import type { StoredChange } from '../mirror/change-feed.ts'
import type { WebhookEvent, WebhookFilterT } from '../schemas/webhook.ts'
import { changeView } from '../services/change-view.ts'
import type { Principal } from '../services/principal.ts'

// What a webhook delivers of one change: the change feed's item (src/schemas/change.ts) as the
// webhook's owner would read it from GET /v1/changes, evidence governance included (no matched
// content without evidence:read), from the same view (src/services/change-view.ts).

export const eventOf = (type: StoredChange['type']): WebhookEvent => `incident.${type}`

export const changeItem = (c: StoredChange, principal: Principal): Record<string, unknown> =>
  changeView(c, principal)

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
