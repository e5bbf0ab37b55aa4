import { CALLER_CODES, isGatewayError } from '../../errors/gateway-error.ts'
import type { CircuitState } from './circuit-breaker.ts'

// A provider's health as GET /v1/providers and /readyz show it.
export interface ProviderHealth {
  status: 'ok' | 'degraded' | 'unavailable' | 'unknown'
  circuit: CircuitState
  last_error: { code: string, detail: string, at: string } | null
}

// Remembers the outcome of the last upstream call for GET /v1/providers and /readyz. Caller mistakes
// (404, 422) say nothing about the provider's health and are not counted
// (test/adapters/http/health-tracker.test.ts).
export class HealthTracker {
  private lastOk = false
  private lastError: ProviderHealth['last_error'] = null
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
    if (CALLER_CODES.has(code)) return
    this.failing = true
    this.lastError = {
      code,
      detail: isGatewayError(err) ? err.detail : 'upstream failure',
      at: new Date(this.now()).toISOString()
    }
  }

  // `circuit` is the provider's breaker state: open means the gateway refuses to call it
  // (unavailable); half-open means it is being probed after failures (degraded).
  snapshot (circuit: CircuitState = 'closed'): ProviderHealth {
    const status = circuit === 'open'
      ? 'unavailable'
      : circuit === 'half_open' || this.failing ? 'degraded' : this.lastOk ? 'ok' : 'unknown'
    return { status, circuit, last_error: this.lastError }
  }
}
