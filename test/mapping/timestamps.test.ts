import fc from 'fast-check'
import t from 'tap'
import {
  clientTimeToIso, isoMillis, microsToCloudlock, parseAnyTime, parseClientTime, parseVendorTime, toIsoMillis
} from '../../src/mapping/timestamps.ts'

t.test('every vendor time format becomes RFC 3339 UTC with milliseconds and Z', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['Cloudlock incident, µs and +00:00', '2014-08-08T05:09:53.218594+00:00', '2014-08-08T05:09:53.218Z'],
    ['Cloudlock ACL created_on, space and no zone', '2021-02-27 20:18:38.799158', '2021-02-27T20:18:38.799Z'],
    ['Cloudlock activities, ms and Z', '2021-06-23T15:16:24.000Z', '2021-06-23T15:16:24.000Z'],
    ['ZWA real data, whole seconds and Z', '2023-03-13T08:50:46Z', '2023-03-13T08:50:46.000Z'],
    ['ZWA examples, ms and Z', '2025-06-01T00:00:00.123Z', '2025-06-01T00:00:00.123Z'],
    ['bare date (filter input)', '2021-01-01', '2021-01-01T00:00:00.000Z'],
    ['minute precision (filter input)', '2021-01-18T16:55', '2021-01-18T16:55:00.000Z'],
    ['whole seconds, no zone', '2021-01-18 16:55:07', '2021-01-18T16:55:07.000Z'],
    ['one fractional digit', '2021-01-18T16:55:07.5Z', '2021-01-18T16:55:07.500Z'],
    ['nine fractional digits', '2021-01-18T16:55:07.123456789Z', '2021-01-18T16:55:07.123Z'],
    ['negative offset', '2021-01-18T16:55:07.250-05:00', '2021-01-18T21:55:07.250Z'],
    ['offset without colon', '2021-01-18T16:55:07+0530', '2021-01-18T11:25:07.000Z'],
    ['offset crossing midnight', '2021-01-01T01:00:00+02:00', '2020-12-31T23:00:00.000Z'],
    ['lower-case t and z', '2021-01-18t16:55:07z', '2021-01-18T16:55:07.000Z'],
    ['surrounding blanks', '  2021-01-18T16:55:07Z ', '2021-01-18T16:55:07.000Z'],
    ['leap day', '2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['last instant of a year', '2024-12-31T23:59:59.999999+00:00', '2024-12-31T23:59:59.999Z'],
    ['before 1970', '1969-12-31T23:59:59.998500+00:00', '1969-12-31T23:59:59.998Z'],
    ['a year below 100 is not read as 19xx', '0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z']
  ]
  for (const [what, input, expected] of cases) t.equal(toIsoMillis(input), expected, what)
})

t.test('sub-millisecond digits are truncated, never rounded', async (t) => {
  t.equal(toIsoMillis('2014-08-08T05:09:59.999999+00:00'), '2014-08-08T05:09:59.999Z')
  t.equal(toIsoMillis('2014-08-08T05:09:53.218999+00:00'), '2014-08-08T05:09:53.218Z')
  t.equal(toIsoMillis('2014-08-08T05:09:53.0009+00:00'), '2014-08-08T05:09:53.000Z')
  t.same(parseVendorTime('2014-08-08T05:09:53.218594+00:00'), { ms: 1407474593218, micros: 1407474593218594n })
  t.same(parseVendorTime('1969-12-31T23:59:59.999999Z'), { ms: -1, micros: -1n })
})

t.test('invalid dates are null', async (t) => {
  const invalid: unknown[] = [
    '2021-02-30', '2023-02-29', '2021-04-31', '2021-13-01', '2021-00-10', '2021-01-00',
    '2021-01-01T24:00', '2021-01-01T10:60', '2021-01-01T10:59:60', '2021-01-01T23:60:00Z',
    '2021-01-01T10:00:00+24:00', '2021-01-01T10:00:00+05:60',
    '2021-1-1', '21-01-01', '2021/01/01', '2021-01-01T', '2021-01-01T10', '2021-01-01T10:00:00.',
    '2021-01-01T10:00:00 +00:00', 'yesterday', '', 'NaN',
    null, undefined, 0, 1717200000, {}, [], true
  ]
  for (const value of invalid) t.equal(parseVendorTime(value), null, JSON.stringify(value) ?? String(value))
  t.equal(toIsoMillis('2021-02-30'), null)
})

t.test('microsToCloudlock writes the vendor\'s own form', async (t) => {
  t.equal(microsToCloudlock(1407474593218594n), '2014-08-08T05:09:53.218594+00:00')
  t.equal(microsToCloudlock(0n), '1970-01-01T00:00:00.000000+00:00')
  t.equal(microsToCloudlock(1n), '1970-01-01T00:00:00.000001+00:00')
  t.equal(microsToCloudlock(-1n), '1969-12-31T23:59:59.999999+00:00')
  t.equal(microsToCloudlock(1717200000000000n), '2024-06-01T00:00:00.000000+00:00')
})

// 0001-01-01 .. 9999-12-31, the range the wire format can express with a four-digit year.
const MIN_US = -62135596800000000n
const MAX_US = 253402300799999999n

