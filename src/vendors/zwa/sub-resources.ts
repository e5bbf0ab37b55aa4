import { GatewayError } from '../../errors/gateway-error.ts'
import { anObject } from '../../upstream/operation.ts'
import { toIsoMillis } from '../../mapping/timestamps.ts'
import type { HistoryEntry } from '../../adapters/types.ts'
import { integerText } from '../../upstream/http/lossless-json.ts'
import { asText, list, obj, objects, scalarText, str, type Obj } from '../../adapters/values.ts'

// The normalized shapes of ZWA's sub-resources (documented in docs/adapter-zwa.md). Envelopes
// are checked; fields inside them are read defensively like the incident itself.

export function envelope (providerId: string, body: unknown, what: string): Obj {
  return anObject(`a ${what} response`)(body, providerId)
}

export function listIn (providerId: string, body: unknown, key: string, what: string): Obj[] {
  const value = envelope(providerId, body, what)[key]
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    throw new GatewayError('upstream_error',
      `Provider '${providerId}' sent a ${what} response whose '${key}' is not a list.`, { provider: providerId })
  }
  return objects(value)
}

// GET …/change-history -> [{type, at, actor, before, after, comment}], oldest first as sent.
export function mapHistory (providerId: string, body: unknown): HistoryEntry[] {
  return listIn(providerId, body, 'changeHistory', 'change history').map((c) => {
    const data = obj(c.changeData)
    return {
      type: scalarText(c.changeType) ?? 'unknown',
      at: toIsoMillis(c.changedAt),
      actor: str(c.changedByName),
      before: asText(data?.before),
      after: asText(data?.after),
      comment: str(c.comment)
    }
  })
}

// GET …/evidence -> {file_name, file_type, url, additional_info}.
export function mapEvidence (providerId: string, body: unknown): Record<string, unknown> {
  const e = envelope(providerId, body, 'evidence')
  return {
    file_name: str(e.fileName),
    file_type: str(e.fileType),
    url: str(e.evidenceURL),
    // An object in real data; the Swagger page's "TBD" string placeholder carries nothing.
    additional_info: obj(e.additionalInfo)
  }
}

// GET …/triggers -> {"<dictionary or rule>": "<masked matches>"}; keys are the vendor's own.
export function mapTriggers (providerId: string, body: unknown): Record<string, string> {
  const t = envelope(providerId, body, 'triggers')
  // fromEntries defines own properties, so a key like "__proto__" stays plain data.
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, asText(v) ?? '']))
}

// GET …/tickets -> [{type, system, project_id, project_name, ticket_id, url, state}].
export function mapTickets (providerId: string, body: unknown): Array<Record<string, unknown>> {
  return listIn(providerId, body, 'tickets', 'tickets').map((t) => {
    const info = obj(t.ticketInfo)
    return {
      type: scalarText(t.ticketType),
      system: str(t.ticketingSystemName),
      project_id: scalarText(t.projectId),
      project_name: str(t.projectName),
      ticket_id: scalarText(info?.ticketId),
      url: str(info?.ticketUrl),
      state: str(info?.state)
    }
  })
}

// The group ids an incident names: incidentGroupIds, else the ids of its short-form incidentGroups.
export function groupIdsOf (record: unknown): string[] {
  const r = obj(record)
  const ids = list(r?.incidentGroupIds).length ? list(r?.incidentGroupIds) : objects(r?.incidentGroups).map((g) => g.id)
  return [...new Set(ids.map(integerText).filter((t): t is string => t !== null && /^\d{1,30}$/.test(t)))]
}

// POST …/incident-groups/search -> [{id (exact decimal text), name, description, status, type, …}].
// A group without an id names nothing the caller could use and is left out.
export function mapGroups (providerId: string, body: unknown): Array<Record<string, unknown>> {
  return listIn(providerId, body, 'incidentGroups', 'incident group')
    .filter((g) => integerText(g.id) !== null)
    .map((g) => ({
      id: integerText(g.id),
      name: str(g.name),
      description: str(g.description),
      status: scalarText(g.status),
      type: scalarText(g.incidentGroupType),
      incident_group_already_mapped:
        typeof g.isDLPIncidentGroupAlreadyMapped === 'boolean' ? g.isDLPIncidentGroupAlreadyMapped : null,
      admin_config_already_mapped:
        typeof g.isDLPAdminConfigAlreadyMapped === 'boolean' ? g.isDLPAdminConfigAlreadyMapped : null
    }))
}
