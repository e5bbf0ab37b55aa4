// What a caller hands every upstream call of one gateway request.
export interface CallOptions {
  signal?: AbortSignal // the gateway request's deadline
  deadline?: number // epoch ms of that deadline, when known
  requestId?: string // forwarded upstream as X-Request-Id
  // Never share a coalesced read: a write's read-back must see the vendor's state now
  // (test/adapters/fresh-read.test.ts).
  fresh?: boolean
}
