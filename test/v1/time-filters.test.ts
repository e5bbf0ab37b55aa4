import fc from 'fast-check'
import t from 'tap'
import { startStack } from '../helpers/stack.ts'

// Spec 6: a timestamp the gateway cannot honour (a leap second, a year past 9999 in UTC) is a 400
// naming the parameter, never a 5xx and never a vendor call.
const PARAMS = ['created_after', 'created_before', 'updated_after', 'updated_before']
const simRequests = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests as any[]

t.test('out-of-range timestamps are 400 validation_failed naming the parameter, with no vendor call', async (t) => {
  const stack = await startStack({ count: 4 })
  t.teardown(() => stack.close())
  const bad = [
    '2016-12-31T23:59:60Z', // leap second
    '9999-12-31T23:59:59-23:59', // year 10000 in UTC
    '0001-01-01T00:00:00+00:01', // year 0 in UTC
    '2024-02-30T00:00:00Z',
    '2024-01-01T00:00:00+24:00',
    '2024-01-01T00:00:00.1234567890Z', // 10 fractional digits
    '2024-01-01T00:00:00' // no zone
  ]
  for (const sim of [stack.zwa, stack.cloudlock]) await sim.inject({ method: 'DELETE', url: '/__sim/requests' })
  for (const param of PARAMS) {
    for (const value of bad) {
      const res = await stack.get(`/v1/incidents?${param}=${encodeURIComponent(value)}`)
      t.equal(res.status, 400, `${param}=${value}`)
      t.match(res.body, { code: 'validation_failed', errors: [{ path: `/query/${param}`, message: /RFC 3339 .*no leap second.*9999/ }] })
      t.equal(res.body.errors.length, 1)
    }
  }
  t.same([...await simRequests(stack.zwa), ...await simRequests(stack.cloudlock)], [], 'no vendor was called')
})

t.test('the extremes of the range, offsets and up to 9 fractional digits are accepted', async (t) => {
  const stack = await startStack({ count: 4 })
  t.teardown(() => stack.close())
  for (const param of PARAMS) {
    for (const value of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59+23:59', '2024-02-29t12:00:00.123456789-05:30']) {
      const res = await stack.get(`/v1/incidents?${param}=${encodeURIComponent(value)}`)
      t.equal(res.status, 200, `${param}=${value}: ${JSON.stringify(res.body).slice(0, 300)}`)
    }
  }
  // Truncated to microseconds: the same instant written with nanoseconds filters the same way.
  const all = (await stack.get('/v1/incidents?limit=100')).body.data
  const at = all[3].created_at as string
  const nanos = at.replace('Z', '999999Z')
  const withNanos = (await stack.get(`/v1/incidents?limit=100&created_before=${encodeURIComponent(nanos)}`)).body.data
  t.same(withNanos.map((i: any) => i.id), all.slice(3).filter((i: any) => i.created_at <= at).map((i: any) => i.id),
    '.mmm999999 truncates to .mmm999, after every incident of that millisecond')
})

t.test('any string in a time filter gives 200 or 400, never a 5xx', async (t) => {
  const stack = await startStack({ count: 6 })
  t.teardown(() => stack.close())
  const pad = (n: number, width: number) => String(n).padStart(width, '0')
  // Near-valid timestamps with every field pushed past its range, plus arbitrary text.
  // Edges are drawn often: the first and last day of the range, 23:59:60.
  const field = (min: number, max: number, ...edges: number[]) => fc.oneof(fc.constantFrom(...edges), fc.integer({ min, max }))
  const nearValid = fc.record({
    year: field(0, 9999, 0, 1, 1969, 1970, 9999),
    month: field(0, 13, 1, 12),
    day: field(0, 32, 1, 29, 31),
    hour: field(0, 25, 0, 23),
    minute: field(0, 60, 0, 59),
    second: field(0, 61, 0, 59, 60),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
    zone: fc.oneof(fc.constantFrom('Z', 'z', '', '+00:00'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
      .map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`)),
    sep: fc.constantFrom('T', 't', ' ', '_')
  }).map((f) => `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}${f.sep}${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}` +
    `${f.fraction === undefined ? '' : `.${f.fraction}`}${f.zone}`)
  const value = fc.oneof(nearValid, fc.string(), fc.constantFrom('+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2024-01-01', '1e308'))
  await fc.assert(fc.asyncProperty(fc.constantFrom(...PARAMS), value, async (param, v) => {
    const res = await stack.get(`/v1/incidents?${param}=${encodeURIComponent(v)}`)
    if (res.status !== 200 && res.status !== 400) throw new Error(`${param}=${v} gave ${res.status}: ${JSON.stringify(res.body)}`)
    if (res.status === 400 && res.body.errors?.[0]?.path !== `/query/${param}`) throw new Error(`${param}=${v}: ${JSON.stringify(res.body)}`)
  }), { numRuns: 300, seed: 14 })
  t.pass('300 time filters: 200 or 400 naming the parameter')
})
