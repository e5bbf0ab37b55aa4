// Vendor-console mutations and activity under /__sim: PATCH and DELETE of one incident, activity ticks.
// They change the store exactly as the vendor's own console would, so the vendor routes show the
// result at once and a sync loop under test has real changes to find.
import type { FastifyInstance } from 'fastify'
import { parseTickBody, type ActivityRunner } from './activity.ts'
import { SimInputError } from './sim-input-error.ts'

export interface IncidentAdminOptions {
  // Shallow-merges native fields into the stored record and returns it; undefined = no such incident.
  // Throws SimInputError when the merged record would be invalid (nothing changes then).
  patchIncident?: (id: string, patch: Record<string, unknown>) => unknown
  deleteIncident?: (id: string) => boolean // false = no such incident
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

export function incidentAdminRoutes (
  admin: FastifyInstance, prefix: string, opts: IncidentAdminOptions, activity: ActivityRunner | undefined
): void {
  const unknownId = (id: string) => ({ message: `no incident with id ${id}` })
  const patchIncident = opts.patchIncident
  if (patchIncident !== undefined) {
    admin.patch<{ Params: { id: string } }>(`${prefix}/incidents/:id`, async (request, reply) => {
      if (!isPlainObject(request.body)) {
        throw new SimInputError('body must be a JSON object of native incident fields')
      }
      const stored = patchIncident(request.params.id, request.body)
      if (stored === undefined) return reply.code(404).send(unknownId(request.params.id))
      return stored
    })
  }
  const deleteIncident = opts.deleteIncident
  if (deleteIncident !== undefined) {
    admin.delete<{ Params: { id: string } }>(`${prefix}/incidents/:id`, async (request, reply) => {
      if (!deleteIncident(request.params.id)) return reply.code(404).send(unknownId(request.params.id))
      return reply.code(204).send()
    })
  }
  if (activity !== undefined) {
    admin.get(`${prefix}/activity`, async () =>
      ({ per_minute: activity.perMinute, running: activity.running, performed: activity.performed }))
    admin.post(`${prefix}/activity/tick`, async (request) => ({ actions: activity.tick(parseTickBody(request.body)) }))
  }
}
