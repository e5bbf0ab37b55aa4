// Shared state behind idempotency records (and anything else replicas must agree on):
// in memory for one instance, in Redis when REDIS_URL is set.
export interface SharedStore {
  readonly kind: 'memory' | 'redis'
  get (key: string): Promise<string | null>
  // Sets only when absent; true when this caller set it (the lock of a first request).
  setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean>
  set (key: string, value: string, ttlMs: number): Promise<void>
  // Compare-and-set: replaces the value only while it is still exactly `expected`.
  replaceIfEquals (key: string, expected: string, value: string, ttlMs: number): Promise<boolean>
  delete (key: string): Promise<void>
  // Compare-and-delete: deletes only while the value is still exactly `expected`, so a newer
  // value written meanwhile (another replica's token, a new idempotency record) survives.
  deleteIfEquals (key: string, expected: string): Promise<boolean>
  close (): Promise<void>
}

export class StoreUnavailableError extends Error {
  constructor (cause: unknown) {
    super('shared state store unavailable', { cause })
    this.name = 'StoreUnavailableError'
  }
}

// The in-memory store is at its bound and holds nothing it may evict (spec: bounded memory).
export class StoreFullError extends StoreUnavailableError {
  constructor () {
    super(new Error('in-memory store full'))
    this.name = 'StoreFullError'
  }
}
