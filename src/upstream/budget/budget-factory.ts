import type { Redis } from 'ioredis'
import type { BudgetMode, BudgetOperation, BudgetWindow, RateBudgetStore } from './budget.ts'
import { LocalRateBudget } from './local-rate-budget.ts'
import { PurposeBudget } from './purpose-budget.ts'
import { SharedRateBudget } from './shared-rate-budget.ts'

export interface RateBudgetOptions {
  providerId: string
  windowsByClass: Record<string, BudgetWindow[]>
  redis?: Redis // set: shared by every replica; unset: this process holds the whole budget
  // Share of each limit this replica may use while Redis is unreachable (resilience.rate_budget.fallback_share).
  fallbackShare: number
  now?: () => number
  leaseMs?: number // longest request: a dead replica's in-flight slot frees this long after it was taken
  keyPrefix?: string
  onStoreError?: (err: unknown, operation: BudgetOperation) => void
  onModeChange?: (mode: BudgetMode) => void
}

// The local budget of one replica while the shared store is away: each limit times `share`,
// rounded down (never above the share), but at least one request per window, so an outage of
// Redis slows a class down without closing it (test/budget/shared-rate-budget.test.ts, "fallback
// windows"). With the default share of 0.25 and the shipped autoscaler's 3 to 12 replicas,
// 3 or 4 replicas in fallback stay within the vendor's budget (for limits of 4 or more: the floor
// of one request per window can exceed a smaller one); more may exceed it by up to share x
// replicas (3x at 12) until Redis is back, and the vendor's 429s with Retry-After then pause the
// class on each replica.
export function fallbackWindows (
  windowsByClass: Record<string, BudgetWindow[]>, share: number
): Record<string, BudgetWindow[]> {
  return shareWindows(windowsByClass, share)
}

// Each limit times `share`, rounded down but at least one request per window: a replica's
// fallback share (above) and sync's share of the budget (purpose-budget.ts) alike.
export function shareWindows (
  windowsByClass: Record<string, BudgetWindow[]>, share: number
): Record<string, BudgetWindow[]> {
  const out: Record<string, BudgetWindow[]> = {}
  for (const [cls, windows] of Object.entries(windowsByClass)) {
    out[cls] = windows.filter((w) => w.limit > 0)
      .map((w) => ({ limit: Math.max(1, Math.floor(w.limit * share)), ms: w.ms }))
  }
  return out
}

export function createRateBudget (options: RateBudgetOptions): RateBudgetStore {
  if (!options.redis) return new LocalRateBudget(options.windowsByClass, options.now)
  return new SharedRateBudget({
    redis: options.redis,
    providerId: options.providerId,
    windowsByClass: options.windowsByClass,
    fallbackWindows: fallbackWindows(options.windowsByClass, options.fallbackShare),
    now: options.now,
    leaseMs: options.leaseMs,
    keyPrefix: options.keyPrefix,
    onStoreError: options.onStoreError,
    onModeChange: options.onModeChange
  })
}

// A provider's main budget and sync's share of it (purpose-budget.ts), as every pipeline builds
// them. Sync's share is kept under its own keys (`<providerId>:sync`), so replicas share it too, and
// falls back like the main budget; its mode follows the same Redis, so only the main budget reports
// mode changes. Without limits (rate_budget.enabled false) there is nothing to share: no sync budget.
export function createPurposeBudget (options: RateBudgetOptions & { syncShare: number }): PurposeBudget {
  const { syncShare, ...main } = options
  const limited = Object.values(options.windowsByClass).some((ws) => ws.some((w) => w.limit > 0))
  const sync = limited
    ? createRateBudget({
      ...main,
      providerId: `${options.providerId}:sync`,
      windowsByClass: shareWindows(options.windowsByClass, syncShare),
      onModeChange: undefined
    })
    : null
  return new PurposeBudget(createRateBudget(main), sync)
}
