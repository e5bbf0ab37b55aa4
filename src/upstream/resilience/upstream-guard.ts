import type { Logger } from 'pino'
import { HealthTracker } from './health-tracker.ts'
import type { UpstreamResponse } from '../http/upstream-client.ts'
import { retryAfterSeconds } from '../http/upstream-errors.ts'
import type { AdapterHealth } from '../../adapters/types.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { NOOP_METRICS, type MetricsRecorder } from '../../observability/metrics.ts'
import { CircuitBreaker, type CircuitState, type Permit } from './circuit-breaker.ts'
import { Coalescer } from './coalescer.ts'
import { ConcurrencyLimiter } from './concurrency-limiter.ts'
import { deadlineExpired, deadlineOf, raceAbort, sleep, type Deadline } from './deadline.ts'
import { markLocal } from './local-errors.ts'
import { RateBudget, type Slot } from './rate-budget.ts'
import { RetryBudget } from './retry-budget.ts'
import { backoffMs, judge, type Verdict } from './retry-policy.ts'
import type { GuardSettings } from './settings.ts'

// One upstream call as the adapter describes it.
export interface CallSpec {
  operation: string // metrics label (OPERATIONS of src/observability/upstream-targets.ts)
  cls: string // rate budget class of its main exchange
  idempotent: boolean // reads, searches and token requests; never a write
  key?: string // coalescing key: identical concurrent reads share one call
}

export interface CallDeadline {
  signal?: AbortSignal // the gateway request's deadline signal
  deadline?: number // epoch ms, when the caller knows it
}

// What one attempt of a call gets: the deadline and the door to the vendor.
export interface Attempt {
  signal: AbortSignal
  deadline: number
  // One HTTP exchange, under the rate budget of `cls` and the provider's concurrency cap.
  exchange: (cls: string, send: (signal: AbortSignal) => Promise<UpstreamResponse>) => Promise<UpstreamResponse>
}

export interface GuardDeps {
  providerId: string
  now?: () => number
  random?: () => number
  metrics?: MetricsRecorder
  logger?: Logger
  requestTimeoutMs?: number // the deadline of calls made without one (limits.request_timeout_ms)
}

// The resilience mechanisms of one provider instance, composed around every upstream call:
//
//   run(): coalesce identical reads -> circuit breaker admission -> attempts, each failed one
//          judged by the retry policy (idempotency, Retry-After within max_wait_ms and the
//          deadline, exponential backoff with full jitter, the retry budget) -> breaker, health.
//   exchange(): rate budget of the endpoint class (wait up to max_wait_ms, else 503
//          upstream_rate_limited) -> concurrency cap (wait, else 503 provider_unavailable) -> HTTP.
//
// Everything honours the request's deadline: waits that do not fit are not started, and every
// wait and exchange ends when the deadline signal fires. The retry loop is hand-written because
// undici's RetryAgent retries inside one dispatch, out of reach of the rate budget (every retry
// is a request the vendor counts), the retry budget, the breaker and the ZWA re-authentication.
export class UpstreamGuard {
  readonly settings: GuardSettings
  private readonly id: string
  private readonly now: () => number
  private readonly random: () => number
  private readonly metrics: MetricsRecorder
  private readonly logger?: Logger
  private readonly requestTimeoutMs: number
  private readonly breaker: CircuitBreaker
  private readonly retryBudget: RetryBudget
  private readonly rates: RateBudget
  private readonly limiter: ConcurrencyLimiter
  private readonly coalescer = new Coalescer()
  private readonly tracker: HealthTracker
  private halfOpenTimer: NodeJS.Timeout | null = null

  constructor (settings: GuardSettings, deps: GuardDeps) {
    this.settings = settings
    this.id = deps.providerId
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
    this.metrics = deps.metrics ?? NOOP_METRICS
    this.logger = deps.logger
    this.requestTimeoutMs = deps.requestTimeoutMs ?? 30_000
    this.tracker = new HealthTracker(this.now)
    this.retryBudget = new RetryBudget(settings.retryBudget.ratio, settings.retryBudget.burst)
    this.rates = new RateBudget(settings.rateBudget, this.now)
    this.limiter = new ConcurrencyLimiter(settings.maxConcurrent, settings.maxQueue)
    this.breaker = new CircuitBreaker({
      ...settings.breaker,
      now: this.now,
      onChange: (state, previous) => this.circuitChanged(state, previous)
    })
  }

