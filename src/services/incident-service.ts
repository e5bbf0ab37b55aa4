import type { BaseLogger } from 'pino'
import type { CallOptions, CloseRequest, IncidentPatch, ListFilters, ProviderAdapter } from '../adapters/types.ts'
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
import { newTracker, performWrite, type UnknownOutcome, type WriteIntent, type WriteTracker } from './write-outcome.ts'

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

  constructor (deps: IncidentServiceDeps) {
    this.sync = deps.sync ?? NO_SYNC
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
    const { adapter, nativeId } = resolveIncidentId(this.providers, principal, id)
    return this.viewer(principal, options.raw)(await adapter.get(nativeId, callOptions(ctx)))
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
    const incident = await performWrite(adapter, nativeId, intent, {
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
    return this.viewer(principal)(incident)
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

const callOptions = (ctx: RequestContext): CallOptions =>
  ({ signal: ctx.signal, deadline: ctx.deadline, requestId: ctx.requestId })
