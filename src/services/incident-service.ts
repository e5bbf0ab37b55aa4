import type { BaseLogger } from 'pino'
import type {
  CallOptions, CallPurpose, CloseRequest, IncidentPatch, ListFilters, ProviderAdapter
} from '../adapters/types.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { StoreUnavailableError } from '../state/shared-store.ts'
import type { Config } from '../config/schema.ts'
import type { IncidentT, LabelT } from '../schemas/incident.ts'
import type { ProviderMappingT } from '../schemas/mapping.ts'
import type { ProviderT } from '../schemas/provider.ts'
import { SYNC_OFF } from '../schemas/change.ts'
import type { CursorCodec } from './cursor.ts'
import { listIncidents, type ListResult } from './incident-listing.ts'
import { incidentView } from './incident-view.ts'
import type { Principal } from './principal.ts'
import { providerFor, providersForList, resolveIncidentId, type ProviderSource } from './provider-access.ts'
import { mappingOf, providerInfo } from './provider-info.ts'
import type { ReadAheadCache } from './read-ahead-cache.ts'
import { firstTag, ifMatchHolds, IncidentEtags } from './incident-etag.ts'
import { newTracker, performWrite, type UnknownOutcome, type WriteIntent, type WriteTracker } from './write-outcome.ts'
import type { HeldLock, WriteLocks } from './write-lock.ts'

// What one request brings besides its principal: the overall deadline every upstream call honours,
// the id forwarded upstream, and the request's logger (it carries the request id).
export interface RequestContext {
  signal: AbortSignal
  deadline: number // epoch ms
  requestId: string
  log: Pick<BaseLogger, 'info' | 'error'>
}

// A write's Idempotency-Key (src/plugins/app/idempotency.ts): the tracker its record is settled
// from, and the unknown outcome of an earlier request with the key, decided rather than sent again.
export interface IdempotencyKey {
  tracker: WriteTracker
  prior?: UnknownOutcome
}

export interface WriteRequestContext extends RequestContext {
  key: IdempotencyKey | null // null: the client sent no Idempotency-Key
  ifMatch?: string // the If-Match header (spec section 11)
  etag?: (value: string) => void // receives the ETag of the incident the write answers with
  purpose?: CallPurpose // batch jobs spend sync's share of the vendor budget (src/jobs/job-runner.ts)
  // Runs just before the vendor write is sent, once the tracker holds its outcome record: a batch
  // job records the item as "attempting" there. A rejection means nothing was sent.
  beforeSend?: () => Promise<void>
  lockTtlMs?: number // longest the write lock is held (default: the write lock's own)
}

export interface ListOptions {
  filters: ListFilters
  providers?: string[] // the providers the caller named; default every one the key may see
  limit?: number // default limits.default_page_size
  cursor?: string
  allowPartial?: boolean
  raw?: boolean // include=raw
}

export interface IncidentServiceDeps {
  providers: ProviderSource // the provider registry
  codec: CursorCodec
  cache?: ReadAheadCache
  limits: Pick<Config['limits'], 'default_page_size' | 'request_timeout_ms' | 'upstream_calls_per_request'>
  now?: () => number // the walk's pinned bound and a write's sent time (tests)
  sync?: IncidentSync // the mirror's sync: status per provider, and the write-through of writes
  etags?: IncidentEtags
  locks?: WriteLocks // writes to one incident one at a time across replicas (absent: no lock, tests)
}

export interface IncidentSync {
  status (provider: string): ProviderT['sync']
  recordWrite (incident: IncidentT): Promise<unknown>
}

const NO_SYNC: IncidentSync = {
  status: () => SYNC_OFF,
  recordWrite: async () => null
}

// Everything the /v1 routes do besides HTTP: which providers a caller may use, the merged listing
// with its budgets, writes with their unknown-outcome handling, and what of an incident the caller
// may see. Built once per app (src/plugins/app/incidents.ts); the routes parse input and shape answers.
export class IncidentService {
  private readonly providers: ProviderSource
  private readonly codec: CursorCodec
  private readonly cache: ReadAheadCache | undefined
  private readonly limits: IncidentServiceDeps['limits']
  private readonly now: () => number
  private readonly sync: IncidentSync
  readonly etags: IncidentEtags
  private readonly locks: WriteLocks | null

  constructor (deps: IncidentServiceDeps) {
    this.sync = deps.sync ?? NO_SYNC
    this.etags = deps.etags ?? new IncidentEtags()
    this.locks = deps.locks ?? null
    this.providers = deps.providers
    this.codec = deps.codec
    this.cache = deps.cache
    this.limits = deps.limits
    this.now = deps.now ?? Date.now
  }