  // One logical upstream call (with its retries). `attempt` makes the exchanges and turns the
  // answer into a value or a GatewayError; it may run several times, so it must not keep state.
  async run<T> (spec: CallSpec, when: CallDeadline, attempt: (a: Attempt) => Promise<T>): Promise<T> {
    const deadline = deadlineOf(when, this.now(), this.requestTimeoutMs, this.settings.deadlineMs)
    if (spec.key !== undefined && spec.idempotent && this.settings.coalesce) {
      // The shared call runs on the first caller's deadline (all gateway requests get the same
      // timeout, so it is the earliest); each joiner still stops at its own deadline.
      const shared = this.coalescer.get<T>(spec.key)
      if (shared) return raceAbort(shared, deadline.signal, this.id)
      return this.coalescer.start(spec.key, () => this.execute(spec, deadline, attempt))
    }
    return this.execute(spec, deadline, attempt)
  }

  private async execute<T> (spec: CallSpec, deadline: Deadline, attempt: (a: Attempt) => Promise<T>): Promise<T> {
    const admission = this.breaker.admit()
    if ('retryAfterMs' in admission) throw this.circuitOpen(admission.retryAfterMs)
    const permit = admission.permit
    this.retryBudget.earn()
    const maxRetries = permit.probe ? 0 : this.settings.retries // a probe's outcome decides the circuit
    const a: Attempt = { signal: deadline.signal, deadline: deadline.at, exchange: (cls, send) => this.exchange(cls, deadline, send) }
    let retries = 0
    let previous: unknown // the upstream failure a retry was made for
    while (true) {
      try {
        const value = await attempt(a)
        this.breaker.success(permit)
        this.tracker.success()
        return value
      } catch (err) {
        const verdict = judge(err, spec.idempotent)
        if (verdict.kind === 'local') {
          // Refused before reaching the vendor. On a retry, the answer is the failure it retried.
          if (previous === undefined) {
            this.breaker.release(permit)
            throw err
          }
          this.failed(permit, previous)
          throw previous
        }
        if (verdict.kind === 'caller') {
          this.breaker.success(permit)
          throw err
        }
        const delay = this.retryDelay(verdict, retries, maxRetries, deadline)
        if (delay === null) {
          this.failed(permit, err)
          throw err
        }
        retries++
        previous = err
        this.metrics.upstreamRetry(this.id, spec.operation)
        this.logger?.debug({ provider: this.id, operation: spec.operation, retry: retries, delayMs: delay, code: (err as GatewayError).code }, 'retrying upstream call')
        try {
          await sleep(delay, deadline.signal, this.id)
        } catch {
          this.failed(permit, err)
          throw err
        }
      }
    }
  }

  // How long to wait before the next attempt, or null when there is none.
  private retryDelay (verdict: Verdict & { kind: 'failure' }, retries: number, maxRetries: number, deadline: Deadline): number | null {
    if (verdict.retry === 'no' || retries >= maxRetries) return null
    if (this.breaker.current() !== 'closed') return null // the provider is failing for everyone
    const delay = verdict.retry === 'hint'
      ? verdict.hintMs ?? 0
      : backoffMs(retries, this.settings.backoff.baseMs, this.settings.backoff.maxMs, this.random)
    if (verdict.retry === 'hint' && delay > this.settings.maxWaitMs) return null // the client gets the hint instead
    if (this.now() + delay >= deadline.at) return null
    if (!this.retryBudget.trySpend()) return null
    return delay
  }

  private failed (permit: Permit, err: unknown): void {
    this.breaker.failure(permit)
    this.tracker.failure(err)
  }

