import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config/schema.ts'
import { makeClientErrorHandler, makeConnectHandler } from './errors/client-errors.ts'
import { frameworkErrorHandler } from './errors/framework-errors.ts'
import { RouteMethods } from './errors/route-methods.ts'
import { lazyChildLogger } from './logging/lazy-child.ts'
import { createLogger } from './logging/logger.ts'
import apiHardening from './plugins/app/api-hardening.ts'
import auditLog from './plugins/app/audit-log.ts'
import auth from './plugins/app/auth.ts'
import changeFeed, { type ChangeFeedPluginOptions } from './plugins/app/change-feed.ts'
import errorHandler from './plugins/app/error-handler.ts'
import idempotency from './plugins/app/idempotency.ts'
import { LazySchemas } from './plugins/app/lazy-compile.ts'
import incidents from './plugins/app/incidents.ts'
import jobs, { type JobsPluginOptions } from './plugins/app/jobs.ts'
import lifecycle from './plugins/app/lifecycle.ts'
import providers from './plugins/app/providers.ts'
import rateLimit from './plugins/app/rate-limit.ts'
import requestId, { genReqId } from './plugins/app/request-id.ts'
import sharedState from './plugins/app/shared-state.ts'
import validation from './plugins/app/validation.ts'
import webhooks, { type WebhooksPluginOptions } from './plugins/app/webhooks.ts'
import metrics, { metricsRoute } from './plugins/external/metrics.ts'
import swagger from './plugins/external/swagger.ts'
import loadShedding from './plugins/external/under-pressure.ts'
import tracing from './plugins/external/tracing.ts'
import upstreamTelemetry from './plugins/app/upstream-telemetry.ts'
import healthRoutes from './routes/health/index.ts'
import v1Routes from './routes/v1/index.ts'
import { sharedSchemas } from './schemas/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    routeSchemas: LazySchemas // compiled on first use; compileAll() for the test that builds them all
  }
}

export interface AppDeps {
  logger?: Logger
  dispatcher?: Dispatcher // upstream dispatcher for every provider (tests)
  auditStream?: DestinationStream // audit events go here instead of observability.audit_log (tests)
  changeFeed?: ChangeFeedPluginOptions // sync started by hand, or a store opened by the test
  webhooks?: WebhooksPluginOptions // delivery driven by hand, a fake resolver or clock (tests)
  jobs?: JobsPluginOptions // batch jobs run by hand (tests)
}

// Builds the gateway with every plugin and route registered, not listening. Registration order
// is explicit: cross-cutting plugins, then documentation, then routes.
export async function buildApp (config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const routes = new RouteMethods() // filled as routes register; read by 404/405 and socket-level answers
  const schemas = new LazySchemas()
  const app: FastifyInstance = Fastify({
    loggerInstance: (deps.logger ?? createLogger({ level: config.server.log_level })) as FastifyBaseLogger,
    genReqId,
    childLoggerFactory: lazyChildLogger, // a request's logger is made when it first logs
    schemaController: { compilersFactory: { buildSerializer: schemas.serializerFactory() } },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.server.body_limit_bytes,
    trustProxy: config.server.trust_proxy,
    routerOptions: { maxParamLength: 256 },
    // A plugin may take longer than avvio's default 10 s: opening the store applies migrations under
    // an advisory lock another replica may hold, and the embedded store boots PostgreSQL in
    // WebAssembly, slow on a busy host (demo mode failed to start with 'change-feed' timed out).
    pluginTimeout: 60_000,
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: makeClientErrorHandler(routes, () => app.log),
    forceCloseConnections: 'idle',
    // Slow clients: headers, then the whole request, must arrive in time; idle keep-alive
    // connections close. A socket quiet while its handler waits upstream must outlive the
    // request deadline. Node checks the first two every connectionsCheckingInterval.
    http: {
      headersTimeout: config.server.headers_timeout_ms,
      connectionsCheckingInterval: Math.min(1_000, config.server.headers_timeout_ms)
    },
    requestTimeout: Math.max(config.server.client_timeout_ms, config.server.headers_timeout_ms),
    keepAliveTimeout: config.server.keep_alive_timeout_ms,
    // A long poll of GET /v1/changes holds a quiet socket for up to 60 s.
    connectionTimeout: Math.max(config.limits.request_timeout_ms, 60_000) + 10_000
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.server.on('connect', makeConnectHandler(() => app.log))
  app.decorate('config', config)
  app.decorate('routeSchemas', schemas)
  for (const schema of sharedSchemas) app.addSchema(schema)

  await app.register(upstreamTelemetry) // observers of vendor exchanges register with it
  await app.register(tracing) // first hooks: they see every request
  await app.register(metrics)
  await app.register(lifecycle)
  await app.register(validation, { schemas })
  await app.register(requestId)
  await app.register(errorHandler, { routes })
  await app.register(loadShedding) // before auth: a shed request costs next to nothing
  await app.register(apiHardening)
  await app.register(sharedState)
  await app.register(auth)
  await app.register(auditLog, { stream: deps.auditStream })
  await app.register(rateLimit)
  await app.register(idempotency)
  await app.register(providers, { dispatcher: deps.dispatcher })
  await app.register(changeFeed, deps.changeFeed ?? {})
  await app.register(webhooks, deps.webhooks ?? {})
  await app.register(incidents)
  await app.register(jobs, deps.jobs ?? {})
  await app.register(swagger)

  await app.register(healthRoutes)
  await app.register(metricsRoute)
  await app.register(v1Routes, { prefix: '/v1' })
  return app
}
