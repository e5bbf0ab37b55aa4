import { GatewayError } from '../../errors/gateway-error.ts'
import type { NativePosition } from '../types.ts'

export const PAGE_SIZE = 100 // the vendor's maximum; fixed for a whole walk so page numbers stay valid

// Where a ZWA walk stands, two ways at once:
// - pageId/page/index: the snapshot page to re-request and how many of its items are consumed
//   (cheap: one bounded refetch of that page);
// - b/s: a keyset (createdAt in ms of the last consumed item, and how many items with exactly
//   that createdAt are consumed; s 0 means nothing at b yet), used when the pageId has expired: a fresh search ending at b+1 ms
//   whose first s items are skipped continues the walk without gaps or duplicates.
// e: the exclusive end (ms) of the search that created pageId, when it differs from the walk's
//   upper bound (after a keyset restart), so a later request repeats that search's body exactly.
// A type alias, not an interface, so it is assignable to the JSON-shaped NativePosition.
export type ZwaPosition = {
  pageId: string | null
  page: number
  index: number
  b: string
  s: number
  e?: string
}

const MS = /^-?\d{1,16}$/
const KEYS = new Set(['pageId', 'page', 'index', 'b', 's', 'e'])
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max

export function readPosition (position: NativePosition | null): ZwaPosition | null {
  if (position === null) return null
  const p = position as Partial<ZwaPosition>
  const valid = Object.keys(position).every((k) => KEYS.has(k)) &&
    (p.pageId === null || (typeof p.pageId === 'string' && /^[\x21-\x7e]{1,200}$/.test(p.pageId))) &&
    isInt(p.page, 0, 10_000_000) && isInt(p.index, 0, PAGE_SIZE) &&
    typeof p.b === 'string' && MS.test(p.b) && isInt(p.s, 0, Number.MAX_SAFE_INTEGER) &&
    (p.e === undefined || (typeof p.e === 'string' && MS.test(p.e)))
  if (!valid) throw new GatewayError('invalid_cursor', 'The cursor holds an invalid ZWA position.')
  return p as ZwaPosition
}

// The keyset after consuming one more item created at `createdMs`.
export function nextKeyset (prev: { b: string, s: number } | null, createdMs: number): { b: string, s: number } {
  const b = String(createdMs)
  return prev && prev.b === b ? { b, s: prev.s + 1 } : { b, s: 1 }
}
