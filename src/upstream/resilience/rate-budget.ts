// TEMPORARY bridge: the synchronous API upstream-guard.ts was written against, over
// LocalRateBudget (src/upstream/budget/). It goes when the guard becomes the pipeline that calls the
// async RateBudgetStore (issue 15); nothing else may import it.
import type { BudgetWindow } from '../budget/budget.ts'
import { LocalRateBudget, type LocalSlot } from '../budget/local-rate-budget.ts'

export type Slot = LocalSlot

export class RateBudget {
  private readonly local: LocalRateBudget

  constructor (limits: Record<string, BudgetWindow[]>, now: () => number) {
    this.local = new LocalRateBudget(limits, now)
  }

  reserve (cls: string): { slot: Slot } | { waitMs: number } {
    return this.local.reserveNow(cls)
  }

  done (slot: Slot): void {
    this.local.done(slot)
  }

  cancel (_cls: string, slot: Slot): void {
    this.local.cancel(slot)
  }

  pause (cls: string, until: number): void {
    this.local.pause(cls, until)
  }
}
