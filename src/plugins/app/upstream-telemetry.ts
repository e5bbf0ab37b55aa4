import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { UpstreamTelemetry } from '../../upstream/telemetry.ts'

declare module 'fastify' {
  interface FastifyInstance {
    upstreamTelemetry: UpstreamTelemetry
  }
}

// The observers of vendor exchanges (metrics, tracing) register here; every provider pipeline
// reports its exchanges here, labelled at the source.
async function upstreamTelemetry (app: FastifyInstance) {
  app.decorate('upstreamTelemetry', new UpstreamTelemetry())
}

export default fp(upstreamTelemetry, { name: 'upstream-telemetry', fastify: '5.x' })
