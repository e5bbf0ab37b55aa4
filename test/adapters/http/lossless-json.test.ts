import fc from 'fast-check'
import t from 'tap'
import { integerLiteral, integerText, parseJsonLossless } from '../../../src/upstream/http/lossless-json.ts'

t.test('integers beyond 2^53 keep their digits; everything else parses as JSON.parse does', async (t) => {
  const parsed = parseJsonLossless('{"id": 98765432109876543210, "small": 320831601, "neg": -12345678901234567890, "f": 1.5e300, "s": "7"}') as Record<string, unknown>
  t.equal(integerText(parsed.id), '98765432109876543210')
  t.equal(parsed.small, 320831601)
  t.equal(integerText(parsed.neg), '-12345678901234567890')
  t.equal(parsed.f, 1.5e300, 'non-integers are left alone')
  t.equal(JSON.stringify(parsed), '{"id":98765432109876543210,"small":320831601,"neg":-12345678901234567890,"f":1.5e+300,"s":"7"}')
  t.equal(integerText('320831601'), '320831601')
  t.equal(integerText(''), null)
  t.equal(integerText(null), null)
  t.equal(integerText(Number.NaN), null)
  t.equal(JSON.stringify({ id: integerLiteral('12345678901234567890') }), '{"id":12345678901234567890}')
})

t.test('property: any integer literal survives a parse and a stringify verbatim', async () => {
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), (n) => {
    const text = `{"v":${n}}`
    return JSON.stringify(parseJsonLossless(text)) === text && integerText((parseJsonLossless(text) as { v: unknown }).v) === String(n)
  }), { numRuns: 1000 })
})
