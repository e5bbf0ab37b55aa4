// A list filter's time bound that slipped past route validation is a 400 naming the filter, never
// an exception of another kind (src/adapters/filter-time.ts).
import t from 'tap'
import { filterMicros } from '../../src/adapters/filter-time.ts'

t.test('an unreadable bound is validation_failed naming the filter', async (t) => {
  for (const bad of ['', 'yesterday', '2025-13-01T00:00:00Z', '1 2']) {
    t.throws(() => filterMicros(bad, 'created_after'),
      { name: 'GatewayError', code: 'validation_failed', detail: /^created_after / }, JSON.stringify(bad))
  }
  t.equal(filterMicros('2025-01-01T00:00:00.000001Z', 'created_after'), 1_735_689_600_000_001n)
})