  async list (principal: Principal, options: ListOptions, ctx: RequestContext): Promise<ListResult> {
    const providers = providersForList(this.providers, principal, options.providers)
    const result = await listIncidents(this.codec, {
      providers,
      filters: options.filters,
      limit: options.limit ?? this.limits.default_page_size,
      cursor: options.cursor,
      allowPartial: options.allowPartial ?? false,
      signal: ctx.signal,
      deadline: ctx.deadline,
      requestId: ctx.requestId,
      onUnexpected: (provider, err) => ctx.log.error({ err, provider }, 'adapter failed unexpectedly'),
      cache: this.cache,
      callBudget: this.limits.upstream_calls_per_request
    }, this.now)
    ctx.log.info({
      providers: providers.map((p) => p.id), returned: result.data.length, upstream_calls: result.upstreamCalls
    }, 'listed incidents')
    return { ...result, data: result.data.map(this.viewer(principal, options.raw)) }
  }

  async get (principal: Principal, id: string, options: { raw?: boolean }, ctx: RequestContext): Promise<IncidentT> {
    return (await this.getTagged(principal, id, options, ctx)).incident
  }

  // The incident and the ETag of its vendor state (computed before the caller's view).
  async getTagged (principal: Principal, id: string, options: { raw?: boolean }, ctx: RequestContext):
  Promise<{ incident: IncidentT, etag: string }> {
    const { adapter, nativeId } = resolveIncidentId(this.providers, principal, id)
    const incident = await adapter.get(nativeId, callOptions(ctx))
    return { incident: this.viewer(principal, options.raw)(incident), etag: this.etags.of(incident) }
  }

  update (principal: Principal, id: string, patch: IncidentPatch, ctx: WriteRequestContext): Promise<IncidentT> {
    return this.write(principal, id, { kind: 'update', patch }, ctx)
  }

  close (principal: Principal, id: string, request: CloseRequest, ctx: WriteRequestContext): Promise<IncidentT> {
    return this.write(principal, id, { kind: 'close', request }, ctx)
  }

  addNote (principal: Principal, id: string, text: string, ctx: WriteRequestContext): Promise<IncidentT> {
    return this.write(principal, id, { kind: 'note', text }, ctx)
  }

  addLabels (principal: Principal, id: string, labels: LabelT[], ctx: WriteRequestContext): Promise<IncidentT> {
    return this.write(principal, id, { kind: 'labels', labels }, ctx)
  }

  // Read-only sub-resources; the scope they need (evidence:read for evidence and triggers) is the
  // route's, checked by the auth plugin before any of this runs.
  history (principal: Principal, id: string, ctx: RequestContext) {
    return this.read(principal, id, ctx, (a, nativeId, opts) => a.history(nativeId, opts))
  }

  evidence (principal: Principal, id: string, ctx: RequestContext) {
    return this.read(principal, id, ctx, (a, nativeId, opts) => a.evidence(nativeId, opts))
  }

  triggers (principal: Principal, id: string, ctx: RequestContext) {
    return this.read(principal, id, ctx, (a, nativeId, opts) => a.triggers(nativeId, opts))
  }

  tickets (principal: Principal, id: string, ctx: RequestContext) {
    return this.read(principal, id, ctx, (a, nativeId, opts) => a.tickets(nativeId, opts))
  }

  groups (principal: Principal, id: string, ctx: RequestContext) {
    return this.read(principal, id, ctx, (a, nativeId, opts) => a.groups(nativeId, opts))
  }

  async transactionIncidents (principal: Principal, providerId: string, transactionId: string,
    ctx: RequestContext): Promise<IncidentT[]> {
    const adapter = providerFor(this.providers, principal, providerId, '/path/provider')
    const incidents = await adapter.transactionIncidents(transactionId, callOptions(ctx))
    return incidents.map(this.viewer(principal))
  }

  // The provider instances the key may see, and their enum mapping tables.
  providerList (principal: Principal): ProviderT[] {
    return providersForList(this.providers, principal, undefined).map((a) => providerInfo(a, this.sync.status(a.id)))
  }

  mappings (principal: Principal): ProviderMappingT[] {
    return providersForList(this.providers, principal, undefined).map(mappingOf)
  }

