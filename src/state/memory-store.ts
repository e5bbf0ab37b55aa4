import { ChangeHub } from './change-hub.ts'
import { type KeyWatch, type SharedStore, StoreFullError } from './shared-store.ts'

interface Entry { value: string, expiresAt: number, bytes: number }

// A bound on the keys under `prefix` (idempotency records): at most `maxEntries` of them and
// `maxBytes` of key and value (UTF-8). A write over the bound first evicts the oldest entries
// `evictable` allows (completed records); when nothing may go, the write is refused
// (test/state/stores.test.ts).
export interface MemoryBound {
  prefix: string
  maxEntries: number
  maxBytes: number
  evictable: (value: string) => boolean
}

// One process's state; expired entries are dropped on read and by a periodic sweep.
export class MemoryStore implements SharedStore {
  readonly kind = 'memory' as const
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly bound?: MemoryBound
  private readonly sweeper: NodeJS.Timeout
  private readonly changes = new ChangeHub()
  private boundedCount = 0
  private boundedBytes = 0

  constructor (now: () => number = Date.now, bound?: MemoryBound) {
    this.now = now
    this.bound = bound
    this.sweeper = setInterval(() => this.sweep(), 60_000)
    this.sweeper.unref()
  }

  // Entries and bytes under the bound, for tests and diagnostics.
  usage (): { entries: number, bytes: number } {
    return { entries: this.boundedCount, bytes: this.boundedBytes }
  }

  private bounded (key: string): boolean {
    return this.bound !== undefined && key.startsWith(this.bound.prefix)
  }

  private remove (key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    if (this.bounded(key)) {
      this.boundedCount--
      this.boundedBytes -= entry.bytes
    }
  }

  private live (key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.expiresAt <= this.now()) {
      this.remove(key)
      return undefined
    }
    return entry
  }

  private sweep (): void {
    const now = this.now()
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.remove(key)
  }

  // Stores `value`; insertion order is write order, so the first evictable entry is the oldest.
  private put (key: string, value: string, ttlMs: number): void {
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value)
    if (this.bound && this.bounded(key)) this.makeRoom(key, bytes, this.bound)
    this.remove(key)
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs, bytes })
    if (this.bounded(key)) {
      this.boundedCount++
      this.boundedBytes += bytes
    }
  }

  private makeRoom (key: string, bytes: number, bound: MemoryBound): void {
    const old = this.entries.get(key)
    const fits = () => this.boundedCount - (old ? 1 : 0) + 1 <= bound.maxEntries &&
      this.boundedBytes - (old?.bytes ?? 0) + bytes <= bound.maxBytes
    if (fits()) return
    this.sweep()
    const victims: string[] = []
    let count = this.boundedCount - (old ? 1 : 0) + 1
    let total = this.boundedBytes - (old?.bytes ?? 0) + bytes
    for (const [k, entry] of this.entries) {
      if (count <= bound.maxEntries && total <= bound.maxBytes) break
      if (k === key || !this.bounded(k) || !bound.evictable(entry.value)) continue
      victims.push(k)
      count--
      total -= entry.bytes
    }
    // Nothing is evicted for a write that would not fit anyway.
    if (count > bound.maxEntries || total > bound.maxBytes) throw new StoreFullError()
    for (const k of victims) this.remove(k)
  }

  async get (key: string): Promise<string | null> {
    return this.live(key)?.value ?? null
  }

  async setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false
    this.put(key, value, ttlMs)
    this.changes.notify(key)
    return true
  }

  async set (key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs)
    this.changes.notify(key)
  }

  async replaceIfEquals (key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false
    this.put(key, value, ttlMs)
    this.changes.notify(key)
    return true
  }

  async delete (key: string): Promise<void> {
    if (!this.live(key)) return
    this.remove(key)
    this.changes.notify(key)
  }

  async deleteIfEquals (key: string, expected: string): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false
    this.remove(key)
    this.changes.notify(key)
    return true
  }

  async watch (key: string): Promise<KeyWatch> {
    return this.changes.watch(key)
  }

  // Keys being watched, for tests.
  get watchedKeys (): number {
    return this.changes.size
  }

  async close (): Promise<void> {
    clearInterval(this.sweeper)
  }
}
