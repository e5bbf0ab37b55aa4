export type CircuitState = 'closed' | 'half_open' | 'open'

export interface BreakerOptions {
  // Consecutive failed calls that open the circuit; 0 = never open (test/resilience/units.test.ts).
  failureThreshold: number
  openMs: number // how long an open circuit refuses calls
  halfOpenProbes: number // trial calls let through while half-open; that many successes close it
  now: () => number
  onChange?: (state: CircuitState, previous: CircuitState) => void
}

// What admit() hands out: whether this call is a half-open probe (probes are not retried, and
// their outcome decides the circuit).
export interface Permit {
  probe: boolean
}

export type Admission = { permit: Permit } | { retryAfterMs: number }

// A consecutive-failure circuit breaker per provider: closed -> open after `failureThreshold`
// failed calls in a row; open refuses everything for `openMs`; then half-open lets
// `halfOpenProbes` calls through; they all succeed -> closed, one fails -> open again.
// Hand-written (about 80 lines) because opossum is not a dependency and wraps a function per
// breaker, while here one breaker must see every call of a provider, including calls whose
// outcome is decided after retries and whose caller-side errors (404, 422) count as successes.
// Outcomes are reported per call (after its retries), not per attempt, so one slow call with
// two retries is one failure, not three (test/upstream/breaker-per-call.test.ts; the states:
// test/resilience/units.test.ts, test/resilience/breaker.test.ts).
export class CircuitBreaker {
  private state: CircuitState = 'closed'
  private failures = 0
  private openUntil = 0
  private probesInFlight = 0
  private probeSuccesses = 0
  private readonly opts: BreakerOptions

  constructor (opts: BreakerOptions) {
    this.opts = opts
  }

  get enabled (): boolean {
    return this.opts.failureThreshold > 0
  }

  // The state now; an open circuit whose time is up becomes half-open here.
  current (): CircuitState {
    if (this.state === 'open' && this.opts.now() >= this.openUntil) this.move('half_open')
    return this.state
  }

  admit (): Admission {
    const state = this.current()
    if (state === 'closed') return { permit: { probe: false } }
    if (state === 'open') return { retryAfterMs: this.openUntil - this.opts.now() }
    if (this.probesInFlight + this.probeSuccesses >= this.opts.halfOpenProbes) return { retryAfterMs: 1000 }
    this.probesInFlight++
    return { permit: { probe: true } }
  }

  // The provider answered (a caller-side refusal such as 404 counts: the provider works).
  success (permit: Permit): void {
    if (permit.probe) {
      this.probesInFlight = Math.max(0, this.probesInFlight - 1)
      if (this.state !== 'half_open') return
      this.probeSuccesses++
      if (this.probeSuccesses >= this.opts.halfOpenProbes) this.move('closed')
    } else if (this.state === 'closed') {
      this.failures = 0
    }
  }

  failure (permit: Permit): void {
    if (!this.enabled) return
    if (permit.probe) {
      this.probesInFlight = Math.max(0, this.probesInFlight - 1)
      if (this.state === 'half_open') this.trip()
    } else if (this.state === 'closed') {
      this.failures++
      if (this.failures >= this.opts.failureThreshold) this.trip()
    }
  }

  // No exchange took place (refused locally): a probe slot is given back.
  release (permit: Permit): void {
    if (permit.probe) this.probesInFlight = Math.max(0, this.probesInFlight - 1)
  }

  private trip (): void {
    this.openUntil = this.opts.now() + this.opts.openMs
    this.move('open')
  }

  private move (state: CircuitState): void {
    const previous = this.state
    this.state = state
    this.failures = 0
    this.probesInFlight = 0
    this.probeSuccesses = 0
    if (previous !== state) this.opts.onChange?.(state, previous)
  }
}