  private async write (principal: Principal, id: string, intent: WriteIntent,
    ctx: WriteRequestContext): Promise<IncidentT> {
    const { adapter, nativeId } = resolveIncidentId(this.providers, principal, id)
    const lock = await this.lock(id, ctx)
    try {
      // A repeat deciding an earlier unknown outcome compares nothing: that write may have
      // changed the incident already, and it is only read back, never sent again.
      if (ctx.ifMatch !== undefined && !ctx.key?.prior) await this.precondition(adapter, nativeId, id, ctx)
      const incident = await performWrite(ctx.beforeSend ? hooked(adapter, ctx.beforeSend) : adapter, nativeId,
        intent, {
          opts: callOptions(ctx),
          tracker: ctx.key?.tracker ?? newTracker(),
          prior: ctx.key?.prior,
          keyed: ctx.key !== null,
          settleMs: this.limits.request_timeout_ms,
          now: this.now
        })
      // The answer is the vendor's state once the write is done: the change is in the feed before
      // the response leaves (write-through; never fails the write: src/sync/sync-service.ts).
      await this.sync.recordWrite(incident)
      ctx.etag?.(this.etags.of(incident))
      return this.viewer(principal)(incident)
    } finally {
      await lock?.release().catch(() => {}) // its TTL frees it anyway
    }
  }

  // The incident's write lock (src/services/write-lock.ts), waited for until the request's
  // deadline. Without the shared store a conditional write is refused (its guarantee needs the
  // lock); an unconditional one goes ahead, as it would have before locks existed.
  private async lock (id: string, ctx: WriteRequestContext): Promise<HeldLock | null> {
    if (!this.locks) return null
    try {
      return await this.locks.acquire(id, ctx.deadline, ctx.lockTtlMs)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      if (ctx.ifMatch === undefined) return null
      throw new GatewayError('service_unavailable', 'The shared store that serializes writes to an incident is ' +
        'unavailable, so a conditional write cannot be made safely now. Retry shortly.', { retryAfter: 1, cause: err })
    }
  }

  // If-Match: the vendor's state now, compared with the state the caller's ETag named.
  private async precondition (adapter: ProviderAdapter, nativeId: string, id: string,
    ctx: WriteRequestContext): Promise<void> {
    const current = await adapter.get(nativeId, { ...callOptions(ctx), fresh: true })
    const etag = this.etags.of(current)
    if (ifMatchHolds(ctx.ifMatch!, etag)) return
    const named = firstTag(ctx.ifMatch!)
    const fields = (named === null ? null : this.etags.differing(named, current)) ?? []
    throw new GatewayError('precondition_failed', `Incident ${id} is no longer in the state the If-Match ETag ` +
      'names (someone else changed it, here or at the vendor); read it again and decide on its current state.',
    { etag, fields, provider: adapter.id })
  }

  private read<T> (principal: Principal, id: string, ctx: RequestContext,
    fetch: (adapter: ProviderAdapter, nativeId: string, opts: CallOptions) => Promise<T>): Promise<T> {
    const { adapter, nativeId } = resolveIncidentId(this.providers, principal, id)
    return fetch(adapter, nativeId, callOptions(ctx))
  }

  // Every incident leaves through here, so evidence governance (spec section 7) cannot differ
  // between list, detail, writes and transactions: `raw` only when asked for, matched content
  // only with scope evidence:read (src/services/incident-view.ts; test/v1/evidence.test.ts).
  private viewer (principal: Principal, raw = false) {
    const opts = { raw }
    return (incident: IncidentT): IncidentT => incidentView(incident, principal, opts)
  }
}

const callOptions = (ctx: RequestContext & { purpose?: CallPurpose }): CallOptions =>
  ctx.purpose === undefined
    ? { signal: ctx.signal, deadline: ctx.deadline, requestId: ctx.requestId }
    : { signal: ctx.signal, deadline: ctx.deadline, requestId: ctx.requestId, purpose: ctx.purpose }

const WRITES = ['update', 'close', 'addNote', 'addLabels'] as const

// The adapter whose writes run `before` first (reads pass through untouched).
function hooked (adapter: ProviderAdapter, before: () => Promise<void>): ProviderAdapter {
  const wrapped = Object.create(adapter) as Record<string, unknown>
  for (const method of WRITES) {
    const send = adapter[method] as (...args: unknown[]) => Promise<IncidentT>
    wrapped[method] = async (...args: unknown[]) => {
      try {
        await before()
      } catch (err) {
        // Nothing was sent: a gateway refusal, which the unknown-outcome rule never reads back.
        throw new GatewayError('service_unavailable', 'The write could not be recorded before sending, so it was ' +
          'not sent. Retry shortly.', { retryAfter: 1, cause: err })
      }
      return send.apply(adapter, args)
    }
  }
  return wrapped as unknown as ProviderAdapter
}
