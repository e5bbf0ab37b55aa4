import { once } from 'node:events'
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts'
import type { ChangeFeed } from '../mirror/change-feed.ts'
import { providerSetDigest, type ChangeTokenCodec } from '../mirror/change-token.ts'
import type { MirrorStore } from '../mirror/mirror-store.ts'
import type { SyncService } from '../sync/sync-service.ts'
import { writeChange, type IncidentSerializer } from './change-view.ts'
import { mayReadEvidence } from './incident-view.ts'
import type { Principal } from './principal.ts'
import { providersForList, type ProviderSource } from './provider-access.ts'

// GET /v1/changes (spec section 9): which providers the caller reads, its position from the token,
// a page of the feed with what the caller may see of each incident, and per provider how far the
// page may be trusted.

export interface ChangeStore {
  feed: ChangeFeed
  mirror: MirrorStore
  serializeIncident: IncidentSerializer // the form of the store's incident texts (src/mirror/incident-text.ts)
}

// `work`, or a rejection once `ms` have passed: a store that stops answering is a 503, not a held request.
async function within<T> (ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the change store did not answer in time')), ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

const NO_STORE = 'none' // the store id of a gateway without a store (no provider syncs)

export interface ChangeReadOptions {
  after?: string
  providers?: string[]
  limit: number
  raw: boolean
  waitSeconds: number
  signal: AbortSignal
}

type FeedProviders = Record<string, { status: string, complete_through: string | null, lag_seconds: number | null }>

// The ChangeList (src/schemas/change.ts) as UTF-8 JSON, its changes in pieces (writeChange). Each
// piece is encoded into one buffer on its own: joined into one string first, a single change with a
// character beyond Latin-1 makes the whole page a two-byte string, which the join widens, Fastify
// measures and the socket encodes again (a third of the feed's CPU in `bench/profile.ts changes`),
// and a stored incident text would be copied into the join before being encoded.
function changeList (pieces: string[], next: string, hasMore: boolean, providers: FeedProviders): Buffer {
  pieces.push(`],"next":${JSON.stringify(next)},"has_more":${hasMore},"providers":${JSON.stringify(providers)}}`)
  let size = 0
  for (const p of pieces) size += Buffer.byteLength(p)
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const p of pieces) at += out.write(p, at)
  return out
}

export class ChangeService {
  private readonly registry: ProviderSource
  private readonly store: ChangeStore | null
  private readonly codec: ChangeTokenCodec
  private readonly sync: SyncService | null
  private readonly now: () => number
  private readonly closing: AbortSignal
  private readonly maxWaiting: number
  private readonly waiting = new Map<string, number>() // held long polls per key, in this replica
  private readonly storeTimeoutMs: number

  // `closing`: aborted when the app closes, so held long polls answer at once instead of holding shutdown.
  constructor (deps: {
    providers: ProviderSource,
    store: ChangeStore | null,
    codec: ChangeTokenCodec,
    sync: SyncService | null,
    now?: () => number,
    closing?: AbortSignal
    storeTimeoutMs?: number // longest one read of the store may take before the answer is 503; default 10 s
    maxWaitingPerKey?: number // long polls one key may hold at once in this replica; default 10
  }) {
    this.maxWaiting = deps.maxWaitingPerKey ?? 10
    this.closing = deps.closing ?? new AbortController().signal
    this.storeTimeoutMs = deps.storeTimeoutMs ?? 10_000
    this.registry = deps.providers
    this.store = deps.store
    this.codec = deps.codec
    this.sync = deps.sync
    this.now = deps.now ?? Date.now
  }

  // The answer as UTF-8 JSON (a ChangeList). A store that fails (PostgreSQL restarting, a lost
  // connection) is a 503 with Retry-After, never a 500 and never its error text
  // (test/sync/feed-store-down.test.ts).
  async read (principal: Principal, options: ChangeReadOptions): Promise<Buffer> {
    try {
      return await this.readFromStore(principal, options)
    } catch (err) {
      if (isGatewayError(err)) throw err
      throw new GatewayError('service_unavailable', 'The change store is unavailable right now; retry after the ' +
        'time in Retry-After with the same token.', { retryAfter: 5, cause: err })
    }
  }

