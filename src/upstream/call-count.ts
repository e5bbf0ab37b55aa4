import type { CallPurpose } from './call-options.ts'

// Vendor requests sent in about the last hour, by purpose (GET /v1/providers `sync.vendor_calls_last_hour`).
// Sixty per-minute buckets: a request counts from when it is sent until its minute is more than 59
// whole minutes old, so "the last hour" is 59 to 60 minutes, and memory stays fixed however
// many requests are sent (test/upstream/call-count.test.ts).
export interface VendorCalls {
  sync_last_hour: number
  interactive_last_hour: number
}

const MINUTE = 60_000
const BUCKETS = 60

interface Bucket { minute: number, sync: number, interactive: number }

export class CallCount {
  private readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({ minute: -1, sync: 0, interactive: 0 }))
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  add (purpose: CallPurpose): void {
    const minute = Math.floor(this.now() / MINUTE)
    const b = this.buckets[minute % BUCKETS]
    if (b.minute !== minute) Object.assign(b, { minute, sync: 0, interactive: 0 })
    b[purpose]++
  }

  lastHour (): VendorCalls {
    const minute = Math.floor(this.now() / MINUTE)
    const out: VendorCalls = { sync_last_hour: 0, interactive_last_hour: 0 }
    for (const b of this.buckets) {
      if (b.minute > minute - BUCKETS && b.minute <= minute) {
        out.sync_last_hour += b.sync
        out.interactive_last_hour += b.interactive
      }
    }
    return out
  }
}
