// What the pipeline records besides exchanges (those go through src/upstream/telemetry.ts).
// src/observability/metrics.ts implements it; upstream code never imports observability (it imports
// this file, so such an import would be the folder cycle test/scripts/architecture.test.ts refuses).
import type { CircuitState } from './resilience/circuit-breaker.ts'
import type { BudgetMode } from './budget/budget.ts'
import type { CallPurpose } from './call-options.ts'

export type { BudgetMode, CallPurpose, CircuitState }

export interface UpstreamMetrics {
  upstreamRetry (provider: string, operation: string): void
  circuitState (provider: string, state: CircuitState): void
  rateBudgetWait (provider: string, cls: string, ms: number): void
  budgetMode (provider: string, mode: BudgetMode): void
  vendorCall (provider: string, purpose: CallPurpose): void // each request sent, retries and tokens included
}

export const NO_UPSTREAM_METRICS: UpstreamMetrics = {
  upstreamRetry () {},
  circuitState () {},
  rateBudgetWait () {},
  budgetMode () {},
  vendorCall () {},
}
