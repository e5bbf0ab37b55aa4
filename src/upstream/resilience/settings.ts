import type { BudgetConfig, ResilienceConfig } from '../../config/resilience.ts'
import type { BudgetWindow } from '../budget/budget.ts'

// The guard's settings, in milliseconds and plain numbers, from a provider's `resilience`
// configuration section.
export interface GuardSettings {
  retries: number
  retryBudget: { ratio: number, burst: number }
  backoff: { baseMs: number, maxMs: number }
  maxWaitMs: number
  deadlineMs?: number
  breaker: { failureThreshold: number, openMs: number, halfOpenProbes: number }
  rateBudget: Record<string, BudgetWindow[]> // per endpoint class; empty = no local budget
  rateBudgetFallbackShare: number // with Redis: this replica's share of each limit while Redis is away
  pauseOnHint: boolean // a vendor Retry-After on 429/503 pauses that class for everyone
  maxRetryAfterS: number // ... for at most this long, whatever the vendor said
  maxConcurrent: number // 0 = unlimited
  maxQueue: number
  coalesce: boolean
}

const MINUTE = 60_000
const HOUR = 3_600_000

// No retries, no breaker, no budgets, no coalescing: an adapter built without a resilience
// section (unit tests, programmatic use) talks to its vendor exactly as its code says. Configured
// providers always have the section: the configuration schema fills in its defaults
// (test/resilience/units.test.ts, "unguarded adapters").
export const UNGUARDED: GuardSettings = {
  retries: 0,
  retryBudget: { ratio: 0, burst: 0 },
  backoff: { baseMs: 100, maxMs: 2_000 },
  maxWaitMs: 0,
  breaker: { failureThreshold: 0, openMs: 30_000, halfOpenProbes: 1 },
  rateBudget: {},
  rateBudgetFallbackShare: 0.25,
  pauseOnHint: false,
  maxRetryAfterS: 86_400,
  maxConcurrent: 0,
  maxQueue: 0,
  coalesce: false
}

export function guardSettings (config: ResilienceConfig | undefined, maxConnections: number): GuardSettings {
  if (!config) return UNGUARDED
  const rateBudget: Record<string, BudgetWindow[]> = {}
  const { enabled, fallback_share: fallbackShare, ...classes } = config.rate_budget
  if (enabled) {
    for (const [name, budget] of Object.entries(classes as Record<string, BudgetConfig>)) {
      rateBudget[name] = [{ limit: budget.per_minute, ms: MINUTE }, { limit: budget.per_hour, ms: HOUR }]
        .filter((w) => w.limit > 0)
    }
  }
  return {
    retries: config.retries,
    retryBudget: { ratio: config.retry_budget_ratio, burst: config.retry_budget_burst },
    backoff: { baseMs: config.backoff.base_ms, maxMs: config.backoff.max_ms },
    maxWaitMs: config.max_wait_ms,
    deadlineMs: config.deadline_ms,
    breaker: {
      failureThreshold: config.breaker.failure_threshold,
      openMs: config.breaker.open_ms,
      halfOpenProbes: config.breaker.half_open_probes
    },
    rateBudget,
    rateBudgetFallbackShare: fallbackShare,
    pauseOnHint: true,
    maxRetryAfterS: config.max_retry_after_s,
    maxConcurrent: config.max_concurrent ?? maxConnections,
    maxQueue: config.max_queue,
    coalesce: config.coalesce
  }
}
