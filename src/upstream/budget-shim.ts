// TEMPORARY: the per-process rate budget behind the async interface the pipeline uses, until the
// shared budget (src/upstream/budget/) lands.
import { RateBudget, type BudgetWindow, type Slot } from './resilience/rate-budget.ts'
export interface BudgetSlot { readonly cls: string }
export type Reservation = { slot: BudgetSlot } | { waitMs: number }
export type BudgetMode = 'local' | 'shared' | 'fallback'
export interface RateBudgetStore {
  reserve (cls: string): Promise<Reservation>
  done (slot: BudgetSlot): void
  cancel (slot: BudgetSlot): void
  pause (cls: string, until: number): void
  mode (): BudgetMode
  close (): Promise<void>
}

export function createRateBudget (opts: { windowsByClass: Record<string, BudgetWindow[]>, now: () => number }): RateBudgetStore {
  const budget = new RateBudget(opts.windowsByClass, opts.now)
  const slots = new WeakMap<BudgetSlot, Slot>()
  return {
    async reserve (cls) {
      const r = budget.reserve(cls)
      if ('waitMs' in r) return r
      const slot = { cls }
      slots.set(slot, r.slot)
      return { slot }
    },
    done (slot) { const s = slots.get(slot); if (s) budget.done(s) },
    cancel (slot) { const s = slots.get(slot); if (s) budget.cancel(slot.cls, s) },
    pause: (cls, until) => budget.pause(cls, until),
    mode: () => 'local',
    close: async () => {}
  }
}
