// Builds the Cisco Cloudlock simulator (not listening; the caller listens).
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { checkActivityOptions, type ActivityOptions } from '../../../sim-kit/activity.ts'
import { systemClock, type Clock } from '../../../sim-kit/clock.ts'
import { registerSimKit } from '../../../sim-kit/sim-kit.ts'
import type { TieOrder } from '../../../sim-kit/tie-order.ts'
import { cloudlockActivity } from './activity.ts'
import { CloudlockHttpError, errorBody } from './errors.ts'
import { generateIncidents } from './generate.ts'
import { RateLimitedError } from './guard.ts'
import { incidentRoutes } from './routes.ts'
import { idKey } from './records.ts'
import { IncidentStore } from './store.ts'

export const CLOUDLOCK_PREFIX = '/api/v2'
// A fixed, documented development token for the standalone runners: the simulator guards nothing real.
export const CLOUDLOCK_DEV_TOKEN = 'cloudlock-sim-dev-token'

export interface CloudlockSimOptions {
  token: string // the tenant's static bearer token
  seed?: number | string // default 1
  count?: number // generated incidents, default 500
  anchor?: string | number // newest generated timestamp (ISO or epoch ms), default 2025-06-01T00:00:00Z
  incidents?: unknown[] // native records replacing the generated ones
  clock?: Clock // default Date.now
  logger?: FastifyServerOptions['logger'] // default false
  limitOverflow?: 'clamp' | 'error' // limit > 100: clamp to 100 (default) or 400
  countTotalDefault?: boolean // whether `total` is counted when count_total is absent (default false)
  totalWhenNotCounted?: 'zero' | 'omit' // `total` without counting: 0 (default) or left out
  envelopeExtras?: boolean // add limit/offset/results to the list envelope as in the vendor doc (default false)
  lenientRecords?: boolean // accept records with malformed fields as they are (only ids are checked)
  pageCap?: number // list answers hold at most this many items whatever `limit` asks (default: none)
  tieOrder?: TieOrder // order of incidents created at the same instant (default 'id': id descending)
  multiValueFilters?: 'literal' | 'comma' // a comma in a filter value: literal (default) or a list of values
  unknownParams?: 'ignore' | 'error' // unknown list query parameters: ignored (default) or 400
  rateLimit?: { perMinute: number, retryAfter?: boolean } | false // default off
  allowedIps?: string[] // caller IP allow-list; others get 403 (default: everyone)
  requestLogSize?: number // /__sim/requests capacity, default 1000
  faultSeed?: number | string // seeds fault `rate` decisions, default 'cloudlock'
  activity?: ActivityOptions // console activity (docs/simulators.md); seed defaults to `seed`
}

function checkOptions (opts: CloudlockSimOptions): void {
  if (typeof opts.token !== 'string' || opts.token === '' || /\s/.test(opts.token)) {
    throw new Error('Cloudlock simulator: token must be a non-empty string without spaces')
  }
  if (opts.count !== undefined && (!Number.isInteger(opts.count) || opts.count < 0)) {
    throw new Error('Cloudlock simulator: count must be a non-negative integer')
  }
  if (opts.rateLimit !== undefined && opts.rateLimit !== false &&
    !(Number.isInteger(opts.rateLimit.perMinute) && opts.rateLimit.perMinute > 0)) {
    throw new Error('Cloudlock simulator: rateLimit.perMinute must be a positive integer')
  }
  if (opts.incidents !== undefined && !Array.isArray(opts.incidents)) {
    throw new Error('Cloudlock simulator: incidents must be an array of native records')
  }
  checkActivityOptions('Cloudlock', opts.activity)
}

// Admin path ids follow the vendor routes: digits, leading zeros ignored; anything else names nothing.
const keyOf = (id: string): string | undefined => /^\d{1,20}$/.test(id) ? idKey(id) : undefined

export async function buildCloudlockSimulator (opts: CloudlockSimOptions): Promise<FastifyInstance> {
  checkOptions(opts)
  const clock = opts.clock ?? systemClock
  const initial = opts.incidents ??
    generateIncidents({ seed: opts.seed ?? 1, count: opts.count ?? 500, anchor: opts.anchor })
  const store = new IncidentStore(initial, clock, opts.lenientRecords ?? false)

  const app = Fastify({ logger: opts.logger ?? false })

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof RateLimitedError && error.retryAfter !== undefined) {
      reply.header('retry-after', String(error.retryAfter))
    }
    const status = error instanceof CloudlockHttpError ? error.statusCode : (error.statusCode ?? 500)
    if (status >= 500) request.log.error({ err: error }, 'simulator error')
    reply.code(status).send(errorBody(status, status >= 500 ? 'Internal server error' : error.message))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `Route ${request.method} ${request.url.split('?', 1)[0]} not found`))
  })

  await registerSimKit(app, {
    vendorPrefixes: [CLOUDLOCK_PREFIX],
    errorBody,
    addIncidents: (records) => store.add(records),
    reset: () => store.reset(),
    secretBodyKeys: ['token', 'access_token'],
    requestLogSize: opts.requestLogSize,
    seed: opts.faultSeed ?? 'cloudlock',
    clock,
    patchIncident: (id, patch) => {
      const key = keyOf(id)
      return key === undefined ? undefined : store.patch(key, patch)
    },
    deleteIncident: (id) => {
      const key = keyOf(id)
      return key !== undefined && store.delete(key)
    },
    activity: {
      vendor: cloudlockActivity(store, clock),
      seed: `cloudlock:${opts.activity?.seed ?? opts.seed ?? 1}`,
      options: opts.activity
    }
  })

  await app.register(incidentRoutes, {
    prefix: CLOUDLOCK_PREFIX,
    store,
    token: opts.token,
    allowedIps: opts.allowedIps,
    rateLimit: opts.rateLimit ?? false,
    clock,
    query: {
      limitOverflow: opts.limitOverflow ?? 'clamp',
      countTotalDefault: opts.countTotalDefault ?? false,
      multiValueFilters: opts.multiValueFilters ?? 'literal',
      unknownParams: opts.unknownParams ?? 'ignore'
    },
    totalWhenNotCounted: opts.totalWhenNotCounted ?? 'zero',
    envelopeExtras: opts.envelopeExtras ?? false,
    pageCap: opts.pageCap,
    tieOrder: opts.tieOrder ?? 'id'
  })
  return app
}
