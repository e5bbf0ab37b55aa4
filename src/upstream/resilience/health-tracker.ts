import { isGatewayError } from '../../errors/gateway-error.ts'
import type { AdapterHealth } from '../../adapters/types.ts'

// Remembers the outcome of the last upstream call for GET /v1/providers and /readyz. Caller mistakes
// (404, 422) say nothing about the provider's health and are not counted.
export class HealthTracker {
  private lastOk = false
  private lastError: AdapterHealth['last_error'] = null
  private failing = false
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  success (): void {
    this.lastOk = true
    this.failing = false
  }

  failure (err: unknown): void {
    const code = isGatewayError(err) ? err.code : 'upstream_error'
    if (code === 'not_found' || code === 'unsupported_value' || code === 'capability_not_supported' || code === 'validation_failed') return
    this.failing = true
    this.lastError = { code, detail: isGatewayError(err) ? err.detail : 'upstream failure', at: new Date(this.now()).toISOString() }
  }

  // `circuit` is the provider's breaker state: open means the gateway refuses to call it
  // (unavailable); half-open means it is being probed after failures (degraded).
  snapshot (circuit: AdapterHealth['circuit'] = 'closed'): AdapterHealth {
    const status = circuit === 'open' ? 'unavailable' : circuit === 'half_open' || this.failing ? 'degraded' : this.lastOk ? 'ok' : 'unknown'
    return { status, circuit, last_error: this.lastError }
  }
}
