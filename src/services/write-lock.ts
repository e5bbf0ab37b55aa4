import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../util/hash.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { KeyWatch, SharedStore } from '../state/shared-store.ts'

// One incident's write lock (spec section 11; docs/writes.md): writes to one incident through the
// gateway, on any replica, run one at a time, so a conditional write's read, compare and write are
// never interleaved with another gateway write of that incident.
//
// The lock is a key in the shared store (Redis with REDIS_URL, else this process's memory) set only
// when absent, with a random token and a TTL; it is released by compare-and-delete, so a holder whose
// TTL ran out never deletes its successor's lock. What it does not give: a fence at the vendor. The
// vendors take no token, so a holder stalled past its TTL (a paused process) may still send its write
// after a successor took the lock; the TTL is the longest a write may run (its deadline) plus a
// margin, which a write that honours its deadline cannot outlive. Writes at the vendor console are
// never serialized with ours: between our read and our write is the window that remains.

export const LOCK_PREFIX = 'wlock:'
const POLL_MS = 250 // a missed release notification costs at most this much waiting

export interface WriteLockOptions {
  ttlMs: number // longest a holder may keep the lock
}

export interface HeldLock { release (): Promise<void> }

export class WriteLocks {
  readonly #store: SharedStore
  readonly #ttlMs: number

  constructor (store: SharedStore, opts: WriteLockOptions) {
    this.#store = store
    this.#ttlMs = opts.ttlMs
  }

  // Waits for the lock until `deadline` (epoch ms); 503 service_unavailable when it passes.
  async acquire (incidentId: string, deadline: number, ttlMs = this.#ttlMs): Promise<HeldLock> {
    const key = `${LOCK_PREFIX}${sha256Hex(incidentId)}`
    const token = randomBytes(12).toString('base64url')
    let watch: KeyWatch | null = null
    try {
      while (true) {
        if (await this.#store.setIfAbsent(key, token, ttlMs)) {
          return { release: async () => { await this.#store.deleteIfEquals(key, token) } }
        }
        const left = deadline - Date.now()
        if (left <= 0) {
          throw new GatewayError('service_unavailable',
            'Another write to this incident is still running; retry shortly.', { retryAfter: 1 })
        }
        watch ??= await this.#store.watch(key)
        await watch.changed(Math.min(POLL_MS, left))
      }
    } finally {
      watch?.close()
    }
  }
}
