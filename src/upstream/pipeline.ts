import type { Logger } from 'pino'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Authenticator, Credential } from './authenticator.ts'
import type { BudgetMode, RateBudgetStore } from './budget/budget.ts'
import { PurposeBudget, type HeldSlots } from './budget/purpose-budget.ts'
import { CallCount, type VendorCalls } from './call-count.ts'
import type { CallOptions, CallPurpose } from './call-options.ts'
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './http/upstream-client.ts'
import { beforeSending, retryAfterSeconds, translateStatus, vendorMessage } from './http/upstream-errors.ts'
import { NO_UPSTREAM_METRICS, type UpstreamMetrics } from './metrics.ts'
import { expandPath, type Operation } from './operation.ts'
import { CircuitBreaker, type CircuitState, type Permit } from './resilience/circuit-breaker.ts'
import { Coalescer, requestKey } from './resilience/coalescer.ts'
import { ConcurrencyLimiter } from './resilience/concurrency-limiter.ts'
import { deadlineExpired, deadlineOf, raceAbort, sleep, type Deadline } from './resilience/deadline.ts'
import { HealthTracker, type ProviderHealth } from './resilience/health-tracker.ts'
import { markLocal } from './resilience/local-errors.ts'
import { RetryBudget } from './resilience/retry-budget.ts'
import { backoffMs, judge, type Verdict } from './resilience/retry-policy.ts'
import type { GuardSettings } from './resilience/settings.ts'
import type { UpstreamTelemetry } from './telemetry.ts'
import { scrub } from './scrub.ts'

// One vendor call as an adapter makes it: the operation's path parameters, query and body.
export interface CallInput {
  params?: Record<string, string>
  query?: Record<string, string | string[] | undefined>
  body?: unknown
  signal?: AbortSignal // this call's own signal, when it differs from the request's (a list walk)
  onSend?: () => void // hears of every request actually sent (retries and re-authentication included)
}

export interface PipelineDeps {
  providerId: string
  providerType: string
  settings: GuardSettings
  transport: UpstreamClient
  pathPrefix?: string // prepended to every operation path (ZWA's configurable /dlp/v1)
  authenticator: Authenticator
  errorMessageKey: string // where the vendor's error bodies carry their message
  // The vendor rate budget, with sync's share of it (createPurposeBudget); a bare store is the main
  // budget alone, where sync calls take no other slot.
  budget: RateBudgetStore | PurposeBudget
  telemetry?: UpstreamTelemetry
  metrics?: UpstreamMetrics
  logger?: Logger
  now?: () => number
  random?: () => number // backoff jitter (tests make it deterministic)
  requestTimeoutMs?: number // the deadline of calls made without one (limits.request_timeout_ms)
}

const USER_AGENT = 'dlp-incident-gateway/1'
const TOKEN_CONCURRENCY = 2

// The vendor refused the credential of an attempt and a new one may be fetched: the attempt is
// made once more at once (it was never processed, so this holds for writes too). Never escapes: a
// second refusal is upstream_auth_failed (test/upstream/pipeline.test.ts).
class CredentialRefused extends Error {}