  // One HTTP exchange. Public for requests that belong to no single call: the shared ZWA token
  // request runs under the token budget but on no caller's deadline.
  async exchange (cls: string, deadline: Deadline | undefined, send: (signal: AbortSignal) => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const dl = deadline ?? deadlineOf({}, this.now(), this.requestTimeoutMs)
    const started = this.now()
    let slot: Slot
    while (true) {
      const r = this.rates.reserve(cls)
      if ('slot' in r) {
        slot = r.slot
        break
      }
      if (r.waitMs > this.settings.maxWaitMs || this.now() + r.waitMs >= dl.at) throw this.rateLimited(cls, r.waitMs)
      await sleep(r.waitMs, dl.signal, this.id)
    }
    const waited = this.now() - started
    if (waited > 0) this.metrics.rateBudgetWait(this.id, cls, waited)
    if (!await this.limiter.acquire(Math.min(this.settings.maxWaitMs, dl.at - this.now()), dl.signal)) {
      this.rates.cancel(cls, slot)
      throw dl.signal.aborted ? deadlineExpired(this.id) : this.saturated()
    }
    try {
      const res = await send(dl.signal)
      if (this.settings.pauseOnHint && (res.status === 429 || res.status === 503)) {
        const hint = this.capHint(retryAfterSeconds(res.headers, this.now()))
        if (hint !== undefined && hint > 0) this.rates.pause(cls, this.now() + hint * 1000)
      }
      return res
    } finally {
      this.rates.done(slot)
      this.limiter.release()
    }
  }

  // A vendor's Retry-After, at most resilience.max_retry_after_s: one answer (a bug, a misread
  // date) must not stop a call class, or send clients away, for a day.
  capHint (seconds: number | undefined): number | undefined {
    return seconds === undefined ? undefined : Math.min(seconds, this.settings.maxRetryAfterS)
  }

  health (): AdapterHealth {
    return this.tracker.snapshot(this.breaker.current())
  }

  circuit (): CircuitState {
    return this.breaker.current()
  }

  // Counters for tests and diagnostics.
  stats () {
    return { retryTokens: this.retryBudget.available, inFlight: this.limiter.inFlight, waiting: this.limiter.waiting, coalescing: this.coalescer.size }
  }

  close (): void {
    if (this.halfOpenTimer) clearTimeout(this.halfOpenTimer)
    this.halfOpenTimer = null
  }

  private circuitChanged (state: CircuitState, previous: CircuitState): void {
    this.metrics.circuitState(this.id, state)
    if (state === 'open') {
      this.logger?.warn({ provider: this.id, from: previous, open_ms: this.settings.breaker.openMs }, 'circuit opened: calls to the provider are refused for a while')
      // Moves the gauge to half-open on time even when no call asks meanwhile.
      if (this.halfOpenTimer) clearTimeout(this.halfOpenTimer)
      this.halfOpenTimer = setTimeout(() => { this.halfOpenTimer = null; this.breaker.current() }, this.settings.breaker.openMs)
      this.halfOpenTimer.unref()
    } else {
      this.logger?.info({ provider: this.id, from: previous, to: state }, 'circuit state changed')
    }
  }

  private circuitOpen (retryAfterMs: number): GatewayError {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    return markLocal(new GatewayError('provider_unavailable', `Provider '${this.id}' is failing, so the gateway stopped calling it for now (circuit open); retry in ${seconds} s.`, { provider: this.id, retryAfter: seconds }))
  }

  private rateLimited (cls: string, waitMs: number): GatewayError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    return markLocal(new GatewayError('upstream_rate_limited', `The gateway holds back '${cls}' calls to provider '${this.id}' to stay within the vendor's rate limit; retry in ${seconds} s.`, { provider: this.id, retryAfter: seconds }))
  }

  private saturated (): GatewayError {
    return markLocal(new GatewayError('provider_unavailable', `Provider '${this.id}' already has ${this.settings.maxConcurrent} calls in flight from this gateway; retry shortly.`, { provider: this.id, retryAfter: 1 }))
  }
}
