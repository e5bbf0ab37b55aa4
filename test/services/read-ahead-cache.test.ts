import t from 'tap'
import type { StreamItem } from '../../src/adapters/types.ts'
import { ReadAheadCache } from '../../src/services/read-ahead-cache.ts'

const items = (n: number): StreamItem[] => Array.from({ length: n }, (_, i) => ({ incident: { id: `p:${i}` } as StreamItem['incident'], createdMicros: BigInt(n - i), after: { i } }))

t.test('a continuation is served once, and only for its exact stream and position', async (t) => {
  const cache = new ReadAheadCache()
  const key = ReadAheadCache.key('zwa', 'digest', '2026-01-01T00:00:00.000Z', { b: '1', s: 2 })
  cache.put(key, { items: items(3), exhausted: false, tail: { i: 2 } })
  t.equal(cache.take(ReadAheadCache.key('zwa', 'other', '2026-01-01T00:00:00.000Z', { b: '1', s: 2 })), undefined, 'other filters miss')
  t.equal(cache.take(ReadAheadCache.key('zwa', 'digest', '2026-01-01T00:00:00.000Z', { b: '1', s: 3 })), undefined, 'other position misses')
  t.equal(cache.take(key)?.items.length, 3)
  t.equal(cache.take(key), undefined, 'taken once')
})

t.test('entries expire and the item budget evicts the oldest first', async (t) => {
  let now = 0
  const cache = new ReadAheadCache({ maxItems: 5, ttlMs: 1000, now: () => now })
  cache.put('a', { items: items(3), exhausted: false, tail: null })
  now = 1500
  t.equal(cache.take('a'), undefined, 'expired')
  cache.put('b', { items: items(3), exhausted: false, tail: null })
  cache.put('c', { items: items(3), exhausted: false, tail: null })
  t.equal(cache.size, 1, 'the older entry made room')
  t.equal(cache.take('b'), undefined)
  t.equal(cache.take('c')?.items.length, 3)
  cache.put('big', { items: items(6), exhausted: false, tail: null })
  t.equal(cache.size, 0, 'an entry larger than the budget is not kept')
  cache.put('empty', { items: [], exhausted: false, tail: null })
  t.equal(cache.size, 0, 'nothing to keep')
})
