// Simulators read time through a Clock so tests can move it deterministically.
export type Clock = () => number // ms since epoch

export const systemClock: Clock = () => Date.now()

// A hand-driven clock for tests: starts at `start` and only moves when told to
// (test/simulators/common/random.test.ts).
export interface ManualClock {
  clock: Clock
  set: (ms: number) => void
  advance: (ms: number) => void
}

export function createManualClock (start: number): ManualClock {
  let now = start
  return {
    clock: () => now,
    set: (ms) => { now = ms },
    advance: (ms) => { now += ms }
  }
}
