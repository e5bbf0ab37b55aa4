import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { BudgetMode, CallPurpose, CircuitState, UpstreamMetrics } from '../upstream/metrics.ts'

// Every gateway metric, in one registry per app (not prom-client's global one), with the helper
// functions the rest of the code calls. Labels are bounded by configuration and code: provider
// ids, route patterns, operation names, outcomes. Never an incident id, key name or raw URL.

export type { CircuitState }
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 }
export const BUDGET_MODE_VALUE: Record<BudgetMode, number> = { local: 0, shared: 1, fallback: 2 }

// Outcome of one upstream HTTP exchange, from undici's point of view (see outcomeOf*).
export type UpstreamOutcome = 'ok' | 'client_error' | 'auth_error' | 'rate_limited' | 'server_error' |
  'timeout' | 'network_error' | 'aborted'

export function outcomeOfStatus (status: number): UpstreamOutcome {
  if (status < 400) return 'ok'
  if (status === 401 || status === 403) return 'auth_error'
  if (status === 429) return 'rate_limited'
  return status >= 500 ? 'server_error' : 'client_error'
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'
])

export function outcomeOfError (err: unknown): UpstreamOutcome {
  const e = err as { code?: unknown, name?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  // TimeoutError is the reason of an AbortSignal.timeout: the gateway's own deadline ran out.
  if (TIMEOUT_CODES.has(code) || e?.name === 'TimeoutError') return 'timeout'
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || e?.name === 'AbortError') return 'aborted'
  return 'network_error'
}

const PURPOSES: readonly CallPurpose[] = ['interactive', 'sync']

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

// What resilience, token and audit code may call. GatewayMetrics implements it; so does
// NOOP_METRICS when metrics are disabled, so callers never check (test/observability/metrics.test.ts).
export interface MetricsRecorder extends UpstreamMetrics {
  sharedStoreError (store: string, operation: string): void
  tokenRefresh (provider: string, outcome: UpstreamOutcome): void
  upstreamCall (provider: string, operation: string, outcome: UpstreamOutcome, seconds: number): void
  httpRequest (method: string, route: string, statusCode: number, seconds: number): void
  auditEvent (operation: string, outcome: string): void
}

export const NOOP_METRICS: MetricsRecorder = {
  upstreamRetry () {},
  circuitState () {},
  rateBudgetWait () {},
  budgetMode () {},
  vendorCall () {},
  sharedStoreError () {},
  tokenRefresh () {},
  upstreamCall () {},
  httpRequest () {},
  auditEvent () {}
}

// A provider instance as the metrics know it: its id, and its vendor's operation names and rate
// classes (from the operation tables, src/vendors/index.ts), whose series start at zero.
export interface MeteredProvider {
  id: string
  operations: readonly string[]
  rateClasses: readonly string[]
  tokens: boolean // has a token endpoint (ZWA)
}

export interface GatewayMetricsOptions {
  providers: readonly MeteredProvider[]
  defaultMetrics?: boolean // process and Node.js metrics (default true)
}

export class GatewayMetrics implements MetricsRecorder {
  readonly registry = new Registry()
  private readonly http: Histogram<'method' | 'route' | 'status_code'>
  private readonly upstream: Histogram<'provider' | 'operation' | 'outcome'>
  private readonly retries: Counter<'provider' | 'operation'>
  private readonly circuit: Gauge<'provider'>
  private readonly rateWait: Histogram<'provider' | 'class'>
  private readonly tokens: Counter<'provider' | 'outcome'>
  private readonly budgetModes: Gauge<'provider'>
  private readonly vendorCalls: Counter<'provider' | 'purpose'>
  private readonly storeErrors: Counter<'store' | 'operation'>
  private readonly audits: Counter<'operation' | 'outcome'>