t.test('property: microsToCloudlock round-trips through parseVendorTime', async () => {
  fc.assert(fc.property(fc.bigInt({ min: MIN_US, max: MAX_US }), (micros) => {
    const parsed = parseVendorTime(microsToCloudlock(micros))
    return parsed !== null && parsed.micros === micros && BigInt(parsed.ms) * 1000n <= micros && micros - BigInt(parsed.ms) * 1000n < 1000n
  }), { numRuns: 2000 })
})

t.test('property: parsing agrees with Date on millisecond forms, in any offset', async () => {
  fc.assert(fc.property(
    fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
    fc.integer({ min: -14 * 60, max: 14 * 60 }),
    fc.integer({ min: 0, max: 999 }),
    (date, offset, extraMicros) => {
      const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23)
      const sign = offset < 0 ? '-' : '+'
      const zone = `${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`
      const text = `${local}${String(extraMicros).padStart(3, '0')}${zone}`
      const parsed = parseVendorTime(text)
      return parsed !== null && parsed.ms === date.getTime() && toIsoMillis(text) === date.toISOString()
    }
  ), { numRuns: 1000 })
})

t.test('client time filters: strict RFC 3339 within years 1-9999 UTC, truncated to microseconds', async (t) => {
  for (const bad of ['2016-12-31T23:59:60Z', '9999-12-31T23:59:59-23:59', '0001-01-01T00:00:00+00:01', '2021-01-01', '2021-01-01T00:00:00',
    '2021-01-01T00:00Z', '2021-01-01T00:00:00+2400', '2021-01-01T00:00:00+24:00', '2021-13-01T00:00:00Z', '2021-01-01T00:00:00.0123456789Z']) {
    t.equal(parseClientTime(bad), null, bad)
  }
  t.equal(clientTimeToIso('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00.000Z')
  t.equal(clientTimeToIso('9999-12-31T23:59:59.999999999Z'), '9999-12-31T23:59:59.999999Z')
  t.equal(clientTimeToIso('9999-12-31T23:59:59+23:59'), '9999-12-31T00:00:59.000Z')
  t.equal(clientTimeToIso('2024-02-29t00:00:00.1+01:00'), '2024-02-28T23:00:00.100Z', 'lower-case t, offset applied')
  t.equal(clientTimeToIso('1969-12-31T23:59:59.0000019Z'), '1969-12-31T23:59:59.000001Z', 'before 1970 truncates toward the past')
})

t.test('the fast path agrees with the general one', async (t) => {
  // Vendor-shaped timestamps, valid or not (day 31 in short months, Feb 29 off leap years, hour 24,
  // second 60), with 0-9 fractional digits, each zone form, and single-character corruptions.
  const pad = (n: number, w: number) => String(n).padStart(w, '0')
  const stamp = fc.tuple(
    fc.integer({ min: 1900, max: 2300 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }),
    fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 9 }),
    fc.constantFrom('Z', '+00:00', 'z', '-00:00', '+01:00', '', ' ')
  ).map(([y, mo, d, h, mi, s, frac, zone]) =>
    `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === '' ? '' : `.${frac}`}${zone}`)
  const corrupted = fc.tuple(stamp, fc.nat(), fc.constantFrom('x', '.', ':', '-', ' ', '0', '+', ''))
    .map(([s, at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice((at % (s.length + 1)) + 1))
  const same = (a: unknown, b: unknown) => JSON.stringify(a, (_k, v) => typeof v === 'bigint' ? `${v}n` : v) ===
    JSON.stringify(b, (_k, v) => typeof v === 'bigint' ? `${v}n` : v)
  fc.assert(fc.property(fc.oneof(stamp, corrupted), (s) => same(parseVendorTime(s), parseAnyTime(s))),
    { numRuns: 20_000 })
  t.same(parseVendorTime('2024-02-29T23:59:59.999999+00:00'), parseAnyTime('2024-02-29T23:59:59.999999+00:00'))
  t.equal(parseVendorTime('2023-02-29T00:00:00Z'), null)
})

t.test('isoMillis writes exactly what Date#toISOString writes', async (t) => {
  const year10000 = Date.UTC(10000, 0, 1)
  const edges = [0, 1, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 23, 59, 59, 999),
    Date.UTC(2100, 1, 28, 12), Date.UTC(2100, 2, 1), Date.UTC(2400, 1, 29), Date.UTC(1972, 11, 31, 23, 59, 59, 999),
    year10000 - 1, year10000, -1, -86_400_000, Date.UTC(-1, 0, 1), 8.64e15, -8.64e15, 0.5, 1e12 + 0.999, -0]
  for (const ms of edges) t.equal(isoMillis(ms), new Date(ms).toISOString(), String(ms))
  t.throws(() => isoMillis(Number.NaN), RangeError, 'an invalid time throws as the builtin does')
  // Every instant of 1970-9999 (the written path) and beyond it on both sides (the builtin's).
  fc.assert(fc.property(fc.integer({ min: -year10000, max: 2 * year10000 }), (ms) =>
    isoMillis(ms) === new Date(ms).toISOString()), { numRuns: 50_000 })
  fc.assert(fc.property(fc.integer({ min: 0, max: year10000 - 1 }), (ms) =>
    isoMillis(ms) === new Date(ms).toISOString()), { numRuns: 50_000 })
})
