import type { TieOrder } from '../../../sim-kit/tie-order.ts'
// The Cloudlock incident endpoints under /api/v2 (reference §4-§6).
import type { FastifyPluginAsync } from 'fastify'
import { CloudlockHttpError } from './errors.ts'
import { createGuard, type GuardOptions } from './guard.ts'
import { renderItem, selectIncidents } from './list.ts'
import { parseListQuery, type QueryOptions } from './query.ts'
import { idKey } from './records.ts'
import type { IncidentPatch, IncidentStore, StoredIncident } from './store.ts'
import { INCIDENT_STATUSES, SEVERITIES, isPlainObject } from './types.ts'

export interface IncidentRoutesOptions extends GuardOptions {
  store: IncidentStore
  query: QueryOptions
  totalWhenNotCounted: 'zero' | 'omit'
  envelopeExtras: boolean
  pageCap?: number // answers hold at most this many items, whatever `limit` asks (a capping proxy)
  tieOrder?: TieOrder
}

const UPDATABLE = ['incident_status', 'severity', 'customer_key']

// Path ids are integers upstream; anything else names no incident.
function findIncident (store: IncidentStore, id: string): StoredIncident {
  const found = /^\d{1,20}$/.test(id) ? store.get(idKey(id)) : undefined
  if (found === undefined) throw new CloudlockHttpError(404, `Incident ${id} not found`)
  return found
}

function parsePatch (body: unknown): IncidentPatch {
  if (!isPlainObject(body)) throw new CloudlockHttpError(400, 'Request body must be a JSON object')
  const keys = Object.keys(body)
  if (keys.length === 0) {
    throw new CloudlockHttpError(400, `Request body must set at least one of ${UPDATABLE.join(', ')}`)
  }
  for (const key of keys) {
    if (!UPDATABLE.includes(key)) {
      throw new CloudlockHttpError(400, `Field "${key}" cannot be updated; updatable fields: ${UPDATABLE.join(', ')}`)
    }
  }
  const patch: IncidentPatch = {}
  if (body.incident_status !== undefined) {
    if (!(INCIDENT_STATUSES as readonly unknown[]).includes(body.incident_status)) {
      throw new CloudlockHttpError(400, `Invalid incident_status; expected one of ${INCIDENT_STATUSES.join(', ')}`)
    }
    patch.incident_status = body.incident_status as string
  }
  if (body.severity !== undefined) {
    if (!(SEVERITIES as readonly unknown[]).includes(body.severity)) {
      throw new CloudlockHttpError(400, `Invalid severity; expected one of ${SEVERITIES.join(', ')}`)
    }
    patch.severity = body.severity as string
  }
  if (body.customer_key !== undefined) {
    if (typeof body.customer_key !== 'string') throw new CloudlockHttpError(400, 'customer_key must be a string')
    patch.customer_key = body.customer_key
  }
  return patch
}

export const incidentRoutes: FastifyPluginAsync<IncidentRoutesOptions> = async (app, opts) => {
  // A body is read as JSON whatever its declared type: Cisco's Postman collection sends the PUT body
  // without a Content-Type (text/plain or none), and the vendor evidently accepts it. Scoped to the
  // vendor routes; the /__sim admin API keeps the framework's parsers.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'))
  const guard = createGuard(opts)
  app.addHook('preValidation', async (request) => guard(request))

  app.get('/incidents', async (request) => {
    const q = parseListQuery(request.query as Record<string, unknown>, opts.query)
    const selected = selectIncidents(opts.store.all(), q, opts.tieOrder)
    const size = Math.min(q.limit, opts.pageCap ?? q.limit)
    const items = selected.slice(q.offset, q.offset + size).map((s) => renderItem(s.record, q))
    const total = q.countTotal ? selected.length : opts.totalWhenNotCounted === 'zero' ? 0 : undefined
    if (opts.envelopeExtras) {
      // The vendor doc's sample envelope: {limit, offset, total, results, items}.
      return {
        limit: q.limit, offset: q.offset, ...(total === undefined ? {} : { total }), results: items.length, items
      }
    }
    return total === undefined ? { items } : { items, total }
  })

  app.get<{ Params: { id: string } }>('/incidents/:id', async (request) => {
    return findIncident(opts.store, request.params.id).record
  })

  app.put<{ Params: { id: string } }>('/incidents/:id', async (request) => {
    const found = findIncident(opts.store, request.params.id)
    return opts.store.update(found.key, parsePatch(request.body))
  })
}
