import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { IncidentService } from '../../services/incident-service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    incidents: IncidentService
  }
}

// The incidents service the /v1 routes call, built once from the provider registry, the cursor
// codec and the read-ahead cache (src/plugins/app/providers.ts) and the configured limits.
async function incidents (app: FastifyInstance) {
  app.decorate('incidents', new IncidentService({
    providers: app.providers,
    codec: app.cursorCodec,
    cache: app.readAhead,
    limits: app.config.limits,
    sync: app.sync ?? undefined
  }))
}

export default fp(incidents, { name: 'incidents', fastify: '5.x', dependencies: ['providers', 'change-feed'] })