  private async readFromStore (principal: Principal, options: ChangeReadOptions): Promise<Buffer> {
    const providers = providersForList(this.registry, principal, options.providers).map((a) => a.id)
    const digest = providerSetDigest(providers)
    const codec = this.codec
    const storeId = this.store ? await within(this.storeTimeoutMs, this.store.mirror.storeId()) : NO_STORE
    const from = options.after === undefined
      ? { seq: null, mark: undefined }
      : codec.decode(options.after, { store: storeId, providers: digest })
    const after = from.seq // null: from the oldest change retained
    if (!this.store) return this.empty(providers, codec.encode({ store: NO_STORE, seq: after ?? 0, providers: digest }))
    const { feed, mirror } = this.store
    // Whether the caller's view of an incident is the stored form: the store's text then serves as it is.
    const text = !options.raw && mayReadEvidence(principal)
    const read = () => within(this.storeTimeoutMs,
      feed.read({ after, mark: from.mark, providers, limit: options.limit, raw: options.raw, text }))
    // Counted before each read: an append committed between the read and the wait is not slept through.
    let appends = mirror.appends
    let page = await read()
    const until = this.now() + options.waitSeconds * 1000
    if (page.changes.length === 0 && options.waitSeconds > 0) {
      const release = this.hold(principal.name)
      try {
        const stop = AbortSignal.any([options.signal, this.closing])
        while (page.changes.length === 0 && this.now() < until && !stop.aborted) {
          if (mirror.appends === appends) await this.appendedOrTimeout(mirror, until - this.now(), stop)
          appends = mirror.appends
          page = await read()
        }
      } finally {
        release()
      }
    }
    const now = this.now()
    const pieces = ['{"data":[']
    const serialize = this.store.serializeIncident
    for (let i = 0; i < page.changes.length; i++) {
      writeChange(pieces, page.changes[i], principal, options.raw, serialize, i === 0)
    }
    return changeList(
      pieces,
      codec.encode({ store: storeId, seq: page.position, providers: digest, mark: page.mark }),
      page.hasMore,
      Object.fromEntries(providers.map((p) => {
        const through = page.completeThrough.get(p) ?? null
        return [p, {
          status: this.sync?.status(p).state ?? 'off',
          complete_through: through === null ? null : through.toISOString(),
          lag_seconds: through === null ? null : Math.max(0, Math.round((now - through.getTime()) / 1000))
        }]
      })))
  }

  // A held long poll is a socket and a listener: a key holds at most maxWaiting at once per replica
  // (a client that loops without waiting for answers, or one key shared by too many pollers).
  private hold (key: string): () => void {
    const held = this.waiting.get(key) ?? 0
    if (held >= this.maxWaiting) {
      throw new GatewayError('rate_limited', `This API key already holds ${this.maxWaiting} long polls ` +
        '(GET /v1/changes with wait) on this replica; wait for one to answer before starting another.',
      { retryAfter: 1 })
    }
    this.waiting.set(key, held + 1)
    return () => {
      const n = (this.waiting.get(key) ?? 1) - 1
      if (n === 0) this.waiting.delete(key)
      else this.waiting.set(key, n)
    }
  }

  // No store configured (no provider syncs): an empty feed whose providers say `off`.
  private empty (providers: string[], next: string): Buffer {
    return changeList(['{"data":['], next, false, Object.fromEntries(providers.map((p) =>
      [p, { status: 'off', complete_through: null, lag_seconds: null }])))
  }

  private async appendedOrTimeout (mirror: MirrorStore, ms: number, signal: AbortSignal): Promise<void> {
    const ac = new AbortController()
    const onAbort = () => ac.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => ac.abort(), Math.max(0, ms))
    try {
      await once(mirror.events, 'appended', { signal: ac.signal })
    } catch {
      // timed out or the client went away
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
  }
}
