import fc from 'fast-check'
import t from 'tap'
import { compareIncidents, sortIncidents } from '../../../src/vendors/zwa/simulator/incident-filters.ts'
import type { Incident } from '../../../src/vendors/zwa/simulator/types.ts'

// sortIncidents parses each createdAt once (search speed at 50,000 incidents, bench/sync-cost.ts);
// it must order exactly as sorting with compareIncidents does: equal timestamps, equal instants
// written differently, unparsable dates and every tie order included.
t.test('sortIncidents orders as compareIncidents does', async () => {
  const createdAt = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((s) => `2026-01-01T00:00:0${s}.000Z`),
    fc.constant('2026-01-01T01:00:00+01:00'), // the same instant as ...T00:00:00.000Z
    fc.constant('not a date')
  )
  const incident = fc.record({ internalId: fc.stringMatching(/^1-143-[A-Z]{1,2}$/), createdAt })
  await fc.assert(fc.property(
    fc.array(incident, { maxLength: 40 }),
    fc.constantFrom('id' as const, 'reverse' as const, 'scrambled' as const),
    (list, ties) => {
      const incidents = list as unknown as Incident[]
      const expected = [...incidents].sort((a, b) => compareIncidents(a, b, ties)).map((i) => i.internalId)
      const got = sortIncidents([...incidents], ties).map((i) => i.internalId)
      return JSON.stringify(got) === JSON.stringify(expected)
    }
  ), { numRuns: 500 })
})
