// What the sync-share tests check, whatever drives the budget: the requests a vendor could count in
// one window. A request may be counted at any instant between its send and its end, so a vendor
// window [t, t + ms), aligned to any clock, holds every request with start < t + ms and end >= t.
// The most such a window can hold is reached with t at some request's end (for a set of requests
// that share a window, the latest t that still works is their earliest end).
import type { CallPurpose } from '../../src/upstream/call-options.ts'

export interface Sent {
  purpose: CallPurpose
  cls: string
  start: number
  end: number | null // null: still in flight when the run ended
}

export function mostInAnyWindow (sent: readonly Sent[], ms: number, endOfRun: number): number {
  const spans = sent.map((s) => ({ start: s.start, end: s.end ?? endOfRun }))
  let most = 0
  for (const { end: t } of spans) {
    const n = spans.filter((s) => s.end >= t && s.start < t + ms).length
    if (n > most) most = n
  }
  return most
}

// Sync's limit in a window of `limit`: its share rounded down, at least one.
export const syncLimit = (limit: number, share: number): number => Math.max(1, Math.floor(limit * share))