  constructor (opts: GatewayMetricsOptions) {
    const registers = [this.registry]
    this.http = new Histogram({
      name: 'dlp_gateway_http_request_duration_seconds',
      help: 'Gateway request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: SECONDS_BUCKETS,
      registers
    })
    this.upstream = new Histogram({
      name: 'dlp_gateway_upstream_request_duration_seconds',
      help: 'Vendor HTTP exchanges (until the body is read or the call fails) by provider, operation and outcome',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: SECONDS_BUCKETS,
      registers
    })
    this.retries = new Counter({
      name: 'dlp_gateway_upstream_retries_total',
      help: 'Upstream calls repeated after a retryable failure, by provider and operation',
      labelNames: ['provider', 'operation'],
      registers
    })
    this.circuit = new Gauge({
      name: 'dlp_gateway_upstream_circuit_state',
      help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'],
      registers
    })
    this.rateWait = new Histogram({
      name: 'dlp_gateway_upstream_rate_budget_wait_seconds',
      help: 'Time calls waited for the provider rate budget, by provider and budget class',
      labelNames: ['provider', 'class'],
      buckets: WAIT_BUCKETS,
      registers
    })
    this.tokens = new Counter({
      name: 'dlp_gateway_upstream_token_refreshes_total',
      help: 'Vendor token requests (ZWA API-key or OneAPI flow) by provider and outcome',
      labelNames: ['provider', 'outcome'],
      registers
    })
    this.budgetModes = new Gauge({
      name: 'dlp_gateway_upstream_budget_mode',
      help: 'Where each provider\'s vendor rate budget is kept: 0 this process, 1 shared by replicas (Redis), 2 a ' +
        'local fallback share while Redis is unreachable',
      labelNames: ['provider'],
      registers
    })
    this.vendorCalls = new Counter({
      name: 'dlp_gateway_upstream_calls_total',
      help: 'Requests sent to each provider (retries and token requests included) by purpose: sync (the incident ' +
        'mirror) or interactive (client requests, and token requests)',
      labelNames: ['provider', 'purpose'],
      registers
    })
    this.storeErrors = new Counter({
      name: 'dlp_gateway_shared_store_errors_total',
      help: 'Failed operations on the shared state store (Redis), by store and operation',
      labelNames: ['store', 'operation'],
      registers
    })
    this.audits = new Counter({
      name: 'dlp_gateway_audit_events_total',
      help: 'Audited write requests by operation and outcome (ok or the error code)',
      labelNames: ['operation', 'outcome'],
      registers
    })

    // Series that must exist before the first event, so dashboards and alerts see a zero
    // (test/observability/metrics.test.ts).
    for (const p of opts.providers) {
      for (const operation of p.operations) this.retries.labels(p.id, operation).inc(0)
      this.circuit.labels(p.id).set(0)
      this.budgetModes.labels(p.id).set(0)
      for (const purpose of PURPOSES) this.vendorCalls.labels(p.id, purpose).inc(0)
      for (const cls of p.rateClasses) this.rateWait.zero({ provider: p.id, class: cls })
      if (p.tokens) this.tokens.labels(p.id, 'ok').inc(0)
    }
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  get contentType (): string {
    return this.registry.contentType
  }

  render (): Promise<string> {
    return this.registry.metrics()
  }

  httpRequest (method: string, route: string, statusCode: number, seconds: number): void {
    this.http.observe({ method, route, status_code: statusCode }, seconds)
  }

  upstreamCall (provider: string, operation: string, outcome: UpstreamOutcome, seconds: number): void {
    this.upstream.observe({ provider, operation, outcome }, seconds)
  }

  upstreamRetry (provider: string, operation: string): void {
    this.retries.labels(provider, operation).inc()
  }

  circuitState (provider: string, state: CircuitState): void {
    this.circuit.labels(provider).set(CIRCUIT_STATE_VALUE[state])
  }

  rateBudgetWait (provider: string, cls: string, ms: number): void {
    this.rateWait.observe({ provider, class: cls }, Math.max(0, ms) / 1000)
  }

  budgetMode (provider: string, mode: BudgetMode): void {
    this.budgetModes.labels(provider).set(BUDGET_MODE_VALUE[mode])
  }

  vendorCall (provider: string, purpose: CallPurpose): void {
    this.vendorCalls.labels(provider, purpose).inc()
  }

  sharedStoreError (store: string, operation: string): void {
    this.storeErrors.labels(store, operation).inc()
  }

  tokenRefresh (provider: string, outcome: UpstreamOutcome): void {
    this.tokens.labels(provider, outcome).inc()
  }

  auditEvent (operation: string, outcome: string): void {
    this.audits.labels(operation, outcome).inc()
  }
}
