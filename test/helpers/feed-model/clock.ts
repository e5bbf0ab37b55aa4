// One clock for everything in the process: the gateway (sync, the mirror, write-through, rate
// budgets) and both simulators. It runs at real speed from an offset that tests move forward, so
// re-checks and reconciles (minutes to hours apart) are due at once.
//
// Why the whole Date is shifted rather than passing AppDeps.changeFeed.now: that hook reaches sync
// only. The mirror (last_checked, in src/mirror/mirror-store.ts) and the write-through of gateway
// writes (observedAt, in src/services/incident-service.ts) read the system clock, so with sync's
// clock ahead a write's observation is older than sync's and is dropped as stale
// (test/sync/feed-model.test.ts, "changeFeed.now reaches the write-through"). Import this module
// before anything else so that no module keeps the real Date.
const RealDate = globalThis.Date
let offsetMs = 0

class ShiftedDate extends RealDate {
  constructor (...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offsetMs)
    else super(...(args as [string]))
  }

  static now (): number {
    return RealDate.now() + offsetMs
  }
}

globalThis.Date = ShiftedDate as DateConstructor

export const clock = {
  now: (): number => RealDate.now() + offsetMs,
  advance: (ms: number): void => {
    if (ms < 0) throw new Error('the shared clock only moves forward')
    offsetMs += ms
  },
  // Real milliseconds, for measuring the test itself.
  real: (): number => RealDate.now()
}
