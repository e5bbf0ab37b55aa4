import { createHash } from 'node:crypto'

// How a simulated vendor orders incidents that share one creation time. Neither vendor documents
// it, and the gateway must not depend on it: 'id' (descending, the default), 'reverse' (ascending)
// or 'scrambled' (a fixed order that follows no field, as a hash-partitioned store would give).
// The gateway's walks are exact under each (test/adapters/cloudlock/list.test.ts,
// test/adapters/zwa/list-walk.test.ts: "page caps and tie orders").
export type TieOrder = 'id' | 'reverse' | 'scrambled'

const scramble = (id: string): string => createHash('sha256').update(id).digest('hex')

// Compares two ids of equal-timestamp incidents for a newest-first list.
export function compareTies (a: string, b: string, order: TieOrder): number {
  const [x, y] = order === 'scrambled' ? [scramble(a), scramble(b)] : [a, b]
  const desc = x < y ? 1 : x > y ? -1 : 0
  return order === 'reverse' ? -desc : desc
}
