// A provider's vendor rate budget as the pipeline sees it: the main budget, and sync's share of it
// (spec section 9: sync spends at most `budget_share` of each vendor limit).
//
// An interactive call takes a slot of the main budget, as it always did. A sync call takes a slot
// of the sync budget, whose windows are each limit x budget_share (shareWindows: rounded down, at
// least one), AND one of the main budget. So sync holds at most its share of any window, sync and
// interactive calls together at most the limit, and interactive calls always keep the rest
// (test/budget/sync-share.test.ts; across replicas through Redis: test/budget/sync-share-shared.test.ts).
//
// The sync slot is taken first; when the main budget then refuses, it is cancelled at once. A call
// never holds one slot while it waits for the other: no deadlock between waiting sync calls, and
// no sync slot left behind by a refusal (test/budget/sync-share.test.ts, "a refusal leaks nothing").
import type { BudgetSlot, RateBudgetStore } from './budget.ts'

export interface HeldSlots {
  readonly main: BudgetSlot
  readonly sync?: BudgetSlot // only for a sync call of a provider with limits
}

export type PurposeReservation = { slots: HeldSlots } | { waitMs: number }

export class PurposeBudget {
  readonly main: RateBudgetStore
  // null: no limits (rate_budget.enabled false, or no limited class), so nothing to share.
  readonly sync: RateBudgetStore | null

  constructor (main: RateBudgetStore, sync: RateBudgetStore | null) {
    this.main = main
    this.sync = sync
  }

  // Slots now, or how long until the refusing budget may have one (never throws, like the stores).
  // `purpose` is CallOptions.purpose, spelled out: this folder imports nothing from the pipeline's.
  async reserve (cls: string, purpose: 'interactive' | 'sync'): Promise<PurposeReservation> {
    if (purpose === 'sync' && this.sync) {
      const share = await this.sync.reserve(cls)
      if (!('slot' in share)) return share
      const main = await this.main.reserve(cls)
      if ('slot' in main) return { slots: { main: main.slot, sync: share.slot } }
      this.sync.cancel(share.slot)
      return main
    }
    const main = await this.main.reserve(cls)
    return 'slot' in main ? { slots: { main: main.slot } } : main
  }

  // The request completed: both slots expire a window from now.
  done (held: HeldSlots): void {
    this.main.done(held.main)
    if (held.sync) this.sync?.done(held.sync)
  }

  // The request was never sent: both slots are free again.
  cancel (held: HeldSlots): void {
    this.main.cancel(held.main)
    if (held.sync) this.sync?.cancel(held.sync)
  }

  async close (): Promise<void> {
    await Promise.all([this.main.close(), this.sync?.close()])
  }
}
