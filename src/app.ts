import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config/schema.ts'
import { frameworkErrorHandler } from './errors/framework-errors.ts'
import { createLogger } from './logging/logger.ts'
import apiHardening from './plugins/app/api-hardening.ts'
import auth from './plugins/app/auth.ts'
import errorHandler from './plugins/app/error-handler.ts'
import idempotency from './plugins/app/idempotency.ts'
import lifecycle from './plugins/app/lifecycle.ts'
import providers from './plugins/app/providers.ts'
import rateLimit from './plugins/app/rate-limit.ts'
import requestId, { genReqId } from './plugins/app/request-id.ts'
import sharedState from './plugins/app/shared-state.ts'
import validation from './plugins/app/validation.ts'
import swagger from './plugins/external/swagger.ts'
import healthRoutes from './routes/health/index.ts'
import v1Routes from './routes/v1/index.ts'
import { sharedSchemas } from './schemas/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface AppDeps {
  logger?: Logger
  dispatcher?: Dispatcher // upstream dispatcher for every provider (tests)
}

// Builds the gateway with every plugin and route registered, not listening. Registration order
// is explicit: cross-cutting plugins, then documentation, then routes.
export async function buildApp (config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (deps.logger ?? createLogger({ level: config.server.log_level })) as FastifyBaseLogger,
    genReqId,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.server.body_limit_bytes,
    trustProxy: config.server.trust_proxy,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    forceCloseConnections: 'idle'
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)
  for (const schema of sharedSchemas) app.addSchema(schema)

  await app.register(lifecycle)
  await app.register(validation)
  await app.register(requestId)
  await app.register(errorHandler)
  await app.register(apiHardening)
  await app.register(sharedState)
  await app.register(auth)
  await app.register(rateLimit)
  await app.register(idempotency)
  await app.register(providers, { dispatcher: deps.dispatcher })
  await app.register(swagger)

  await app.register(healthRoutes)
  await app.register(v1Routes, { prefix: '/v1' })
  return app
}
