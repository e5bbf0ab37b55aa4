// Shared state behind idempotency records (and anything else replicas must agree on):
// in memory for one instance, in Redis when REDIS_URL is set.
export interface SharedStore {
  readonly kind: 'memory' | 'redis'
  get (key: string): Promise<string | null>
  // Sets only when absent; true when this caller set it (the lock of a first request).
  setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean>
  set (key: string, value: string, ttlMs: number): Promise<void>
  delete (key: string): Promise<void>
  close (): Promise<void>
}

export class StoreUnavailableError extends Error {
  constructor (cause: unknown) {
    super('shared state store unavailable', { cause })
    this.name = 'StoreUnavailableError'
  }
}