// Every call to one provider instance goes through this pipeline, built once per instance, in
// this order (each stage inside the one before it):
//
//   deadline -> coalescing -> circuit breaker -> retry -> rate budget -> concurrency
//     -> authentication -> HTTP -> telemetry
//
// - deadline: the request's deadline (or limits.request_timeout_ms), capped by resilience.deadline_ms;
//   every wait and exchange ends when it fires, and a wait that does not fit is not started
//   (test/resilience/server.test.ts, test/resilience/units.test.ts).
// - coalescing: identical concurrent idempotent reads share one call (test/resilience/rate-budget.test.ts),
//   never a write's read-back (test/adapters/fresh-read.test.ts).
// - circuit breaker: refuses at once while the provider is failing; outcomes are per call
//   (test/resilience/breaker.test.ts).
// - retry: idempotent operations only (or a request that provably never left), exponential
//   backoff with full jitter or the vendor's Retry-After, within a retry budget
//   (test/resilience/units.test.ts); a refused credential is replaced and the attempt made once
//   more (test/upstream/pipeline.test.ts).
// - rate budget: the vendor's documented limits per rate class, shared by replicas with Redis
//   (test/budget/multi-process.test.ts, test/v1/replica-budget.test.ts). A sync call also takes a
//   slot of sync's share and waits for its slots up to its deadline, where an interactive call
//   waits at most max_wait_ms (src/upstream/budget/purpose-budget.ts, test/budget/sync-share.test.ts).
// - concurrency: at most max_concurrent requests in flight, a bounded deadline-aware queue
//   (test/resilience/units.test.ts).
// - authentication: the Authenticator, the only holder of credentials.
// - HTTP: one keep-alive pool per provider (src/upstream/http/upstream-client.ts).
// - telemetry: metrics and spans labelled with the operation's own name and the call's purpose;
//   every request sent is counted by purpose (vendorCalls(), test/upstream/vendor-calls.test.ts).
//
// Hand-written rather than undici's RetryAgent: that retries inside one dispatch, out of reach of
// the rate budget (every retry is a request the vendor counts), the retry budget, the breaker and
// the re-authentication. Tests: test/upstream/pipeline.test.ts, test/resilience/units.test.ts.
export class UpstreamPipeline {
  readonly providerId: string
  readonly settings: GuardSettings
  private readonly deps: PipelineDeps
  private readonly prefix: string
  private readonly now: () => number
  private readonly random: () => number
  private readonly metrics: UpstreamMetrics
  private readonly requestTimeoutMs: number
  private readonly breaker: CircuitBreaker
  private readonly retryBudget: RetryBudget
  private readonly limiter: ConcurrencyLimiter
  // Token requests have their own small limiter: a caller waits for a token inside its
  // concurrency slot, so sharing the slots could leave no slot for the token request itself.
  private readonly tokenLimiter = new ConcurrencyLimiter(TOKEN_CONCURRENCY, 1_000)
  private readonly coalescer = new Coalescer()
  private readonly tracker: HealthTracker
  private readonly budget: PurposeBudget
  private readonly calls: CallCount
  private halfOpenTimer: NodeJS.Timeout | null = null

  constructor (deps: PipelineDeps) {
    this.deps = deps
    this.providerId = deps.providerId
    this.settings = deps.settings
    this.prefix = (deps.pathPrefix ?? '').replace(/\/+$/, '')
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
    this.metrics = deps.metrics ?? NO_UPSTREAM_METRICS
    this.requestTimeoutMs = deps.requestTimeoutMs ?? 30_000
    this.tracker = new HealthTracker(this.now)
    this.budget = deps.budget instanceof PurposeBudget ? deps.budget : new PurposeBudget(deps.budget, null)
    this.calls = new CallCount(this.now)
    this.retryBudget = new RetryBudget(this.settings.retryBudget.ratio, this.settings.retryBudget.burst)
    this.limiter = new ConcurrencyLimiter(this.settings.maxConcurrent, this.settings.maxQueue)
    this.breaker = new CircuitBreaker({
      ...this.settings.breaker,
      now: this.now,
      onChange: (state, previous) => this.circuitChanged(state, previous)
    })
  }

  // One logical call (with its retries): the parsed answer of a 2xx, else a GatewayError.
  async call<T> (op: Operation<T>, input: CallInput, opts: CallOptions): Promise<T> {
    // resilience.deadline_ms is a provider's share of a gateway request; a sync call is no such
    // request and runs on its own deadline, which may cover a long wait for sync's share.
    const deadline = deadlineOf({ signal: input.signal ?? opts.signal, deadline: opts.deadline }, this.now(),
      this.requestTimeoutMs, opts.purpose === 'sync' ? undefined : this.settings.deadlineMs)
    const req: UpstreamRequest = {
      method: op.method, path: this.prefix + expandPath(op.path, input.params), query: input.query, body: input.body
    }
    if (op.idempotent && !opts.fresh && this.settings.coalesce) {
      // The shared call runs on the first caller's deadline (all gateway requests get the same
      // timeout, so it is the earliest); each joiner still stops at its own deadline. Only calls of
      // one purpose share: an interactive read never waits behind a sync read queued for sync's
      // share (test/upstream/vendor-calls.test.ts).
      const key = `${opts.purpose ?? 'interactive'} ${requestKey(req.method, req.path, req.query, req.body)}`
      const shared = this.coalescer.get<T>(key)
      if (shared) return raceAbort(shared, deadline.signal, this.providerId)
      return this.coalescer.start(key, () => this.guarded(op, req, deadline, opts, input.onSend))
    }
    return this.guarded(op, req, deadline, opts, input.onSend)
  }

