import type { KeyWatch, WatchResult } from './shared-store.ts'

// One listener on one key. A change that arrives while nobody is waiting is remembered, so a
// caller that watches, reads, then waits never misses a write made between the read and the wait
// (test/state/change-notify.test.ts, test/state/idempotency-wait.test.ts).
class Watcher implements KeyWatch {
  private dirty = false
  private wake: (() => void) | null = null
  private readonly hub: ChangeHub
  private readonly key: string

  constructor (hub: ChangeHub, key: string) {
    this.hub = hub
    this.key = key
  }

  fire (): void {
    this.dirty = true
    this.wake?.()
  }

  changed (ms: number): Promise<WatchResult> {
    if (this.dirty) {
      this.dirty = false
      return Promise.resolve('changed')
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null
        resolve('timeout')
      }, Math.max(0, ms))
      this.wake = () => {
        clearTimeout(timer)
        this.wake = null
        this.dirty = false
        resolve('changed')
      }
    })
  }

  close (): void {
    this.hub.remove(this.key, this)
    this.wake?.() // a waiter still pending returns rather than hanging until its timer
  }
}

// In-process fan-out of key changes to their watchers: the memory store fires it on each write,
// the Redis store on each message of its change channel.
export class ChangeHub {
  private readonly watchers = new Map<string, Set<Watcher>>()

  watch (key: string): KeyWatch {
    const watcher = new Watcher(this, key)
    let set = this.watchers.get(key)
    if (!set) this.watchers.set(key, set = new Set())
    set.add(watcher)
    return watcher
  }

  remove (key: string, watcher: Watcher): void {
    const set = this.watchers.get(key)
    if (!set) return
    set.delete(watcher)
    if (set.size === 0) this.watchers.delete(key)
  }

  notify (key: string): void {
    const set = this.watchers.get(key)
    if (set) for (const watcher of set) watcher.fire()
  }

  // After a gap in which notifications may have been lost (a subscriber reconnect): every
  // watcher re-reads. A spurious wake costs one read; a missed one would cost a fallback poll.
  notifyAll (): void {
    for (const set of this.watchers.values()) for (const watcher of set) watcher.fire()
  }

  // Keys with at least one watcher, for tests: a closed watch must not leak
  // (test/state/change-notify.test.ts).
  get size (): number {
    return this.watchers.size
  }
}
