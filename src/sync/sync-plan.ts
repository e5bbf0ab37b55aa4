import type { ProviderTypeValue } from '../schemas/enums.ts'
import type { StatusValue } from '../schemas/enums.ts'

// How sync detects changes at each vendor (docs/sync.md), as data:
// - discovery: both vendors filter on creation time, so new incidents come from a window
//   [last poll - lookback, now) walked newest first;
// - Cloudlock filters on update time: every change comes from an `updated_after` window with the
//   same overlap;
// - ZWA cannot filter on update time: incidents in a non-final status are re-read (a status-filtered
//   search, then one read per known open incident the search did not return: closed or deleted
//   since), and a slow full walk spread over reconcile_interval_h sees edits to closed incidents and
//   deletions.
export interface SyncPlan {
  updates: 'updated_after' | 'open_recheck'
  reconcile: boolean
}

export const SYNC_PLANS: Record<ProviderTypeValue, SyncPlan> = {
  cloudlock: { updates: 'updated_after', reconcile: false },
  zwa: { updates: 'open_recheck', reconcile: true }
}

// Non-final normalized statuses: what the open re-check searches for.
export const OPEN_STATUSES: StatusValue[] = ['new', 'in_progress']
// What a known incident may be in and still need a direct read (an unmapped status may be open).
export const RECHECK_STATUSES: string[] = ['new', 'in_progress', 'unknown']
