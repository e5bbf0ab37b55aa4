// A per-provider retry budget (a token bucket, like Finagle's RetryBudget or gRPC's retry
// throttling): every call earns `ratio` of a retry, every retry spends one, and the bucket holds
// at most `burst`. Over any long stretch retries stay below `ratio` of calls (plus one burst), so
// during an outage retries cannot multiply the load on a provider that is already failing
// (test/resilience/units.test.ts).
export class RetryBudget {
  private tokens: number
  private readonly ratio: number
  private readonly burst: number

  constructor (ratio: number, burst: number) {
    this.ratio = ratio
    this.burst = burst
    this.tokens = burst // a fresh gateway may retry its first failures
  }

  // One call started (not a retry).
  earn (): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio)
  }

  // True when a retry may be made; spends it.
  trySpend (): boolean {
    if (this.tokens < 1 - 1e-9) return false // 5 x 0.2 is one retry, floating point or not
    this.tokens = Math.max(0, this.tokens - 1)
    return true
  }

  get available (): number {
    return this.tokens
  }
}
