// Incident search (#10) and audit-log search (#13): same query params, body and paging.
import type { ZwaContext } from './context.ts'
import { compileFilters } from './filters.ts'
import type { FilterTable } from './filters.ts'
import { compareIncidents, INCIDENT_FILTERS } from './incident-filters.ts'
import { pagedSearch } from './paged-search.ts'
import type { RouteDef } from './route-defs.ts'
import type { AuditEntry } from './store.ts'

// Audit filter names from the portal (Action, Resource, Admin, Module) in camel case.
const AUDIT_FILTERS: FilterTable<AuditEntry> = {
  fields: {
    action: { kind: 'strings', read: (e) => [e.log.action.action] },
    resource: { kind: 'strings', read: (e) => [e.log.resource] },
    admin: { kind: 'strings', read: (e) => [e.log.changedBy] },
    module: { kind: 'strings', read: (e) => [e.log.module] }
  },
  timestamp: (e) => e.log.changedAt
}

export function searchRoutes (ctx: ZwaContext): RouteDef[] {
  const o = ctx.options
  const common = { snapshots: ctx.snapshots, limits: o, pageIdBody: o.pageIdBody }
  const filterOptions = { caseSensitive: o.caseSensitiveFilters }
  return [
    {
      method: 'POST',
      url: '/incidents/search',
      cls: 'medium',
      handler: async (request) => {
        const { cursor, items } = pagedSearch({
          ...common,
          kind: 'incidents',
          query: request.query,
          body: request.body,
          matchKeys: (body) => {
            const match = compileFilters(body, INCIDENT_FILTERS, filterOptions)
            return [...ctx.store.all()].filter(match)
              .sort((a, b) => compareIncidents(a, b, o.tieOrder))
              .map((i) => i.internalId)
          },
          // Pages show each incident's current state; one deleted since the snapshot is skipped.
          resolve: (id) => ctx.store.get(id)
        })
        return { cursor, incidents: items }
      }
    },
    {
      method: 'POST',
      url: '/customer/audit',
      cls: 'medium',
      handler: async (request) => {
        const entries = ctx.store.auditEntries()
        const { cursor, items } = pagedSearch({
          ...common,
          kind: 'audit',
          query: request.query,
          body: request.body,
          // Newest first; the sequence number orders entries written in the same millisecond.
          matchKeys: (body) => entries.filter(compileFilters(body, AUDIT_FILTERS, filterOptions))
            .sort((a, b) => (Date.parse(b.log.changedAt) - Date.parse(a.log.changedAt)) || b.seq - a.seq)
            .map((e) => String(e.seq)),
          resolve: (seq) => ctx.store.auditEntries()[Number(seq) - 1]?.log
        })
        return { cursor, logs: items }
      }
    }
  ]
}
