import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import { CursorCodec } from '../../services/cursor.ts'
import { ProviderRegistry } from '../../services/provider-registry.ts'
import { ReadAheadCache } from '../../services/read-ahead-cache.ts'
import { isRedis } from './shared-state.ts'

declare module 'fastify' {
  interface FastifyInstance {
    providers: ProviderRegistry
    cursorCodec: CursorCodec
    readAhead: ReadAheadCache
  }
}

export interface ProvidersPluginOptions {
  dispatcher?: Dispatcher
}

// One adapter per configured provider instance, each with its resilience guard (retries,
// breaker, rate budget, concurrency cap, coalescing), and the cursor codec keyed by the
// configured secret (a per-process random one in demo mode, where no secret is required).
async function providers (app: FastifyInstance, opts: ProvidersPluginOptions) {
  const registry = new ProviderRegistry(app.config.providers, {
    dispatcher: opts.dispatcher,
    logger: app.log as unknown as Logger,
    // The metrics plugin is registered before this one (src/app.ts); without it, no metrics.
    metrics: app.hasDecorator('metrics') ? app.metrics : undefined,
    telemetry: app.upstreamTelemetry,
    requestTimeoutMs: app.config.limits.request_timeout_ms,
    // Upstream tokens are shared through Redis when it is configured; in memory they stay per adapter.
    sharedStore: app.sharedStore.kind === 'redis' ? app.sharedStore : undefined,
    // Vendor rate budgets are shared by every replica through the same Redis.
    redis: isRedis(app.sharedStore) ? app.sharedStore.client : undefined,
    reportStoreError: app.reportStoreError
  })
  app.decorate('providers', registry)
  app.decorate('cursorCodec', new CursorCodec(
    app.config.cursor.secret ?? randomBytes(32).toString('hex'), app.config.cursor.previous_secrets))
  app.decorate('readAhead', new ReadAheadCache())
  app.addHook('onClose', async () => registry.shutdown())
}

export default fp(providers, {
  name: 'providers', fastify: '5.x', dependencies: ['shared-state', 'upstream-telemetry']
})
