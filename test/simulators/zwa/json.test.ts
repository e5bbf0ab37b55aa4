import fc from 'fast-check'
import t from 'tap'
import { cloneJson, integerText, isRawJson, parseLossless } from '../../../src/vendors/zwa/simulator/json.ts'

t.test('every 64-bit integer survives parse and stringify', async (t) => {
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
    const text = `{"ids":[${n}],"x":{"id":${n}}}`
    const parsed = parseLossless(text)
    return JSON.stringify(parsed) === text && JSON.stringify(cloneJson(parsed)) === text
  }))
  t.pass('property held')
})

t.test('safe integers stay numbers, unsafe ones become raw JSON', async (t) => {
  const parsed = parseLossless('[1201, 9007199254740991, 9007199254740993, 1.5e300, 2.5]') as unknown[]
  t.equal(parsed[0], 1201)
  t.equal(parsed[1], 9007199254740991)
  t.ok(isRawJson(parsed[2]))
  t.equal(parsed[3], 1.5e300, 'non-integer literals are ordinary numbers')
  t.equal(parsed[4], 2.5)
})

t.test('integerText compares ids by their exact digits', async (t) => {
  const [raw] = parseLossless('[16786743992009003]') as unknown[]
  t.equal(integerText(raw), '16786743992009003')
  t.equal(integerText(1201), '1201')
  t.equal(integerText(' 007 '), '7', 'digit strings are canonical')
  t.equal(integerText('16786743992009003'), '16786743992009003')
  t.equal(integerText(1.5), undefined)
  t.equal(integerText(2 ** 60), undefined, 'an already rounded number is not trusted')
  t.equal(integerText('12a'), undefined)
  t.equal(integerText(null), undefined)
})

t.test('__proto__ keys are dropped', async (t) => {
  const parsed = parseLossless('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>
  t.same(Object.keys(parsed), ['a'])
  t.equal(Object.getPrototypeOf(parsed), Object.prototype)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