  // Circuit breaker and retries around the attempts of one call.
  private async guarded<T> (
    op: Operation<T>, req: UpstreamRequest, deadline: Deadline, opts: CallOptions, onSend?: () => void
  ): Promise<T> {
    const admission = this.breaker.admit()
    if ('retryAfterMs' in admission) throw this.circuitOpen(admission.retryAfterMs)
    const permit = admission.permit
    this.retryBudget.earn()
    const maxRetries = permit.probe ? 0 : this.settings.retries // a probe's outcome decides the circuit
    let retries = 0
    let reauthenticated = false
    let previous: unknown // the upstream failure a retry was made for
    while (true) {
      try {
        const value = await this.attempt(op, req, deadline, opts, !reauthenticated, onSend)
        this.breaker.success(permit)
        this.tracker.success()
        return value
      } catch (err) {
        if (err instanceof CredentialRefused) {
          reauthenticated = true
          continue
        }
        const verdict = judge(err, op.idempotent)
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
        reauthenticated = false // each attempt may replace a refused credential once, as before
        this.metrics.upstreamRetry(this.providerId, op.name)
        this.deps.logger?.debug({
          provider: this.providerId,
          operation: op.name,
          retry: retries,
          delayMs: delay,
          code: (err as GatewayError).code
        }, 'retrying upstream call')
        try {
          await sleep(delay, deadline.signal, this.providerId)
        } catch {
          this.failed(permit, err)
          throw err
        }
      }
    }
  }

  // One attempt: an exchange, then the answer judged and parsed.
  private async attempt<T> (
    op: Operation<T>, req: UpstreamRequest, dl: Deadline, opts: CallOptions, mayReauthenticate: boolean,
    onSend?: () => void
  ): Promise<T> {
    const { res, credential } = await this.exchange(op, req, dl, opts, mayReauthenticate, onSend)
    if (res.status < 200 || res.status >= 300) {
      const message = vendorMessage(res.text, res.json, this.deps.errorMessageKey)
      const hint = this.capHint(retryAfterSeconds(res.headers, this.now()))
      throw translateStatus(this.providerId, res.status,
        scrub(message, [...this.deps.authenticator.secrets(), credential.secret]), hint)
    }
    if (res.json === undefined) {
      throw new GatewayError('upstream_error', `Provider '${this.providerId}' sent a response that is not valid JSON.`,
        { provider: this.providerId })
    }
    return op.parse(res.json, this.providerId)
  }

  // Rate budget -> concurrency -> authentication -> HTTP for one request.
  private async exchange (
    op: Operation, req: UpstreamRequest, dl: Deadline, opts: CallOptions, mayReauthenticate: boolean,
    onSend?: () => void
  ): Promise<{ res: UpstreamResponse, credential: Credential }> {
    return this.holding(op.rateClass, opts.purpose ?? 'interactive', this.limiter, dl, async (markSent) => {
      let credential: Credential
      try {
        credential = await raceAbort(this.deps.authenticator.authorize(dl.signal), dl.signal, this.providerId)
      } catch (err) {
        // The caller's own request was never sent: safe to repeat, even a write
        // (test/resilience/units.test.ts, "a write whose token request failed").
        throw beforeSending(err)
      }
      const headers: Record<string, string> = { ...credential.headers, 'user-agent': USER_AGENT }
      if (opts.requestId) headers['x-request-id'] = opts.requestId
      markSent()
      onSend?.()
      const res = await this.http(op, this.deps.transport, { ...req, headers, signal: dl.signal },
        opts.purpose ?? 'interactive')
      if ((res.status === 401 || res.status === 403) && mayReauthenticate &&
        this.deps.authenticator.refused(credential)) {
        throw new CredentialRefused()
      }
      this.pauseOnHint(op.rateClass, res)
      return { res, credential }
    })
  }

