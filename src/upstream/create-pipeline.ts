import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Dispatcher } from 'undici'
import type { ResilienceConfig } from '../config/resilience.ts'
import type { SharedStore } from '../state/shared-store.ts'
import type { StoreErrorReporter } from '../state/store-errors.ts'
import type { Authenticator } from './authenticator.ts'
import { createPurposeBudget } from './budget/budget-factory.ts'
import { UpstreamClient } from './http/upstream-client.ts'
import type { UpstreamMetrics } from './metrics.ts'
import { UpstreamPipeline } from './pipeline.ts'
import { guardSettings } from './resilience/settings.ts'
import { sha256Hex } from '../util/hash.ts'
import type { UpstreamTelemetry } from './telemetry.ts'

// What every provider's pipeline is built with: shared by the app, injected in tests.
export interface UpstreamDeps {
  dispatcher?: Dispatcher // injected in tests; a Pool per instance otherwise
  now?: () => number
  logger?: Logger
  metrics?: UpstreamMetrics
  telemetry?: UpstreamTelemetry
  random?: () => number // backoff jitter (tests make it deterministic)
  requestTimeoutMs?: number // deadline of a call made without one: limits.request_timeout_ms
  sharedStore?: SharedStore // state shared by replicas (Redis): upstream tokens
  redis?: Redis // with REDIS_URL: vendor rate budgets shared by every replica
  // A shared store failed (Redis): logged, throttled, and counted by the app (src/state/store-errors.ts).
  reportStoreError?: StoreErrorReporter
}

// A slot of a request in flight is held at most this long after the longest deadline: a replica
// that died mid-request frees its slots then (the lease: test/budget/shared-rate-budget.test.ts).
const LEASE_MARGIN_MS = 30_000

// sync.budget_share when a provider has no sync section: the configuration's own default
// (src/config/sync.ts; test/budget/sync-share.test.ts keeps the two equal).
export const DEFAULT_SYNC_SHARE = 0.5

export interface PipelineSpec {
  providerId: string
  providerType: string
  baseUrl: string
  pathPrefix?: string
  timeouts: { connect_ms: number, headers_ms: number, body_ms: number }
  maxConnections: number
  // Without a resilience section (adapters built directly, as in unit tests) a provider runs
  // unguarded: no retries, breaker, budgets or coalescing. loadConfig always fills it in.
  resilience?: ResilienceConfig
  errorMessageKey: string
  // Who the vendor counts the requests of (host and credential), hashed into the budget's key so
  // no secret is stored in clear: every replica, provider entry or deployment calling the same
  // tenant shares one budget, as the vendor counts it; a different tenant never does
  // (test/upstream/budget-tenant.test.ts).
  tenant: string
  syncShare?: number // sync.budget_share: the largest share of each limit sync calls may hold
  // The authentication stage; it may send its own requests (a token) through the pipeline.
  authenticator: (pipeline: UpstreamPipeline, transport: UpstreamClient) => Authenticator
}

export function createPipeline (
  spec: PipelineSpec, deps: UpstreamDeps = {}
): { pipeline: UpstreamPipeline, transport: UpstreamClient } {
  const now = deps.now ?? Date.now
  const settings = guardSettings(spec.resilience, spec.maxConnections)
  const transport = new UpstreamClient({
    providerId: spec.providerId,
    baseUrl: spec.baseUrl,
    timeouts: spec.timeouts,
    maxConnections: spec.maxConnections,
    dispatcher: deps.dispatcher
  })
  const limited = Object.values(settings.rateBudget).some((w) => w.length > 0)
  const budget = createPurposeBudget({
    providerId: `${spec.providerType}:${sha256Hex(spec.tenant).slice(0, 16)}`,
    windowsByClass: settings.rateBudget,
    syncShare: spec.syncShare ?? DEFAULT_SYNC_SHARE,
    // No limits to share (Cloudlock's default): no Redis round trip per call either; a vendor's
    // Retry-After then pauses the class on this replica only.
    redis: limited ? deps.redis : undefined,
    fallbackShare: settings.rateBudgetFallbackShare,
    now,
    // Token requests run on the full request timeout even when deadline_ms is shorter.
    leaseMs: Math.max(settings.deadlineMs ?? 0, deps.requestTimeoutMs ?? 30_000) + LEASE_MARGIN_MS,
    onStoreError: (err, operation) => deps.reportStoreError?.('rate_budget', operation, err),
    onModeChange: (mode) => {
      deps.metrics?.budgetMode(spec.providerId, mode)
      if (mode === 'fallback') {
        deps.logger?.warn({ provider: spec.providerId, share: settings.rateBudgetFallbackShare },
          'shared rate budget unreachable: this replica uses its fallback share of the vendor budget')
      } else {
        deps.logger?.info({ provider: spec.providerId, mode }, 'shared rate budget back')
      }
    }
  })
  deps.metrics?.budgetMode(spec.providerId, budget.main.mode())
  // Never rejects; the outcome is reported through onModeChange (and onStoreError).
  budget.main.probe?.().catch(() => {})
  budget.sync?.probe?.().catch(() => {})
  const bound: { auth?: Authenticator } = {}
  const pipeline = new UpstreamPipeline({
    providerId: spec.providerId,
    providerType: spec.providerType,
    settings,
    transport,
    pathPrefix: spec.pathPrefix,
    // Bound once the pipeline exists: the token authenticator sends through it.
    authenticator: {
      authorize: (signal) => bound.auth!.authorize(signal),
      refused: (credential) => bound.auth!.refused(credential),
      secrets: () => bound.auth!.secrets()
    },
    errorMessageKey: spec.errorMessageKey,
    budget,
    telemetry: deps.telemetry,
    metrics: deps.metrics,
    logger: deps.logger,
    now,
    random: deps.random,
    requestTimeoutMs: deps.requestTimeoutMs
  })
  bound.auth = spec.authenticator(pipeline, transport)
  return { pipeline, transport }
}
