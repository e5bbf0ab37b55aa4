import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import { parse } from 'yaml'
import { PROBLEM_TYPES } from '../../src/errors/gateway-error.ts'
import { INCIDENT_ID_PATTERN, NATIVE_ID_PATTERNS, PROVIDER_ID_PATTERN, SEVERITIES, STATUSES } from '../../src/schemas/enums.ts'
import { DEMO_IDS } from '../../src/schemas/examples.ts'
import { KEYS, startStack } from '../helpers/stack.ts'

// What a client generator or Swagger UI reads from openapi.yaml: patterns, enums, examples, headers.
const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'))
const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
  Object.entries<any>(item).map(([method, op]) => ({ path, method, op })))
const param = (path: string, method: string, name: string) =>
  doc.paths[path][method].parameters.find((p: any) => p.name === name)

t.test('path parameters carry patterns that accept every id a provider accepts', async (t) => {
  // (webhook ids are the gateway's own: /v1/webhooks/{id} carries their pattern)
  for (const { path, method, op } of operations.filter((o) => o.path.includes('{id}') && !o.path.startsWith('/v1/webhooks/'))) {
    t.equal(op.parameters.find((p: any) => p.name === 'id').schema.pattern, INCIDENT_ID_PATTERN, `${method} ${path}`)
  }
  const tx = '/v1/transactions/{provider}/{transaction_id}/incidents'
  t.equal(param(tx, 'get', 'provider').schema.pattern, PROVIDER_ID_PATTERN)
  t.ok(param(tx, 'get', 'transaction_id').schema.pattern)
  const documented = new RegExp(INCIDENT_ID_PATTERN)
  const providerId = fc.stringMatching(new RegExp(PROVIDER_ID_PATTERN))
  const nativeId = fc.oneof(...Object.values(NATIVE_ID_PATTERNS).map((p) => fc.stringMatching(new RegExp(p))))
  fc.assert(fc.property(providerId, nativeId, (p, n) => documented.test(`${p}:${n}`)), { seed: 21 })
  // and nothing the documented pattern accepts is refused by every provider type's own check
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', '-', ':', 'Q', '_') }), (s) =>
    !documented.test(s) || Object.values(NATIVE_ID_PATTERNS).some((p) => new RegExp(p).test(s.slice(s.indexOf(':') + 1)))), { seed: 21 })
  // The id examples are demo incidents, so they work verbatim against `npm start`.
  t.equal(doc.paths['/v1/incidents/{id}'].get.parameters.find((p: any) => p.name === 'id').examples[DEMO_IDS.cloudlock].value, DEMO_IDS.cloudlock)
})

t.test('list filters are comma-separated arrays of the named enums', async (t) => {
  const items: Record<string, unknown> = {
    severity: { $ref: '#/components/schemas/Severity' },
    status: { $ref: '#/components/schemas/Status' },
    provider: { type: 'string', pattern: PROVIDER_ID_PATTERN },
    include: { type: 'string', enum: ['raw'] }
  }
  for (const [name, expected] of Object.entries(items)) {
    const p = param('/v1/incidents', 'get', name)
    t.match(p, { in: 'query', style: 'form', explode: false, schema: { type: 'array' } }, name)
    t.same(p.schema.items, expected, `${name} items`)
  }
  t.same(doc.components.schemas.Severity.enum, SEVERITIES)
  t.same(doc.components.schemas.Status.enum, STATUSES)
  t.same(param('/v1/incidents/{id}', 'get', 'include').style, 'form')
})

