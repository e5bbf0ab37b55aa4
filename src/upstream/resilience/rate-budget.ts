// Upstream rate budgets per endpoint class, so the gateway stays inside a vendor's documented
// limits instead of collecting 429s (and getting the tenant throttled).
//
// Each class has windows such as {limit: 30, ms: 60 000} and {limit: 1000, ms: 3 600 000}. A
// request holds a slot from the moment it is sent until `ms` after it completed: the vendor saw it
// somewhere in between, so whatever window the vendor counts in (fixed or sliding, aligned to any
// clock), it never holds more than `limit` of the gateway's requests. Hand-written because the
// limit must cover in-flight requests and be asked "how long until a slot frees" (to wait briefly
// or answer 503 with that Retry-After), which general-purpose limiters do not offer.
//
// A vendor's own Retry-After pauses the class (`pause`), so the calls behind the one that was
// told to wait do not hit the vendor meanwhile.

export interface BudgetWindow {
  limit: number
  ms: number
}

export interface Slot {
  end: number | null // null while the request is in flight
}

interface ClassState {
  windows: Array<BudgetWindow & { slots: Slot[] }>
  pausedUntil: number
}

export type Reservation = { slot: Slot } | { waitMs: number }

// Pauses shorter than this are treated as over: a caller that slept for a Retry-After may wake a
// millisecond "early" by the clock's rounding.
const PAUSE_TOLERANCE_MS = 10

export class RateBudget {
  private readonly classes = new Map<string, ClassState>()
  private readonly now: () => number

  constructor (limits: Record<string, BudgetWindow[]>, now: () => number) {
    this.now = now
    for (const [name, windows] of Object.entries(limits)) {
      this.classes.set(name, { windows: windows.filter((w) => w.limit > 0).map((w) => ({ ...w, slots: [] })), pausedUntil: 0 })
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

  hasLimits (cls: string): boolean {
    return (this.classes.get(cls)?.windows.length ?? 0) > 0
  }

  // A slot now, or how long until one frees up.
  reserve (cls: string): Reservation {
    const state = this.state(cls)
    const now = this.now()
    let waitMs = state.pausedUntil - now > PAUSE_TOLERANCE_MS ? state.pausedUntil - now : 0
    for (const w of state.windows) {
      w.slots = w.slots.filter((s) => s.end === null || s.end + w.ms > now)
      if (w.slots.length < w.limit) continue
      // The (n - limit + 1)th earliest expiry lets one more in; an in-flight slot frees at the
      // earliest a full window after now.
      const expiries = w.slots.map((s) => (s.end === null ? now : s.end) + w.ms).sort((a, b) => a - b)
      waitMs = Math.max(waitMs, expiries[w.slots.length - w.limit] - now)
    }
    if (waitMs > 0) return { waitMs }
    const slot: Slot = { end: null }
    for (const w of state.windows) w.slots.push(slot)
    return { slot }
  }

  // The request completed (answer, error or abort): its slot expires a window from now.
  done (slot: Slot): void {
    slot.end ??= this.now()
  }

  // The request was never sent: the slot is free again.
  cancel (cls: string, slot: Slot): void {
    for (const w of this.state(cls).windows) w.slots = w.slots.filter((s) => s !== slot)
  }

  // The vendor asked for a pause (429/503 with Retry-After): nothing of this class before `until`.
  pause (cls: string, until: number): void {
    const state = this.state(cls)
    state.pausedUntil = Math.max(state.pausedUntil, until)
  }

  // Requests counted in the class's tightest window (for tests and diagnostics).
  inWindow (cls: string): number {
    const now = this.now()
    const w = this.state(cls).windows[0]
    return w ? w.slots.filter((s) => s.end === null || s.end + w.ms > now).length : 0
  }
}
