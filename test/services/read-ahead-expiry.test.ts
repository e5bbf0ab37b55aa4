import t from 'tap'
import type { StreamItem } from '../../src/adapters/types.ts'
import { ReadAheadCache } from '../../src/services/read-ahead-cache.ts'

const items = (n: number): StreamItem[] => Array.from({ length: n }, (_, i) =>
  ({ incident: { id: `p:${i}` } as StreamItem['incident'], createdMicros: BigInt(n - i), after: { i } }))

// Abandoned continuations are never taken: they must leave once expired, or they pile up to the
// item budget (what the soak's heap snapshots showed: 20,000 incidents kept).
t.test('expired continuations leave on the next store, not when the budget is full', async (t) => {
  let now = 0
  const cache = new ReadAheadCache({ maxItems: 20_000, ttlMs: 30_000, now: () => now })
  for (let i = 0; i < 50; i++) cache.put(`abandoned-${i}`, { items: items(75), exhausted: false, tail: null })
  t.equal(cache.size, 50)
  now = 31_000
  cache.put('fresh', { items: items(75), exhausted: false, tail: null })
  t.equal(cache.size, 1, 'only the live continuation is kept')
  t.equal(cache.take('fresh')?.items.length, 75)
})
