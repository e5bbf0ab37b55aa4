// The ZWA DLP incidents simulator as a Fastify instance (not listening): token endpoints, every
// incident endpoint under /dlp/v1 and /zwa/dlp/v1, and the shared /__sim admin API.
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance } from 'fastify'
import { registerSimKit } from '../../../sim-kit/sim-kit.ts'
import { zwaActivity } from './activity.ts'
import { apiKeyTokenRoutes, oneApiTokenRoutes } from './auth-routes.ts'
import { registerBodyParsers } from './body-parsers.ts'
import { CONSOLE_ADMIN, consoleDelete, patchIncident } from './console.ts'
import { NATIVE_PREFIX, ONEAPI_PREFIX } from './context.ts'
import type { ZwaContext } from './context.ts'
import { errorBody } from './errors.ts'
import { resolveOptions } from './options.ts'
import type { ZwaSimOptions } from './options.ts'
import { Snapshots } from './paging.ts'
import { RateLimiter } from './rate-limit.ts'
import { readRoutes } from './read-routes.ts'
import { mountRoutes } from './route-defs.ts'
import { searchRoutes } from './search-routes.ts'
import { ZwaStore } from './store.ts'
import { TokenStore } from './tokens.ts'
import { writeRoutes } from './write-routes.ts'

export type { ZwaSimOptions } from './options.ts'

export async function buildZwaSimulator (opts: ZwaSimOptions = {}): Promise<FastifyInstance> {
  const options = resolveOptions(opts)
  const clock = options.clock
  const ctx: ZwaContext = {
    options,
    store: new ZwaStore({
      seed: options.seed, count: options.count, anchor: options.anchor, incidents: options.incidents, clock
    }),
    snapshots: new Snapshots({ clock, ttlSeconds: options.pageIdTtlSeconds }),
    tokens: new TokenStore(clock),
    limiter: options.rateLimits === false ? undefined : new RateLimiter(options.rateLimits, clock)
  }

  const consoleCtx = { store: ctx.store, clock, actor: CONSOLE_ADMIN }

  const app = Fastify({ logger: options.logger })
  // Before the kit, so its admin routes (POST /__sim/incidents) parse big group ids losslessly too.
  registerBodyParsers(app)
  await registerSimKit(app, {
    vendorPrefixes: [NATIVE_PREFIX, ONEAPI_PREFIX, '/v1/auth', '/oauth2'],
    errorBody,
    addIncidents: (records) => ctx.store.add(records),
    // Tokens survive a reset: a gateway under test keeps its session, only the data starts over
    // (test/simulators/zwa/fixtures-admin.test.ts).
    reset: () => {
      ctx.store.reset()
      ctx.snapshots.clear()
      ctx.limiter?.clear()
    },
    secretBodyKeys: ['key_secret', 'client_secret', 'client_assertion', 'token', 'access_token'],
    requestLogSize: options.requestLogSize,
    seed: `zwa:${options.seed}`,
    clock,
    patchIncident: (id, patch) => patchIncident(consoleCtx, id, patch),
    deleteIncident: (id) => consoleDelete(consoleCtx, options.write, id),
    activity: {
      vendor: zwaActivity(ctx), seed: `zwa:${options.activity?.seed ?? options.seed}`, options: options.activity
    }
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `No resource found for ${request.method} ${request.url.split('?', 1)[0]}`))
  })
  // Vendor-shaped errors everywhere; Fastify's own 4xx (bad media type, body too large) keep their status.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : 500
    if (status === 500) request.log.error({ err: error }, 'unexpected simulator error')
    reply.code(status).send(errorBody(status, status === 500 ? 'Internal server error' : error.message))
  })

  await app.register(apiKeyTokenRoutes, { ctx })
  await app.register(oneApiTokenRoutes, { ctx })
  const defs = [...readRoutes(ctx), ...writeRoutes(ctx), ...searchRoutes(ctx)]
  await app.register(async (native) => mountRoutes(native, ctx, 'api-key', defs), { prefix: NATIVE_PREFIX })
  await app.register(async (oneApi) => mountRoutes(oneApi, ctx, 'oneapi', defs), { prefix: ONEAPI_PREFIX })
  return app
}
