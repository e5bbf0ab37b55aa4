import { sha256Hex } from '../../util/hash.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayError } from '../../errors/gateway-error.ts'
import { newTracker, type UnknownOutcome, type WriteTracker } from '../../services/write-outcome.ts'
import { type KeyWatch, StoreFullError, StoreUnavailableError } from '../../state/shared-store.ts'

// One keyed write in progress: its record's key and fingerprint, the tracker the write-outcome
// service fills in, and (on a repeat) the stored unknown outcome this request must decide.
export interface IdempotentRequest {
  storeKey: string
  fingerprint: string
  tracker: WriteTracker
  prior: { text: string, outcome: UnknownOutcome } | null
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotentRequest | null
  }
}

const RETENTION_MS = 24 * 60 * 60 * 1000
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/
// A waiting duplicate wakes on the store's change notification; it also re-reads this often,
// because a notification can be lost (Redis pub/sub is at most once, a subscriber reconnects,
// a record expires without one) and that must not stall a duplicate for the whole lock time
// (test/state/idempotency-wait.test.ts, "a lost notification costs one fallback poll").
export const FALLBACK_POLL_MS = 1_000

export const KEY_PREFIX = 'idem:'

interface Pending { state: 'pending', fp: string }
// headers: the answer's own headers a replay must carry too (a write's ETag, a batch job's Location).
interface Done {
  state: 'done', fp: string, status: number, type: string, body: string, headers?: Record<string, string>
}
const REPLAYED_HEADERS = ['etag', 'location']
// The write was sent and its outcome is not known: repeats decide it, never write again
// (test/resilience/unknown-outcomes.test.ts).
interface Unknown { state: 'unknown', fp: string, outcome: UnknownOutcome }
type IdempotencyRecord = Pending | Done | Unknown
// What a request finds: the key is now its own, or a finished or undecided record.
type Settled = 'claimed' | { text: string, record: Done | Unknown }

// Only completed records may be evicted from a full in-memory store (src/state/memory-store.ts;
// test/state/stores.test.ts).
export const isEvictable = (text: string): boolean => {
  try {
    return (JSON.parse(text) as IdempotencyRecord).state === 'done'
  } catch {
    return true
  }
}

