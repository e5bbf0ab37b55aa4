import type { NativePosition, StreamItem } from '../adapters/types.ts'

// Incidents a provider returned beyond what a page consumed, kept briefly so the next page of
// the same walk starts from them instead of fetching them again. Keyed by everything that
// determines a stream (provider, filter digest, pinned bound, resume position), so a hit is exactly
// the continuation the adapter would have returned (test/services/read-ahead-cache.test.ts). Bounded
// by item count and age; per process (another replica simply misses and fetches).
export interface Buffered {
  items: StreamItem[]
  exhausted: boolean
  // Position after everything examined: the last item, or further when the gateway filtered.
  tail: NativePosition | null
}

interface Entry extends Buffered {
  storedAt: number
}

export class ReadAheadCache {
  private readonly entries = new Map<string, Entry>()
  private items = 0
  private readonly maxItems: number
  private readonly ttlMs: number
  private readonly now: () => number

  constructor (opts: { maxItems?: number, ttlMs?: number, now?: () => number } = {}) {
    this.maxItems = opts.maxItems ?? 20_000
    this.ttlMs = opts.ttlMs ?? 30_000
    this.now = opts.now ?? Date.now
  }

  static key (provider: string, digest: string, pin: string, position: NativePosition | null): string {
    return `${provider}\u0000${digest}\u0000${pin}\u0000${JSON.stringify(position)}`
  }

  // A hit is removed: a continuation is used once, and the page that uses it stores its own rest.
  take (key: string): Buffered | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.remove(key, entry)
    return this.now() - entry.storedAt <= this.ttlMs ? entry : undefined
  }

  put (key: string, value: Buffered): void {
    if (value.items.length === 0 && !value.exhausted) return
    if (value.items.length > this.maxItems) return
    const old = this.entries.get(key)
    if (old) this.remove(key, old)
    // Continuations nobody took (a walk abandoned, a client gone) leave once expired, not only when
    // the item budget needs room: the soak filled it to 20,000 incidents (~57 MB of heap) with them
    // (test/services/read-ahead-expiry.test.ts). Insertion order is storage order.
    const now = this.now()
    for (const [k, e] of this.entries) {
      if (now - e.storedAt <= this.ttlMs) break
      this.remove(k, e)
    }
    this.entries.set(key, { ...value, storedAt: now })
    this.items += value.items.length
    // Oldest entries go first (Map keeps insertion order).
    for (const [k, e] of this.entries) {
      if (this.items <= this.maxItems) break
      this.remove(k, e)
    }
  }

  clear (): void {
    this.entries.clear()
    this.items = 0
  }

  get size (): number {
    return this.entries.size
  }

  private remove (key: string, entry: Entry): void {
    this.entries.delete(key)
    this.items -= entry.items.length
  }
}
