import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { IncidentEtags } from '../../services/incident-etag.ts'
import { IncidentService } from '../../services/incident-service.ts'
import { WriteLocks } from '../../services/write-lock.ts'

declare module 'fastify' {
  interface FastifyInstance {
    incidents: IncidentService
  }
}

// The incidents service the /v1 routes call, built once from the provider registry, the cursor
// codec and the read-ahead cache (src/plugins/app/providers.ts) and the configured limits.
// ETags are keyed with the cursor secret every replica shares (src/services/incident-etag.ts);
// write locks live in the shared store (src/services/write-lock.ts).
async function incidents (app: FastifyInstance) {
  app.decorate('incidents', new IncidentService({
    providers: app.providers,
    codec: app.cursorCodec,
    cache: app.readAhead,
    limits: app.config.limits,
    sync: app.sync ?? undefined,
    etags: new IncidentEtags({ secret: app.config.cursor.secret }),
    // The longest a write runs is its request deadline; the margin covers the lock's own calls.
    locks: new WriteLocks(app.sharedStoreFor('write_lock'), { ttlMs: app.config.limits.request_timeout_ms + 5_000 })
  }))
}

export default fp(incidents, {
  name: 'incidents', fastify: '5.x', dependencies: ['providers', 'change-feed', 'shared-state']
})
