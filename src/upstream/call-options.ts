// Why a vendor call is made: for a client waiting on a gateway request, or for the background
// sync of the incident mirror, which may spend only its share of each vendor rate budget
// (src/upstream/budget/purpose-budget.ts).
export type CallPurpose = 'interactive' | 'sync'

// What a caller hands every upstream call of one gateway request.
export interface CallOptions {
  signal?: AbortSignal // the gateway request's deadline
  deadline?: number // epoch ms of that deadline, when known
  requestId?: string // forwarded upstream as X-Request-Id
  // Never share a coalesced read: a write's read-back must see the vendor's state now
  // (test/adapters/fresh-read.test.ts).
  fresh?: boolean
  // Default interactive. A sync call waits for its share of the rate budget up to its deadline
  // (default limits.request_timeout_ms; resilience.deadline_ms does not apply: src/upstream/pipeline.ts).
  purpose?: CallPurpose
}
