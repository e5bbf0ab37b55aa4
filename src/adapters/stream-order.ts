import { GatewayError } from '../errors/gateway-error.ts'
import type { NativePosition } from './types.ts'

// The order every provider stream follows (spec section 5): newest created_at first, equal
// timestamps by native id, descending (numerically for Cloudlock's digit ids). Vendors only promise
// the first half: Cloudlock and ZWA order by creation time and say nothing of ties. So a stream
// holds back the incidents of the oldest timestamp it has read until it has seen something older
// (or the vendor's end), sorts each complete group, and only then hands it on. A position then
// names what was consumed instead of counting it.

// Native ids compare as numbers when both are digit strings (Cloudlock), else as strings (ZWA).
// The merge never compares two incidents of one provider, so this order is the stream's alone.
export function compareNativeIds (a: string, b: string): number {
  if (DIGITS.test(a) && DIGITS.test(b) && a.length !== b.length) return a.length < b.length ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}
const DIGITS = /^\d+$/

// Identity position: every incident created after `b` (µs since epoch, as a decimal string) is
// consumed, and of those created exactly at `b`, the ones whose native id sorts at or above `l`;
// `l` '' means the whole instant `b` is consumed (its group was read complete).
// It stays exact whatever enters, leaves or is deleted between pages, and costs O(1) in a cursor
// (test/v1/walk-property.test.ts drives ties, filter churn, caps and replicas against it).
export type IdentityPosition = { b: string, l: string }

const MICROS = /^-?\d{1,20}$/
const MAX_ID = 64

export function readIdentity (position: NativePosition | null, provider: string): IdentityPosition | null {
  if (position === null) return null
  const { b, l } = position as Partial<IdentityPosition>
  const keys = Object.keys(position)
  if (keys.length !== 2 || typeof b !== 'string' || !MICROS.test(b) || typeof l !== 'string' || l.length > MAX_ID) {
    throw new GatewayError('invalid_cursor', `The cursor holds an invalid position for provider '${provider}'. ` +
      'Start the listing again without a cursor.')
  }
  return { b, l }
}

// True when the incident was already consumed at `pos` (or lies above the walk there).
export function consumedBy (pos: IdentityPosition | null, micros: bigint, nativeId: string): boolean {
  if (pos === null) return false
  const b = BigInt(pos.b)
  return micros > b || (micros === b && (pos.l === '' || compareNativeIds(nativeId, pos.l) >= 0))
}

// The exclusive upper creation-time bound of the query that resumes after `pos`.
export const resumeBound = (pos: IdentityPosition): bigint => (pos.l === '' ? BigInt(pos.b) : BigInt(pos.b) + 1n)

export interface Candidate<T> {
  nativeId: string
  micros: bigint
  value: T
}

// Stream order: newest first, equal timestamps by native id descending.
export function streamOrder<T> (a: Candidate<T>, b: Candidate<T>): number {
  if (a.micros !== b.micros) return a.micros > b.micros ? -1 : 1
  return compareNativeIds(b.nativeId, a.nativeId)
}

// Collects vendor records (fed newest first, ties in any order, re-reads allowed) into complete
// timestamp groups. The open group is the oldest timestamp seen so far: it may continue on the
// next vendor page, so it is released only by an older record or by close().
export class TieGroups<T> {
  private open: Array<Candidate<T>> = []
  private readonly openIds = new Set<string>()
  private at: bigint | null = null

  get openAt (): bigint | null {
    return this.at
  }

  get openSize (): number {
    return this.open.length
  }

  // True when the record is already in the open group (read again by an overlapping query).
  holds (nativeId: string, micros: bigint): boolean {
    return micros === this.at && this.openIds.has(nativeId)
  }

  // Returns the groups this record completed, in stream order. A record already in the open
  // group (a re-read of the overlap) is ignored; one newer than the open group means the vendor
  // broke its own creation-time order, which no position could survive.
  add (c: Candidate<T>, provider: string): Array<Candidate<T>> {
    if (this.at === null || c.micros === this.at) {
      if (this.openIds.has(c.nativeId)) return []
      this.at = c.micros
      this.open.push(c)
      this.openIds.add(c.nativeId)
      return []
    }
    if (c.micros > this.at) {
      throw new GatewayError('upstream_error',
        `Provider '${provider}' returned incidents out of creation-time order.`, { provider })
    }
    const done = this.close()
    this.at = c.micros
    this.open.push(c)
    this.openIds.add(c.nativeId)
    return done
  }

  // The open group is complete (the vendor reached its end, or the whole group was read).
  close (): Array<Candidate<T>> {
    const done = this.open.sort(streamOrder)
    this.open = []
    this.openIds.clear()
    this.at = null
    return done
  }
}
