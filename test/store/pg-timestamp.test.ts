import fc from 'fast-check'
import pg from 'pg'
import t from 'tap'
import { parseTimestamptz } from '../../src/store/pg-timestamp.ts'

// The fast read of timestamptz text must give the very instant node-postgres' parser gives, for
// whatever PostgreSQL may send: any fraction (0-6 digits), other offsets, BC, years outside 100-9999.
const general = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number
const instant = (v: Date | number) => (v instanceof Date ? v.getTime() : v)
const pad = (n: number, w: number) => String(n).padStart(w, '0')

const pgText = fc.record({
  year: fc.oneof(fc.integer({ min: 1970, max: 2200 }), fc.integer({ min: 1, max: 9999 })),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 }),
  offset: fc.oneof(fc.constant('+00'), fc.constantFrom('+02', '-05', '+05:30', '+00:00')),
  bc: fc.boolean().map((b) => (b ? ' BC' : ''))
}).map((p) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:` +
  `${pad(p.second, 2)}${p.fraction ? `.${p.fraction}` : ''}${p.offset}${p.bc}`)

t.test('timestamptz text reads as node-postgres reads it', async (t) => {
  fc.assert(fc.property(pgText, (text) => {
    t.equal(instant(parseTimestamptz(text)), instant(general(text)), text)
  }), { numRuns: 2000 })
  for (const text of ['2026-12-02 01:16:39.08101+00', '2026-12-02 01:16:39+00', '0050-01-01 00:00:00+00',
    '2026-12-02 01:16:39.+00', 'infinity', '-infinity', '2026-12-02 01:16:39.999999+00']) {
    t.equal(String(instant(parseTimestamptz(text))), String(instant(general(text))), text)
  }
})
