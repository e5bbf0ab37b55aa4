import { Type, type Static, type TSchema } from 'typebox'

// The `resilience` section of a provider instance (README, docs/reliability.md). Every field has a
// default, so an instance without the section gets the documented behaviour; the rate budget's
// defaults are the vendor's documented limits (ZWA reference §5/§10) or off where the vendor
// documents none (Cloudlock reference §9).
const closed = { additionalProperties: false } as const

const Budget = (perMinute: number, perHour: number, what: string) => Type.Object({
  per_minute: Type.Integer({
    minimum: 0, maximum: 1_000_000, default: perMinute, description: `${what}: requests in any 60 s (0 = no limit)`
  }),
  per_hour: Type.Integer({
    minimum: 0, maximum: 10_000_000, default: perHour, description: `${what}: requests in any hour (0 = no limit)`
  })
}, { ...closed, default: {} })

// fallback_share: a replica cannot count its peers while Redis is away, so each one takes a fixed
// share. 0.25 because the shipped autoscaler runs 3 to 12 replicas: 3 or 4 replicas stay within the
// vendor's budget, and a larger fleet's excess during an outage meets the vendor's Retry-After
// (src/upstream/budget/budget-factory.ts; test/budget/fallback.test.ts).
const budgetSection = <C extends Record<string, TSchema>>(classes: C) => Type.Object({
  enabled: Type.Boolean({
    default: true, description: 'false: no local budget (Retry-After hints are still honoured)'
  }),
  fallback_share: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.25,
    description: 'with Redis: share of each limit one replica uses while Redis is unreachable (at least 1 per window)'
  }),
  ...classes
}, { ...closed, default: {} })

// ZWA weighs endpoints (reference §5): light = GETs and close, medium = search, notes, labels and
// group search, token = the API-key token endpoint.
export const ZwaRateBudget = budgetSection({
  light: Budget(30, 1000, 'GET endpoints and close'),
  medium: Budget(20, 400, 'search, notes, labels, group search'),
  token: Budget(20, 400, 'token endpoint')
})

// Cloudlock documents per-endpoint limits without numbers: off unless configured.
export const CloudlockRateBudget = budgetSection({
  default: Budget(0, 0, 'every Cloudlock call')
})

const common = {
  retries: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 2,
    description: 'retries of one idempotent call (reads, token) after a transient failure'
  }),
  retry_budget_ratio: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.2,
    description: 'retries earned per call: over time retries stay below this share of calls'
  }),
  retry_budget_burst: Type.Integer({
    minimum: 0, maximum: 10_000, default: 10, description: 'retries that may be spent at once (the token bucket size)'
  }),
  backoff: Type.Object({
    base_ms: Type.Integer({
      minimum: 1, maximum: 60_000, default: 100, description: 'first backoff ceiling; doubles per retry (full jitter)'
    }),
    max_ms: Type.Integer({ minimum: 1, maximum: 60_000, default: 2_000, description: 'largest backoff ceiling' })
  }, { ...closed, default: {} }),
  max_retry_after_s: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'longest pause one vendor Retry-After may impose on a call class (and the longest Retry-After ' +
      'passed on to clients)'
  }),
  max_wait_ms: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 2_000,
    description: 'longest a call waits for the rate budget, a concurrency slot or a Retry-After before giving up ' +
      'with 503'
  }),
  deadline_ms: Type.Optional(Type.Integer({
    minimum: 100,
    maximum: 600_000,
    description: 'this provider\'s share of a gateway request; default: limits.request_timeout_ms'
  })),
  breaker: Type.Object({
    failure_threshold: Type.Integer({
      minimum: 0,
      maximum: 1_000,
      default: 5,
      description: 'consecutive failed calls that open the circuit (0 = no breaker)'
    }),
    open_ms: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 30_000,
      description: 'how long an open circuit refuses calls before probing'
    }),
    half_open_probes: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 1,
      description: 'trial calls let through while half-open; all must succeed to close'
    })
  }, { ...closed, default: {} }),
  max_concurrent: Type.Optional(Type.Integer({
    minimum: 1, maximum: 1024, description: 'upstream calls in flight at once; default: max_connections'
  })),
  max_queue: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    default: 1_000,
    description: 'calls waiting for a concurrency slot; more are refused at once'
  }),
  coalesce: Type.Boolean({ default: true, description: 'identical concurrent reads share one upstream call' })
}

export const ZwaResilience = Type.Optional(Type.Object(
  { ...common, rate_budget: ZwaRateBudget },
  { ...closed, default: {} }
))
export const CloudlockResilience = Type.Optional(Type.Object(
  { ...common, rate_budget: CloudlockRateBudget },
  { ...closed, default: {} }
))

export type ResilienceConfig = Static<typeof ZwaResilience> | Static<typeof CloudlockResilience>
export type BudgetConfig = { per_minute: number, per_hour: number }
