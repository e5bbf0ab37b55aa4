// Write endpoints #3, #7, #8, #9 of reference §5; the state changes live in writes.ts.
import type { FastifyRequest } from 'fastify'
import type { ZwaContext } from './context.ts'
import { identityOf } from './guard.ts'
import { incidentOf, paramOf } from './route-defs.ts'
import type { RouteDef } from './route-defs.ts'
import { addLabels, addNote, closeIncident, deleteIncident } from './writes.ts'
import type { WriteContext } from './writes.ts'

export function writeRoutes (ctx: ZwaContext): RouteDef[] {
  const writer = (request: FastifyRequest): WriteContext =>
    ({ store: ctx.store, clock: ctx.options.clock, actor: identityOf(request), policy: ctx.options.write })
  return [
    {
      method: 'DELETE',
      url: '/incidents/:dlpIncidentId',
      cls: 'light',
      // 200 without a body: the Swagger page declares no response model.
      handler: async (request, reply) => {
        deleteIncident(writer(request), paramOf(request, 'dlpIncidentId'))
        return reply.code(200).send()
      }
    },
    {
      method: 'POST',
      url: '/incidents/:dlpIncidentId/close',
      cls: 'light',
      handler: async (request) => closeIncident(writer(request), incidentOf(ctx, request), request.body)
    },
    {
      method: 'POST',
      url: '/incidents/:dlpIncidentId/notes',
      cls: 'medium',
      handler: async (request) => addNote(writer(request), incidentOf(ctx, request), request.body)
    },
    {
      method: 'POST',
      url: '/incidents/:dlpIncidentId/labels',
      cls: 'medium',
      handler: async (request) => addLabels(writer(request), incidentOf(ctx, request), request.body)
    }
  ]
}
