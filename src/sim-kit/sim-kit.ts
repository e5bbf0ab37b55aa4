// Shared simulator kit: request log, fault injection and the /__sim admin API (spec §8).
// Simulators call registerSimKit before their vendor routes and put their own checks (auth, rate
// limits) in preValidation or preHandler hooks, never onRequest, so injected faults come first.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { systemClock, type Clock } from './clock.ts'
import { DEFAULT_CHUNK_INTERVAL_MS, FaultTable, parseFault, type Fault } from './faults.ts'
import { ActivityRunner, type ActivityOptions, type ActivityVendor } from './activity.ts'
import { MALFORMED_JSON, htmlErrorPage, slowStream, truncatedStream } from './fault-bodies.ts'
import { incidentAdminRoutes, type IncidentAdminOptions } from './incident-admin.ts'
import { ALWAYS_MASKED_HEADERS, maskBody, maskDeep, maskHeaders } from './mask.ts'
import { createRng, type Rng } from './random.ts'
import { RequestLog, type LoggedRequest } from './request-log.ts'
import { SimInputError } from './sim-input-error.ts'

export { SimInputError }
export type { Fault, LoggedRequest }
export type { ActivityAction, ActivityOptions, ActivityVendor } from './activity.ts'

export const ADMIN_PREFIX = '/__sim'

export interface SimKitOptions extends IncidentAdminOptions {
  // Path prefixes of vendor routes; faults apply only to them (test/simulators/common/sim-kit-log.test.ts).
  vendorPrefixes: string[]
  errorBody: (status: number, message: string) => unknown // vendor-shaped error body
  addIncidents: (records: unknown[]) => { added: number, ids: string[] } // throw SimInputError for bad input
  reset: () => void // restore the seeded data
  secretHeaders?: string[] // masked in the log on top of authorization, cookie, x-api-key
  secretBodyKeys?: string[] // body and query keys masked at any depth
  requestLogSize?: number // default 1000
  seed?: number | string // seeds the fault-rate RNG (default 'sim-kit')
  clock?: Clock // timestamps of the request log (default Date.now)
  // Activity mode: ticks always work; a timer runs from ready to close when options.perMinute > 0.
  activity?: { vendor: ActivityVendor, seed: string, options?: ActivityOptions }
}

interface InFlight {
  entry: LoggedRequest
  fault?: Fault // a truncated/slow_body fault waiting for the real response
}

