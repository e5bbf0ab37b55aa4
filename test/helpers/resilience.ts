import type { ResilienceConfig } from '../../src/config/resilience.ts'

type Classes = Record<string, { per_minute: number, per_hour: number }>

// A provider's `resilience` section for tests: no retries, no breaker, no waiting, no coalescing,
// the given rate classes (off unless `enabled`); `over` changes any of it.
export function testResilience (classes: Classes, over: Partial<Omit<ResilienceConfig, 'rate_budget'>> = {},
  enabled = false): ResilienceConfig {
  return {
    retries: 0,
    retry_budget_ratio: 0,
    retry_budget_burst: 0,
    backoff: { base_ms: 1, max_ms: 1 },
    max_retry_after_s: 300,
    max_wait_ms: 0,
    breaker: { failure_threshold: 0, open_ms: 1_000, half_open_probes: 1 },
    max_queue: 10,
    coalesce: false,
    ...over,
    rate_budget: { enabled, fallback_share: 0.25, ...classes }
  } as ResilienceConfig
}