t.test('every enum is one named component, nullable ones referenced with anyOf', async (t) => {
  const named = Object.entries<any>(doc.components.schemas).filter(([, s]) => Array.isArray(s.enum))
  t.ok(['Severity', 'Priority', 'Status', 'Classification', 'ProviderType'].every((n) => named.some(([name]) => name === n)))
  const inline: string[] = []
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${where}/${i}`))
    if (!node || typeof node !== 'object') return
    const enumValues = (node as { enum?: unknown[] }).enum
    if (enumValues && !where.match(/^\/components\/schemas\/[^/]+$/)) {
      const plain = enumValues.filter((v) => v !== null)
      if (named.some(([, s]) => JSON.stringify(s.enum) === JSON.stringify(plain))) inline.push(where)
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'examples' && k !== 'example') walk(v, `${where}/${k}`)
  }
  walk(doc, '')
  t.same(inline, [], 'no inline copy of a named enum')
  const props = doc.components.schemas.Incident.properties
  t.same(props.priority, { anyOf: [{ $ref: '#/components/schemas/Priority' }, { type: 'null' }] })
  t.same(props.classification, { anyOf: [{ $ref: '#/components/schemas/Classification' }, { type: 'null' }] })
  t.same(props.severity, { $ref: '#/components/schemas/Severity' })
})

t.test('each error status shows examples of the codes answered with it, valid problem documents', async (t) => {
  const ajv = new Ajv({ strict: false })
  addFormats.default(ajv)
  const problem = ajv.compile(JSON.parse(JSON.stringify(doc.components.schemas.Problem).replaceAll('#/components/schemas/', '#/$defs/')))
  let checked = 0
  for (const { path, method, op } of operations) {
    for (const [status, response] of Object.entries<any>(op.responses)) {
      if (Number(status) < 400 || !response.content['application/problem+json']) continue
      const examples = response.content['application/problem+json'].examples
      t.ok(Object.keys(examples ?? {}).length > 0, `${method} ${path} ${status} has examples`)
      for (const [code, ref] of Object.entries<any>(examples)) {
        const example = doc.components.examples[ref.$ref.split('/').pop()]
        t.equal(example.value.code, code)
        t.equal(example.value.status, Number(status), `${code} under ${status}`)
        t.equal(PROBLEM_TYPES[code as keyof typeof PROBLEM_TYPES].status, Number(status))
        t.ok(problem(example.value), `${code} example is a valid Problem`)
        checked++
      }
    }
  }
  const list = doc.paths['/v1/incidents'].get.responses
  t.same(Object.keys(list['404'].content['application/problem+json'].examples), ['not_found'])
  // bad_request: a request that is not valid HTTP is answered 400 below the router, on any path.
  t.same(Object.keys(list['400'].content['application/problem+json'].examples), ['validation_failed', 'invalid_cursor', 'bad_request'])
  t.ok(doc.components.examples.validation_failed.value.errors.length)
  t.same(Object.keys(list['503'].content['application/problem+json'].examples).sort(), ['provider_unavailable', 'service_unavailable', 'upstream_rate_limited'])
  t.ok(checked > 100)
})

t.test('response headers are declared where the gateway sends them', async (t) => {
  const declared = (path: string, method: string, status: string) => Object.keys(doc.paths[path][method].responses[status].headers ?? {})
  for (const { path, method, op } of operations) {
    for (const status of Object.keys(op.responses)) {
      const names = declared(path, method, status)
      t.ok(names.includes('X-Request-Id'), `${method} ${path} ${status}: X-Request-Id`)
      if (path.startsWith('/v1/') && status !== '401') t.ok(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'].every((n) => names.includes(n)), `${method} ${path} ${status}: RateLimit-*`)
      if (path.startsWith('/v1/') && ['429', '503'].includes(status)) t.ok(names.includes('Retry-After'), `${method} ${path} ${status}: Retry-After`)
      if (['post', 'patch'].includes(method) && status === '200') t.ok(names.includes('Idempotent-Replayed'))
    }
  }

  // The declared names are what the gateway really sends.
  const stack = await startStack({ count: 3, yaml: 'limits: { rate_limit_per_minute: 3 }' })
  t.teardown(() => stack.close())
  const has = (headers: Record<string, unknown>, names: string[]) => names.every((n) => headers[n.toLowerCase()] !== undefined)
  const list = await stack.get('/v1/incidents?limit=1')
  t.equal(list.status, 200)
  t.ok(has(list.headers, declared('/v1/incidents', 'get', '200')), 'list 200 headers')
  const id = list.body.data[0].id
  const key = randomUUID()
  const patch = async () => stack.app.inject({ method: 'PATCH', url: `/v1/incidents/${id}`, payload: { external_ref: 'R-21' }, headers: { authorization: `Bearer ${KEYS.admin}`, 'idempotency-key': key } })
  await patch()
  const replay = await patch()
  t.ok(has(replay.headers, declared('/v1/incidents/{id}', 'patch', '200')), 'replayed write headers')
  const limited = await stack.get('/v1/incidents?limit=1')
  t.equal(limited.status, 429)
  t.ok(has(limited.headers, declared('/v1/incidents', 'get', '429')), '429 headers')
  const refused = await stack.get('/v1/incidents', '')
  t.equal(refused.status, 401)
  t.ok(has(refused.headers, declared('/v1/incidents', 'get', '401')), '401 headers')
})
