import type { KeyWatch, SharedStore } from './shared-store.ts'

// Who used the shared store when it failed: the `store` label of
// dlp_gateway_shared_store_errors_total.
export type StoreUser = 'idempotency' | 'rate_limit' | 'token' | 'rate_budget' | 'write_lock'

// Logs and counts one failed shared-store operation. Callers may still carry on without the
// store (the token cache, the fail-open rate limit); the failure itself is never silent
// (test/state/store-errors.test.ts).
export type StoreErrorReporter = (user: StoreUser, operation: string, err: unknown) => void

// What the metrics recorder needs for the counter above: app.metrics (src/observability/metrics.ts),
// a no-op when metrics are off. An app without a metrics decorator passes {}: nothing is counted.
export interface StoreErrorMetrics {
  sharedStoreError (store: StoreUser, operation: string): void
}

interface Logger { warn (obj: object, msg: string): void }

const LOG_EVERY_MS = 10_000

// The reporter behind app.reportStoreError. Every failure is counted; the log has at most one
// line per user and operation every 10 s (with how many were not logged), so an outage at
// thousands of requests a second does not flood the logs. No key or value is logged: only the
// user, the operation and the error's name and message (Redis client errors carry host and
// port, never the password).
export function storeErrorReporter (log: Logger, metrics: Partial<StoreErrorMetrics>,
  now: () => number = Date.now): StoreErrorReporter {
  const last = new Map<string, { at: number, suppressed: number }>()
  return (user, operation, err) => {
    metrics.sharedStoreError?.(user, operation)
    const id = `${user} ${operation}`
    const seen = last.get(id)
    if (seen && now() - seen.at < LOG_EVERY_MS) {
      seen.suppressed++
      return
    }
    last.set(id, { at: now(), suppressed: 0 })
    log.warn({ store: user, operation, suppressed: seen?.suppressed ?? 0, err: describe(err) },
      'shared store operation failed')
  }
}

// The error and its causes (StoreUnavailableError wraps the client's error), by name and message.
function describe (err: unknown): { name: string, message: string } {
  const parts: string[] = []
  let name = 'Error'
  for (let e = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (depth === 0) name = e.name
    parts.push(e.message)
  }
  return { name, message: parts.length > 0 ? parts.join(': ') : String(err) }
}

// The shared store as one user sees it: every operation that rejects is reported under the
// user's name, then rejects as before. Closing the view leaves the shared store open.
export function reportingStore (store: SharedStore, user: StoreUser, report: StoreErrorReporter): SharedStore {
  const wrap = <T>(operation: string, call: () => Promise<T>): Promise<T> => call().catch((err: unknown) => {
    report(user, operation, err)
    throw err
  })
  return {
    kind: store.kind,
    get: (key) => wrap('get', () => store.get(key)),
    setIfAbsent: (key, value, ttlMs) => wrap('setIfAbsent', () => store.setIfAbsent(key, value, ttlMs)),
    set: (key, value, ttlMs) => wrap('set', () => store.set(key, value, ttlMs)),
    replaceIfEquals: (key, expected, value, ttlMs) =>
      wrap('replaceIfEquals', () => store.replaceIfEquals(key, expected, value, ttlMs)),
    delete: (key) => wrap('delete', () => store.delete(key)),
    deleteIfEquals: (key, expected) => wrap('deleteIfEquals', () => store.deleteIfEquals(key, expected)),
    watch: (key): Promise<KeyWatch> => wrap('watch', () => store.watch(key)),
    close: async () => {}
  }
}