  // Rate-budget slots of `cls` for `purpose` and a place under `limiter` for `send`: the slots are
  // marked done when a request went out (the vendor counts it; so does vendorCalls()), cancelled
  // when none did, and the place is always given back (test/upstream/pipeline.test.ts,
  // test/resilience/units.test.ts).
  private async holding<T> (
    cls: string, purpose: CallPurpose, limiter: ConcurrencyLimiter, dl: Deadline,
    send: (markSent: () => void) => Promise<T>
  ): Promise<T> {
    const slots = await this.reserve(cls, purpose, dl)
    try {
      await this.acquire(limiter, dl)
    } catch (err) {
      this.budget.cancel(slots)
      throw err
    }
    let sent = false
    try {
      return await send(() => {
        sent = true
        this.calls.add(purpose)
        this.metrics.vendorCall(this.providerId, purpose)
      })
    } finally {
      if (sent) this.budget.done(slots)
      else this.budget.cancel(slots)
      limiter.release()
    }
  }

  // A request that carries no provider credential (the ZWA token request): rate budget, its own
  // concurrency limiter, HTTP and telemetry; retried by whoever needed the token. It serves calls
  // of both purposes at once (one token), so it is interactive: the main budget only.
  async sendUnauthenticated (
    op: Operation, transport: UpstreamClient, req: UpstreamRequest
  ): Promise<UpstreamResponse> {
    const dl = deadlineOf({}, this.now(), this.requestTimeoutMs)
    return this.holding(op.rateClass, 'interactive', this.tokenLimiter, dl, async (markSent) => {
      markSent()
      const res = await this.http(op, transport,
        { ...req, headers: { ...req.headers, 'user-agent': USER_AGENT }, signal: dl.signal }, 'interactive')
      this.pauseOnHint(op.rateClass, res)
      return res
    })
  }

  // HTTP, observed by the telemetry stage with the operation's own labels.
  private async http (
    op: Operation, transport: UpstreamClient, req: UpstreamRequest & { headers: Record<string, string> },
    purpose: CallPurpose
  ): Promise<UpstreamResponse> {
    const telemetry = this.deps.telemetry
    if (!telemetry?.active) return transport.request(req)
    const info = {
      provider: this.providerId,
      providerType: this.deps.providerType,
      operation: op.name,
      purpose,
      method: req.method,
      origin: transport.origin,
      path: transport.basePath + req.path
    }
    const ends = telemetry.start(info, req.headers,
      (err) => this.deps.logger?.error({ err }, 'telemetry failed on an upstream request'))
    const finish = (status: number | undefined, error: unknown) => {
      // An observer's bug never fails the call or counts against the provider
      // (test/upstream/pipeline.test.ts, "telemetry").
      for (const end of ends) {
        try {
          end(status, error)
        } catch (err) {
          this.deps.logger?.error({ err }, 'telemetry failed on an upstream request')
        }
      }
    }
    let res: UpstreamResponse
    try {
      res = await transport.request(req)
    } catch (err) {
      finish(undefined, (err as { cause?: unknown }).cause ?? err)
      throw err
    }
    finish(res.status, undefined)
    return res
  }

  // The rate budget of `cls`: slots now, a wait, or 503 upstream_rate_limited. An interactive call
  // waits at most max_wait_ms (a client is waiting); a sync call, background work, as long as its
  // deadline allows. The wait histogram is of interactive waits: sync's are long by design.
  private async reserve (cls: string, purpose: CallPurpose, dl: Deadline): Promise<HeldSlots> {
    const started = this.now()
    const maxWaitMs = purpose === 'sync' ? Infinity : this.settings.maxWaitMs
    while (true) {
      const r = await this.budget.reserve(cls, purpose)
      if ('slots' in r) {
        const waited = this.now() - started
        if (waited > 0 && purpose === 'interactive') this.metrics.rateBudgetWait(this.providerId, cls, waited)
        return r.slots
      }
      if (r.waitMs > maxWaitMs || this.now() + r.waitMs >= dl.at) throw this.rateLimited(cls, r.waitMs)
      await sleep(r.waitMs, dl.signal, this.providerId)
    }
  }

