import t from 'tap'
import { formatTimestampUs, parseTimestampUs } from '../../../src/vendors/cloudlock/simulator/time.ts'

const at = (iso: string, micros = 0): number => Date.parse(iso) * 1000 + micros

t.test('accepts every documented input form', async (t) => {
  const cases: [string, number][] = [
    ['2021-01-01', at('2021-01-01T00:00:00Z')],
    ['2021-01-18T16:55', at('2021-01-18T16:55:00Z')],
    ['2021-01-18 16:55', at('2021-01-18T16:55:00Z')],
    ['2021-01-18T16:55:07', at('2021-01-18T16:55:07Z')],
    ['2021-01-18 16:55:07.123456', at('2021-01-18T16:55:07Z', 123456)],
    ['2021-01-18T16:55:07.1', at('2021-01-18T16:55:07Z', 100000)],
    ['2021-01-18T16:55:07.12', at('2021-01-18T16:55:07Z', 120000)],
    ['2021-01-18T16:55:07.123', at('2021-01-18T16:55:07Z', 123000)],
    ['2021-01-18T16:55:07.1234', at('2021-01-18T16:55:07Z', 123400)],
    ['2021-01-18T16:55:07.12345', at('2021-01-18T16:55:07Z', 123450)],
    ['2021-01-18T16:55:07.123456+00:00', at('2021-01-18T16:55:07Z', 123456)],
    ['2021-01-18T16:55:07.123456Z', at('2021-01-18T16:55:07Z', 123456)],
    ['2021-01-18T16:55:07.123Z', at('2021-01-18T16:55:07Z', 123000)],
    ['2021-01-18T16:55:07+0000', at('2021-01-18T16:55:07Z')],
    ['2021-01-18T18:55:07+02:00', at('2021-01-18T16:55:07Z')],
    ['2021-01-18T11:55:07-05:00', at('2021-01-18T16:55:07Z')],
    ['2021-01-18T16:55:07.000001 00:00', at('2021-01-18T16:55:07Z', 1)] // "+" decoded to a space
  ]
  for (const [input, expected] of cases) t.equal(parseTimestampUs(input), expected, input)
})

t.test('rejects what is not a timestamp', async (t) => {
  for (const input of ['', 'yesterday', '2021-13-01', '2021-02-30', '2021-01-01T24:00', '2021-01-01T10:60',
    '2021-01-01T10:00:61', '2021-01-01T10:00:00.1234567', '21-01-01', '2021-1-1', '1610988907', '2021-01-01T10',
    '2021-01-01T10:00:00+25:00', '2021-01-01Z']) {
    t.equal(parseTimestampUs(input), undefined, JSON.stringify(input))
  }
})

t.test('formats with six fractional digits and +00:00', async (t) => {
  t.equal(formatTimestampUs(at('2014-08-08T05:09:53Z', 218594)), '2014-08-08T05:09:53.218594+00:00')
  t.equal(formatTimestampUs(at('2014-08-08T05:09:53Z', 7)), '2014-08-08T05:09:53.000007+00:00')
  t.equal(formatTimestampUs(at('2014-08-08T05:09:53Z')), '2014-08-08T05:09:53.000000+00:00')
  const text = '2024-03-05T10:15:30.123456+00:00'
  t.equal(formatTimestampUs(parseTimestampUs(text) as number), text, 'round trip')
})