export async function registerSimKit (app: FastifyInstance, opts: SimKitOptions): Promise<void> {
  const clock = opts.clock ?? systemClock
  const seed = opts.seed ?? 'sim-kit'
  const log = new RequestLog(opts.requestLogSize ?? 1000)
  const faults = new FaultTable()
  const secretHeaders = new Set([...ALWAYS_MASKED_HEADERS, ...(opts.secretHeaders ?? [])].map((h) => h.toLowerCase()))
  const secretKeys = new Set((opts.secretBodyKeys ?? []).map((k) => k.toLowerCase()))
  const inFlight = new WeakMap<FastifyRequest, InFlight>()
  let rng: Rng = createRng(seed)
  const activity = opts.activity === undefined
    ? undefined
    : new ActivityRunner(opts.activity.vendor, opts.activity.seed, opts.activity.options,
      (err) => app.log.error({ err }, 'simulated console activity failed'))
  if (activity !== undefined) {
    app.addHook('onReady', async () => activity.start())
    app.addHook('onClose', async () => activity.stop())
  }

  const pathOf = (url: string): string => url.split('?', 1)[0]
  const isAdmin = (path: string): boolean => path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)
  const isVendor = (path: string): boolean => opts.vendorPrefixes.some((prefix) => path.startsWith(prefix))

  // Every non-admin request is logged on arrival (so the log is in arrival order), even one to an
  // unknown path: that is exactly what a misconfigured gateway needs to see.
  app.addHook('onRequest', async (request) => {
    const path = pathOf(request.url)
    if (isAdmin(path)) return
    const entry: LoggedRequest = {
      method: request.method,
      path,
      query: maskDeep({ ...(request.query as Record<string, unknown>) }, secretKeys) as Record<string, unknown>,
      headers: maskHeaders(request.headers, secretHeaders),
      body: null,
      status: null,
      at: new Date(clock()).toISOString()
    }
    log.push(entry)
    inFlight.set(request, { entry })
  })

  // Faults run after body parsing (so the log has the body) and before vendor hooks such as auth,
  // which simulators register later and therefore run after this one.
  app.addHook('preValidation', async (request, reply) => {
    const state = inFlight.get(request)
    if (state === undefined) return
    state.entry.body = maskBody(request.body, request.headers['content-type'], secretKeys)
    if (!isVendor(state.entry.path)) return
    const fault = faults.take(request.method, state.entry.path, rng)
    if (fault === undefined) return
    if (fault.latency_ms !== undefined) await sleep(fault.latency_ms)
    return applyFault(fault, state, reply)
  })

  function applyFault (fault: Fault, state: InFlight, reply: FastifyReply): FastifyReply | undefined {
    if (fault.retry_after !== undefined) reply.header('retry-after', String(fault.retry_after))
    switch (fault.mode) {
      case 'reset':
        state.entry.status = 0
        reply.hijack()
        reply.raw.destroy()
        return reply
      case 'malformed':
        return reply.code(fault.status ?? 200).type('application/json; charset=utf-8').send(MALFORMED_JSON)
      case 'html': {
        const status = fault.status ?? 502
        return reply.code(status).type('text/html; charset=utf-8').send(htmlErrorPage(status))
      }
      case 'truncated':
      case 'slow_body':
        state.fault = fault // the handler runs; onSend mangles its answer
        return undefined
      default:
        if (fault.status === undefined) return undefined // latency only
        return reply.code(fault.status).send(opts.errorBody(fault.status, `simulated fault: HTTP ${fault.status}`))
    }
  }

  app.addHook('onSend', async (request, reply, payload) => {
    const state = inFlight.get(request)
    if (state === undefined) return payload
    state.entry.status = reply.statusCode
    const fault = state.fault
    if (fault === undefined || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload
    const body = Buffer.from(payload)
    // The declared length is the real one; fewer bytes (truncated) or slow bytes (slow_body) follow.
    reply.header('content-length', String(body.length))
    return fault.mode === 'truncated'
      ? truncatedStream(body)
      : slowStream(body, fault.chunk_interval_ms ?? DEFAULT_CHUNK_INTERVAL_MS)
  })

  app.addHook('onResponse', async (request, reply) => {
    const state = inFlight.get(request)
    if (state !== undefined) state.entry.status = reply.statusCode
  })

  await app.register(async (admin) => {
    admin.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      const status = error instanceof SimInputError ? 400 : (error.statusCode ?? 500)
      reply.code(status).send({ message: error.message })
    })

    admin.get(`${ADMIN_PREFIX}/requests`, async () => ({ requests: log.list() }))
    admin.delete(`${ADMIN_PREFIX}/requests`, async (_request, reply) => {
      log.clear()
      return reply.code(204).send()
    })

    admin.post(`${ADMIN_PREFIX}/faults`, async (request, reply) => {
      const fault = faults.add(parseFault(request.body))
      return reply.code(201).send(fault)
    })
    admin.get(`${ADMIN_PREFIX}/faults`, async () => ({ faults: faults.list() }))
    admin.delete(`${ADMIN_PREFIX}/faults`, async (_request, reply) => {
      faults.clear()
      return reply.code(204).send()
    })
    admin.delete<{ Params: { id: string } }>(`${ADMIN_PREFIX}/faults/:id`, async (request, reply) => {
      if (!faults.remove(request.params.id)) {
        return reply.code(404).send({ message: `no fault with id ${request.params.id}` })
      }
      return reply.code(204).send()
    })

    admin.post(`${ADMIN_PREFIX}/incidents`, async (request, reply) => {
      if (!Array.isArray(request.body)) throw new SimInputError('body must be a JSON array of native incident records')
      return reply.code(201).send(opts.addIncidents(request.body))
    })

    incidentAdminRoutes(admin, ADMIN_PREFIX, opts, activity)

    // A clean slate for the next test: seeded data, no faults, empty log, fault and activity RNGs re-seeded.
    admin.post(`${ADMIN_PREFIX}/reset`, async (_request, reply) => {
      opts.reset()
      faults.clear()
      log.clear()
      rng = createRng(seed)
      activity?.reset()
      return reply.code(204).send()
    })
  })
}