  private async acquire (limiter: ConcurrencyLimiter, dl: Deadline): Promise<void> {
    if (await limiter.acquire(Math.min(this.settings.maxWaitMs, dl.at - this.now()), dl.signal)) return
    if (dl.signal.aborted) throw deadlineExpired(this.providerId)
    throw limiter === this.tokenLimiter
      ? this.saturated(`${TOKEN_CONCURRENCY} token requests`)
      : this.saturated(`${this.settings.maxConcurrent} calls`)
  }

  // A vendor's Retry-After on 429/503 pauses the class for every caller (and replica).
  private pauseOnHint (cls: string, res: UpstreamResponse): void {
    if (!this.settings.pauseOnHint || (res.status !== 429 && res.status !== 503)) return
    const hint = this.capHint(retryAfterSeconds(res.headers, this.now()))
    if (hint !== undefined && hint > 0) this.budget.main.pause(cls, this.now() + hint * 1000)
  }

  // How long to wait before the next attempt, or null when there is none.
  private retryDelay (
    verdict: Verdict & { kind: 'failure' }, retries: number, maxRetries: number, deadline: Deadline
  ): number | null {
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

  // A vendor's Retry-After, at most resilience.max_retry_after_s: one answer (a bug, a misread
  // date) must not stop a call class, or send clients away, for a day
  // (test/resilience/retry-after-cap.test.ts).
  capHint (seconds: number | undefined): number | undefined {
    return seconds === undefined ? undefined : Math.min(seconds, this.settings.maxRetryAfterS)
  }

  health (): ProviderHealth {
    return this.tracker.snapshot(this.breaker.current())
  }

  // Where the vendor rate budget is kept now: this process, shared by replicas, or a fallback share.
  budgetMode (): BudgetMode {
    return this.budget.main.mode()
  }

  circuit (): CircuitState {
    return this.breaker.current()
  }

  // Vendor requests sent in about the last hour, by purpose (src/upstream/call-count.ts).
  vendorCalls (): VendorCalls {
    return this.calls.lastHour()
  }

  // Counters for tests and diagnostics.
  stats () {
    return {
      retryTokens: this.retryBudget.available,
      inFlight: this.limiter.inFlight,
      waiting: this.limiter.waiting,
      coalescing: this.coalescer.size
    }
  }

  async close (): Promise<void> {
    if (this.halfOpenTimer) clearTimeout(this.halfOpenTimer)
    this.halfOpenTimer = null
    await this.budget.close()
  }

  private circuitChanged (state: CircuitState, previous: CircuitState): void {
    this.metrics.circuitState(this.providerId, state)
    const log = this.deps.logger
    if (state === 'open') {
      log?.warn({ provider: this.providerId, from: previous, open_ms: this.settings.breaker.openMs },
        'circuit opened: calls to the provider are refused for a while')
      // Moves the gauge to half-open on time even when no call asks meanwhile.
      if (this.halfOpenTimer) clearTimeout(this.halfOpenTimer)
      this.halfOpenTimer = setTimeout(() => {
        this.halfOpenTimer = null
        this.breaker.current()
      }, this.settings.breaker.openMs)
      this.halfOpenTimer.unref()
    } else {
      log?.info({ provider: this.providerId, from: previous, to: state }, 'circuit state changed')
    }
  }

  private circuitOpen (retryAfterMs: number): GatewayError {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    return markLocal(new GatewayError('provider_unavailable',
      `Provider '${this.providerId}' is failing, so the gateway stopped calling it for now (circuit open); ` +
      `retry in ${seconds} s.`,
      { provider: this.providerId, retryAfter: seconds }))
  }

  private rateLimited (cls: string, waitMs: number): GatewayError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    return markLocal(new GatewayError('upstream_rate_limited',
      `The gateway holds back '${cls}' calls to provider '${this.providerId}' to stay within the vendor's rate ` +
      `limit; retry in ${seconds} s.`,
      { provider: this.providerId, retryAfter: seconds }))
  }

  private saturated (what: string): GatewayError {
    return markLocal(new GatewayError('provider_unavailable',
      `Provider '${this.providerId}' already has ${what} in flight ` +
      'from this gateway; retry shortly.',
      { provider: this.providerId, retryAfter: 1 }))
  }
}
