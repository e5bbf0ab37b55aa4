// requestKey builds its text in one pass; it must stay the text of the plain definition (encode
// each name and value, values of a list joined by ',', names sorted, pairs joined by '&'), or
// identical calls would stop sharing one flight, or different calls would share one.
import fc from 'fast-check'
import t from 'tap'
import { requestKey } from '../../src/upstream/resilience/coalescer.ts'

type Query = Record<string, string | string[] | undefined>

function definition (method: string, path: string, query: Query | undefined, body: unknown): string {
  const q = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encodeURIComponent(k)}=${[v].flat().map((x) => encodeURIComponent(String(x))).join(',')}`)
    .join('&')
  return `${method} ${path}?${q} ${body === undefined ? '' : JSON.stringify(body)}`
}

t.test('the same key as the plain definition, for any query and body', async () => {
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'B', '=', '&', ',', ' ', '%', 'é', '_'), fc.string({ maxLength: 1, unit: 'binary' })), maxLength: 8 })
  const query = fc.option(fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined))),
    { nil: undefined })
  fc.assert(fc.property(fc.constantFrom('GET', 'POST'), text, query, fc.option(fc.jsonValue(), { nil: undefined }),
    (method, path, q, body) => requestKey(method, path, q as Query | undefined, body) === definition(method, path, q as Query | undefined, body)),
  { numRuns: 5000 })
})

t.test('a list value and the same text joined by a comma are different calls', async (t) => {
  t.not(requestKey('GET', '/a', { a: ['1', '2'] }, undefined), requestKey('GET', '/a', { a: '1,2' }, undefined))
  t.equal(requestKey('GET', '/a', { b: '2', a: '1', c: undefined }, undefined), 'GET /a?a=1&b=2 ')
})
