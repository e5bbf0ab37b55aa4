import type { SharedStore } from './shared-store.ts'

interface Entry { value: string, expiresAt: number }

// One process's state; expired entries are dropped on read and by a periodic sweep.
export class MemoryStore implements SharedStore {
  readonly kind = 'memory' as const
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly sweeper: NodeJS.Timeout

  constructor (now: () => number = Date.now) {
    this.now = now
    this.sweeper = setInterval(() => this.sweep(), 60_000)
    this.sweeper.unref()
  }

  private live (key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  private sweep (): void {
    const now = this.now()
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }

  async get (key: string): Promise<string | null> {
    return this.live(key)?.value ?? null
  }

  async setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs })
    return true
  }

  async set (key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs })
  }

  async delete (key: string): Promise<void> {
    this.entries.delete(key)
  }

  async close (): Promise<void> {
    clearInterval(this.sweeper)
  }
}
