import fc from 'fast-check'
import t from 'tap'
import { KEYS, startStack } from '../helpers/stack.ts'

// Hostile or random input anywhere (ids, cursors, query strings, bodies, headers) must give a
// clear 4xx problem document, never a 5xx or a non-JSON error.
t.test('random requests never yield a 5xx and errors are always problem+json', async (t) => {
  const stack = await startStack({ count: 8 })
  t.teardown(() => stack.close())
  const good = (await stack.get('/v1/incidents?limit=2')).body
  const goodCursor: string = good.next_cursor
  const ids = good.data.map((i: any) => i.id)

  const text = fc.oneof(fc.string(), fc.constantFrom('..', '%2e%2e', '%2F', '%0d%0a', '\u0000', 'zwa', 'cloudlock', '1', '-1', 'null', '[]', '{}', '💥', 'a'.repeat(300)))
  const id = fc.oneof(fc.constantFrom(...ids), fc.tuple(fc.constantFrom('zwa', 'cloudlock', 'nope', 'Zwa', ''), text).map(([p, n]) => `${p}:${n}`), text)
  const cursor = fc.oneof(text, fc.constant(goodCursor), fc.tuple(fc.constant(goodCursor), fc.nat(200), fc.string({ minLength: 1, maxLength: 1 })).map(([c, i, ch]) => c.slice(0, i) + ch + c.slice(i + 1)))
  const queryKey = fc.constantFrom('provider', 'severity', 'status', 'created_after', 'created_before', 'updated_after', 'limit', 'cursor', 'include', 'allow_partial', 'x', '__proto__', 'constructor')
  const query = fc.array(fc.tuple(queryKey, fc.oneof(text, cursor)), { maxLength: 5 })
  const body = fc.oneof(fc.jsonValue(), fc.record({ status: text, severity: text, external_ref: fc.oneof(text, fc.constant(null)) }, { requiredKeys: [] }),
    fc.record({ classification: text, notes: text, label: fc.record({ key: text, value: text }) }, { requiredKeys: [] }), fc.record({ labels: fc.array(fc.record({ key: text, value: text })) }))
  const request = fc.oneof(
    fc.record({ method: fc.constant('GET' as const), path: query.map((q) => `/v1/incidents?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`), body: fc.constant(undefined) }),
    fc.record({ method: fc.constant('GET' as const), path: fc.tuple(id, fc.constantFrom('', '/history', '/evidence', '/triggers', '/tickets', '/groups', '?include=raw', '?include=all')).map(([i, s]) => `/v1/incidents/${encodeURIComponent(i)}${s}`), body: fc.constant(undefined) }),
    fc.record({ method: fc.constant('PATCH' as const), path: id.map((i) => `/v1/incidents/${encodeURIComponent(i)}`), body }),
    fc.record({ method: fc.constant('POST' as const), path: fc.tuple(id, fc.constantFrom('/close', '/notes', '/labels')).map(([i, s]) => `/v1/incidents/${encodeURIComponent(i)}${s}`), body }),
    fc.record({ method: fc.constantFrom('GET' as const, 'DELETE' as const), path: fc.tuple(text, text).map(([a, b]) => `/v1/transactions/${encodeURIComponent(a)}/${encodeURIComponent(b)}/incidents`), body: fc.constant(undefined) })
  )

  await fc.assert(fc.asyncProperty(request, fc.option(text, { nil: undefined }), async (req, idemKey) => {
    const headers: Record<string, string> = { authorization: `Bearer ${KEYS.admin}` }
    if (req.body !== undefined) headers['content-type'] = 'application/json'
    if (idemKey !== undefined && /^[\x20-\x7e]*$/.test(idemKey)) headers['idempotency-key'] = idemKey
    const res = await stack.app.inject({ method: req.method, url: req.path, headers, payload: req.body === undefined ? undefined : JSON.stringify(req.body) })
    if (res.statusCode >= 500) throw new Error(`${req.method} ${req.path} gave ${res.statusCode}: ${res.body}`)
    if (res.statusCode >= 400) {
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error(`${req.method} ${req.path}: ${res.headers['content-type']}`)
      const problem = res.json()
      if (typeof problem.code !== 'string' || problem.status !== res.statusCode) throw new Error(`bad problem for ${req.path}: ${res.body}`)
    }
  }), { numRuns: 300, seed: 7 })
  t.pass('300 random requests: no 5xx, every error a problem document')
})
