// The one interface the upstream pipeline calls for a provider's vendor rate budget, whichever
// store keeps it: this process (LocalRateBudget) or Redis, shared by every replica
// (SharedRateBudget, which falls back to a reduced local share while Redis is away).
//
// Semantics, whatever the store: each endpoint class has windows such as {limit: 30, ms: 60 000}.
// A request holds a slot from the moment it is sent until `ms` after it completed: the vendor saw
// it somewhere in between, so whatever window the vendor counts in (fixed or sliding, aligned to
// any clock), it never holds more than `limit` of the gateway's requests
// (test/budget/local-rate-budget.test.ts, test/budget/shared-model.test.ts).

export interface BudgetWindow { limit: number, ms: number }

export interface BudgetSlot { readonly cls: string } // opaque to callers

export type Reservation = { slot: BudgetSlot } | { waitMs: number }

// local: no shared store configured; shared: Redis holds the budget of all replicas;
// fallback: the shared store is unreachable, this replica uses its local share.
export type BudgetMode = 'local' | 'shared' | 'fallback'

export interface RateBudgetStore {
  // A slot now, or how long until one frees (never throws: test/budget/fallback.test.ts,
  // test/upstream/budget-observers.test.ts).
  reserve (cls: string): Promise<Reservation>
  // The request completed (answer, error or abort): its slot expires a window from now. Fire-and-forget.
  done (slot: BudgetSlot): void
  // The request was never sent: its slot is free again at once (test/budget/shared-rate-budget.test.ts).
  cancel (slot: BudgetSlot): void
  // A vendor Retry-After: nothing of this class before `until` (epoch ms), on every replica.
  pause (cls: string, until: number): void
  mode (): BudgetMode
  // Checks the shared store now (at start-up), so the mode is true before the first vendor call.
  probe? (): Promise<void>
  close (): Promise<void>
}

// Operations named in onStoreError, so a log line or a metric says which one failed.
export type BudgetOperation = 'reserve' | 'done' | 'cancel' | 'pause' | 'probe'

// Pauses shorter than this are treated as over: a caller that slept for a Retry-After may wake a
// millisecond "early" by the clock's rounding.
export const PAUSE_TOLERANCE_MS = 10
