// Read endpoints #1, #2, #4, #5, #6, #11, #12 of reference §5.
import type { ZwaContext } from './context.ts'
import { deriveEvidence, deriveTriggers } from './derive.ts'
import { badRequest, notFound } from './errors.ts'
import { groupIdsOf } from './incident-filters.ts'
import { integerText, isPlainObject } from './json.ts'
import { singlePageCursor } from './paging.ts'
import { incidentOf, paramOf } from './route-defs.ts'
import type { RouteDef } from './route-defs.ts'
import type { GroupLong, Incident } from './types.ts'

// `fields` may be repeated (?fields=a&fields=b, as the SDKs send it) or comma separated.
function requestedFields (query: unknown): Set<string> | undefined {
  const raw = isPlainObject(query) ? query.fields : undefined
  if (raw === undefined) return undefined
  const names = (Array.isArray(raw) ? raw : [raw])
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean)
  return names.length === 0 ? undefined : new Set(names)
}

// Keeps the record's own key order; unknown names are ignored.
function project (incident: Incident, fields: Set<string> | undefined): Record<string, unknown> {
  if (fields === undefined) return incident
  return Object.fromEntries(Object.entries(incident).filter(([key]) => fields.has(key)))
}

function readBool (query: unknown, key: string): boolean {
  const raw = isPlainObject(query) ? query[key] : undefined
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined || value === '') return false
  if (value === 'true' || value === 'false') return value === 'true'
  throw badRequest(`Query parameter "${key}" must be true or false`)
}

function groupSearch (ctx: ZwaContext, incident: Incident, body: unknown): GroupLong[] {
  if (!isPlainObject(body) || !Array.isArray(body.incidentGroupIds)) {
    throw badRequest('Request body must be {"incidentGroupIds": [integer, ...]}')
  }
  const wanted = new Set(body.incidentGroupIds.map((id) => {
    const text = integerText(id)
    if (text === undefined) throw badRequest('"incidentGroupIds" must hold integers')
    return text
  }))
  const own = groupIdsOf(incident)
  const picked = wanted.size === 0
    ? (ctx.options.emptyGroupSearch === 'all' ? own : [])
    : own.filter((id) => wanted.has(id))
  return picked.map((id) => ctx.store.group(id)).filter((g): g is GroupLong => g !== undefined)
}

export function readRoutes (ctx: ZwaContext): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/incidents/transactions/:transactionId',
      cls: 'light',
      handler: async (request) => {
        const id = paramOf(request, 'transactionId')
        const incidents = ctx.store.byTransaction(id)
        if (incidents.length === 0) throw notFound(`No incidents found for transaction: ${id}`)
        return { cursor: singlePageCursor(incidents.length), incidents }
      }
    },
    {
      method: 'GET',
      url: '/incidents/:dlpIncidentId',
      cls: 'light',
      handler: async (request) => project(incidentOf(ctx, request), requestedFields(request.query))
    },
    {
      method: 'GET',
      url: '/incidents/:dlpIncidentId/change-history',
      cls: 'light',
      handler: async (request) => {
        const incident = incidentOf(ctx, request)
        return {
          incidentId: incident.internalId,
          startDate: incident.createdAt,
          endDate: incident.lastUpdatedAt,
          changeHistory: ctx.store.history(incident.internalId)
        }
      }
    },
    {
      method: 'GET',
      url: '/incidents/:dlpIncidentId/tickets',
      cls: 'light',
      handler: async (request) => {
        const tickets = incidentOf(ctx, request).dlpIncidentTickets ?? []
        return { cursor: singlePageCursor(tickets.length), tickets }
      }
    },
    {
      method: 'POST',
      url: '/incidents/:dlpIncidentId/incident-groups/search',
      cls: 'medium',
      handler: async (request) => ({ incidentGroups: groupSearch(ctx, incidentOf(ctx, request), request.body) })
    },
    {
      method: 'GET',
      url: '/incidents/:dlpIncidentId/triggers',
      cls: 'light',
      handler: async (request) => {
        const incident = incidentOf(ctx, request)
        return deriveTriggers(incident, ctx.store.seed, readBool(request.query, 'fetchTriggerContext'))
      }
    },
    {
      method: 'GET',
      url: '/incidents/:dlpIncidentId/evidence',
      cls: 'light',
      handler: async (request) => deriveEvidence(incidentOf(ctx, request), ctx.options.evidenceBaseUrl)
    }
  ]
}
