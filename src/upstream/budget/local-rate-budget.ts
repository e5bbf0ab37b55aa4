// A rate budget kept in this process: the whole budget for a single replica, or a replica's
// share while the shared store is unreachable (shared-rate-budget.ts).
//
// Each class has windows such as {limit: 30, ms: 60 000} and {limit: 1000, ms: 3 600 000}. A
// request holds a slot from the moment it is sent until `ms` after it completed: the vendor saw it
// somewhere in between, so whatever window the vendor counts in (fixed or sliding, aligned to any
// clock), it never holds more than `limit` of the gateway's requests (test/budget/local-rate-budget.test.ts,
// and test/resilience/rate-budget.test.ts against the simulator). Hand-written because the
// limit must cover in-flight requests and be asked "how long until a slot frees" (to wait briefly
// or answer 503 with that Retry-After), which general-purpose limiters do not offer.
//
// A vendor's own Retry-After pauses the class (`pause`), so the calls behind the one that was
// told to wait do not hit the vendor meanwhile.
import {
  type BudgetMode, type BudgetSlot, type BudgetWindow, PAUSE_TOLERANCE_MS, type RateBudgetStore, type Reservation
} from './budget.ts'

export class LocalSlot implements BudgetSlot {
  readonly cls: string
  end: number | null = null // null while the request is in flight

  constructor (cls: string) {
    this.cls = cls
  }
}

interface ClassState {
  windows: Array<BudgetWindow & { slots: LocalSlot[] }>
  pausedUntil: number
}

export class LocalRateBudget implements RateBudgetStore {
  private readonly classes = new Map<string, ClassState>()
  private readonly now: () => number

  constructor (limits: Record<string, BudgetWindow[]>, now: () => number = Date.now) {
    this.now = now
    for (const [name, windows] of Object.entries(limits)) {
      const limited = windows.filter((w) => w.limit > 0).map((w) => ({ ...w, slots: [] }))
      this.classes.set(name, { windows: limited, pausedUntil: 0 })
    }
  }

  private state (cls: string): ClassState {
    let state = this.classes.get(cls)
    if (!state) {
      state = { windows: [], pausedUntil: 0 } // unlimited, but a vendor hint can still pause it
      this.classes.set(cls, state)
    }
    return state
  }

  reserve (cls: string): Promise<Reservation> {
    return Promise.resolve(this.reserveNow(cls))
  }

  // reserve() without the promise, for callers that hold the budget in the same process.
  reserveNow (cls: string): { slot: LocalSlot } | { waitMs: number } {
    const state = this.state(cls)
    const now = this.now()
    let waitMs = this.pausedFor(cls)
    for (const w of state.windows) {
      w.slots = w.slots.filter((s) => s.end === null || s.end + w.ms > now)
      if (w.slots.length < w.limit) continue
      // The (n - limit + 1)th earliest expiry lets one more in; an in-flight slot frees at the
      // earliest a full window after now.
      const expiries = w.slots.map((s) => (s.end === null ? now : s.end) + w.ms).sort((a, b) => a - b)
      waitMs = Math.max(waitMs, expiries[w.slots.length - w.limit] - now)
    }
    if (waitMs > 0) return { waitMs }
    const slot = new LocalSlot(cls)
    for (const w of state.windows) w.slots.push(slot)
    return { slot }
  }

  done (slot: BudgetSlot): void {
    if (slot instanceof LocalSlot) slot.end ??= this.now()
  }

  cancel (slot: BudgetSlot): void {
    if (!(slot instanceof LocalSlot)) return
    for (const w of this.state(slot.cls).windows) w.slots = w.slots.filter((s) => s !== slot)
  }

  pause (cls: string, until: number): void {
    const state = this.state(cls)
    state.pausedUntil = Math.max(state.pausedUntil, until)
  }

  // How long this class is still paused (0: not paused, or within the tolerance of its end).
  pausedFor (cls: string): number {
    const left = (this.classes.get(cls)?.pausedUntil ?? 0) - this.now()
    return left > PAUSE_TOLERANCE_MS ? left : 0
  }

  mode (): BudgetMode {
    return 'local'
  }

  async close (): Promise<void> {}

  // Requests counted in the class's tightest window (for tests and diagnostics).
  inWindow (cls: string): number {
    const now = this.now()
    const w = this.state(cls).windows[0]
    return w ? w.slots.filter((s) => s.end === null || s.end + w.ms > now).length : 0
  }
}
