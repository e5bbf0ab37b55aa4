// Shared state behind idempotency records (and anything else replicas must agree on):
// in memory for one instance, in Redis when REDIS_URL is set.
export interface SharedStore {
  readonly kind: 'memory' | 'redis'
  get (key: string): Promise<string | null>
  // Sets only when absent; true when this caller set it (the lock of a first request).
  setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean>
  set (key: string, value: string, ttlMs: number): Promise<void>
  // Compare-and-set: replaces the value only while it is still exactly `expected`
  // (test/state/stores.test.ts).
  replaceIfEquals (key: string, expected: string, value: string, ttlMs: number): Promise<boolean>
  delete (key: string): Promise<void>
  // Compare-and-delete: deletes only while the value is still exactly `expected`, so a newer
  // value written meanwhile (another replica's token, a new idempotency record) survives
  // (test/state/stores.test.ts).
  deleteIfEquals (key: string, expected: string): Promise<boolean>
  // Starts listening for writes and deletes of `key` made through any store sharing this state.
  // Resolves once listening, so a read made after it cannot miss a later change. Notifications
  // are at most once (Redis pub/sub, a reconnect): waiters also re-read on a fallback timer.
  // Expiry is not a change. Never rejects: a store that cannot listen returns a watch that only
  // times out, and reports why through its error hook (test/state/change-notify.test.ts).
  watch (key: string): Promise<KeyWatch>
  close (): Promise<void>
}

export type WatchResult = 'changed' | 'timeout'

export interface KeyWatch {
  // 'changed' as soon as the key changed since the watch began (or since the last 'changed'),
  // else 'timeout' after `ms`.
  changed (ms: number): Promise<WatchResult>
  close (): void
}

// Failures no caller sees (the Redis change subscriber): `operation` names what failed.
export type StoreErrorHook = (operation: string, err: unknown) => void

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