// Key order does not change a JSON body's meaning, so the fingerprint sorts object keys.
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>
    return `{${Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

const unavailable = (cause: unknown) => new GatewayError('service_unavailable', cause instanceof StoreFullError
  ? 'The idempotency store is full of writes still running or with an unknown outcome. Retry shortly.'
  : 'The idempotency store is unavailable, so this request cannot be deduplicated. ' +
    'Retry shortly, or send it without Idempotency-Key.',
{ retryAfter: 1, cause })

// Idempotency-Key on POST and PATCH (spec section 7): the first request with a key runs and its
// answer (below 500) is kept 24 h; a repeat with the same body replays it, another body is 422;
// concurrent duplicates wait for the first (woken by the store when its record changes) instead of
// reaching the vendor. Keys are per API key.
// A write whose vendor answer was lost keeps its key as `unknown` (spec section 6): a repeat runs
// the route, which only reads the incident back to decide (src/services/write-outcome.ts).
export interface IdempotencyOptions {
  fallbackPollMs?: number // tests: tell a notification from a fallback poll
}

async function idempotency (app: FastifyInstance, opts: IdempotencyOptions) {
  const store = app.sharedStoreFor('idempotency')
  const fallbackPollMs = opts.fallbackPollMs ?? FALLBACK_POLL_MS
  const lockMs = app.config.limits.request_timeout_ms + 5_000
  app.decorateRequest('idempotency', null)

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' && request.method !== 'PATCH') return // a route of several methods
    const header = request.headers['idempotency-key']
    if (header === undefined || !request.principal) return
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw new GatewayError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
        { errors: [{ path: '/headers/idempotency-key', message: 'must be 1 to 255 visible ASCII characters' }] })
    }
    const storeKey = `${KEY_PREFIX}${sha256Hex(`${request.principal.name}\n${header}`)}`
    const fingerprint = sha256Hex(`${request.method} ${request.url}\n${canonical(request.body)}`)
    let settled: Settled
    try {
      settled = await claim(storeKey, fingerprint)
    } catch (err) {
      // Already logged and counted by the store view (app.sharedStoreFor).
      if (err instanceof StoreUnavailableError) throw unavailable(err)
      throw err
    }
    if (settled === 'claimed') {
      request.idempotency = { storeKey, fingerprint, tracker: newTracker(), prior: null }
    } else if (settled.record.state === 'unknown') {
      const prior = { text: settled.text, outcome: settled.record.outcome }
      request.idempotency = { storeKey, fingerprint, tracker: newTracker(), prior }
    } else {
      const done = settled.record
      if (done.headers) reply.headers(done.headers)
      return reply.code(done.status).header('idempotent-replayed', 'true').type(done.type).send(done.body)
    }
  }

  // Takes the key, or returns the record a request before this one left: waits while that one
  // is still running, woken by the store when the record changes.
  async function claim (storeKey: string, fingerprint: string): Promise<Settled> {
    const deadline = Date.now() + lockMs
    const pending = JSON.stringify({ state: 'pending', fp: fingerprint } satisfies Pending)
    let watch: KeyWatch | null = null
    try {
      while (true) {
        if (await store.setIfAbsent(storeKey, pending, lockMs)) return 'claimed'
        // Listening before the read: a change between the read and the wait below still wakes
        // this request (test/state/idempotency-wait.test.ts, "no lost wake-up").
        watch ??= await store.watch(storeKey)
        const text = await store.get(storeKey)
        if (text === null) continue // expired or released meanwhile: try to take it
        const record = JSON.parse(text) as IdempotencyRecord
        if (record.fp !== fingerprint) {
          throw new GatewayError('idempotency_key_reused',
            'This Idempotency-Key was already used with a different request; use a new key for a new request.')
        }
        if (record.state !== 'pending') return { text, record }
        if (Date.now() > deadline) {
          throw new GatewayError('service_unavailable',
            'The first request with this Idempotency-Key is still running; retry later.', { retryAfter: 1 })
        }
        await watch.changed(Math.min(fallbackPollMs, deadline - Date.now() + 1))
      }
    } finally {
      watch?.close()
    }
  }

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const idem = request.idempotency
    if (!idem) return payload
    request.idempotency = null
    try {
      const headers: Record<string, string> = {}
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name)
        if (typeof value === 'string') headers[name] = value
      }
      await settle(idem, reply.statusCode, String(reply.getHeader('content-type') ?? 'application/json'), payload,
        headers)
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'could not record the idempotent response')
    }
    return payload
  }

  // Route-level hooks on POST and PATCH routes only: a read pays no promise for two hooks that do
  // nothing on it (issue 20, detail CPU). First in the route's own lists, so they run where the
  // global hooks ran: before a route's preHandlers and before the audit log's onSend reads the answer.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.some((m) => m === 'POST' || m === 'PATCH')) return
    route.preHandler = [preHandler, ...asArray(route.preHandler)]
    route.onSend = [onSend, ...asArray(route.onSend)]
  })

  // What the key keeps once the answer goes out. A repeat that decided an unknown outcome only
  // replaces or releases the record it read, so a newer one (another replica's) is never lost
  // (test/plugins/idempotency-settle.test.ts).
  async function settle (idem: IdempotentRequest, status: number, type: string, payload: unknown,
    headers: Record<string, string>): Promise<void> {
    const { storeKey, fingerprint: fp, tracker, prior } = idem
    if (status < 500 && typeof payload === 'string') {
      const kept = Object.keys(headers).length > 0 ? { headers } : {}
      const done = JSON.stringify({ state: 'done', fp, status, type, body: payload, ...kept } satisfies Done)
      if (prior) await store.replaceIfEquals(storeKey, prior.text, done, RETENTION_MS)
      else await store.set(storeKey, done, RETENTION_MS)
      return
    }
    if (tracker.outcome && (tracker.state === 'maybe_applied' || tracker.state === 'applied')) {
      // May have been applied: the key stays taken, so no repeat ever sends the write again.
      const unknown = JSON.stringify({ state: 'unknown', fp, outcome: tracker.outcome } satisfies Unknown)
      if (!prior) await store.set(storeKey, unknown, RETENTION_MS)
      return
    }
    // Not sent, or read back and not applied: release the key so the client may safely repeat.
    if (prior) await store.deleteIfEquals(storeKey, prior.text)
    else await store.delete(storeKey)
  }
}

export default fp(idempotency, { name: 'idempotency', fastify: '5.x', dependencies: ['shared-state', 'auth'] })

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
