import t from 'tap'
import { DEMO_IDS, INCIDENT_EXAMPLE, PROBLEM_EXAMPLE } from '../../src/schemas/examples.ts'
import { startDemoGateway } from '../helpers/demo.ts'

// Every example of the OpenAPI document works verbatim against demo mode (seed 1): the ids exist,
// and each operation called with its example path parameters and example body answers 2xx, which
// is what Swagger's "Try it out" sends by default.

interface Param { in: string, name: string, example?: unknown, examples?: Record<string, { value: unknown }> }

const exampleValues = (p: Param): unknown[] =>
  p.examples ? Object.values(p.examples).map((e) => e.value) : p.example === undefined ? [] : [p.example]

// Every combination of the path parameters' examples.
function pathsOf (template: string, params: Param[]): string[] {
  let paths = [template]
  for (const p of params.filter((x) => x.in === 'path')) {
    const values = exampleValues(p)
    paths = paths.flatMap((path) => values.map((v) => path.replace(`{${p.name}}`, encodeURIComponent(String(v)))))
  }
  return paths
}

t.test('OpenAPI examples run against demo mode', async (t) => {
  const demo = await startDemoGateway()
  t.teardown(() => demo.close())
  const auth = { authorization: `Bearer ${demo.apiKey}` }
  // Before the example writes below change it.
  const incident = await (await fetch(`${demo.url}/v1/incidents/${INCIDENT_EXAMPLE.id}`, { headers: auth })).json() as Record<string, unknown>
  const { created_at: _c, updated_at: _u, ...example } = INCIDENT_EXAMPLE
  t.same({ ...incident, created_at: undefined, updated_at: undefined }, { ...example, created_at: undefined, updated_at: undefined },
    'the Incident example is that demo incident (its times are relative to start-up)')
  const doc = await (await fetch(`${demo.url}/openapi.json`)).json() as { paths: Record<string, Record<string, any>> }
  // A job id exists only once a batch made it: the batch example is a dry run, so one real job first.
  const batchExample = doc.paths['/v1/incidents/batch'].post.requestBody.content['application/json'].example
  const job = await (await fetch(`${demo.url}/v1/incidents/batch`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ...batchExample, dry_run: false })
  })).json() as { job_id: string }
  let calls = 0
  for (const [template, item] of Object.entries(doc.paths)) {
    if (!template.startsWith('/v1/')) continue
    // A webhook id exists only once made (POST /v1/webhooks, whose example runs here); the routes of
    // one webhook are exercised in test/webhooks/.
    if (template.startsWith('/v1/webhooks/')) continue
    for (const [method, op] of Object.entries(item)) {
      const params: Param[] = op.parameters ?? []
      for (const p of params.filter((x) => x.in === 'path')) t.ok(exampleValues(p).length > 0, `${op.operationId}: {${p.name}} has an example`)
      const body = op.requestBody?.content?.['application/json']
      if (op.requestBody?.required) t.ok(body?.example !== undefined, `${op.operationId}: the body has an example`)
      for (const path of op.operationId === 'getJob' ? [`/v1/jobs/${job.job_id}`] : pathsOf(template, params)) {
        const res = await fetch(`${demo.url}${path}`, {
          method: method.toUpperCase(),
          headers: body?.example === undefined ? auth : { ...auth, 'content-type': 'application/json' },
          body: body?.example === undefined ? undefined : JSON.stringify(body.example)
        })
        const text = await res.text()
        t.ok(res.status >= 200 && res.status < 300, `${method.toUpperCase()} ${path}: ${res.status} ${res.status >= 300 ? text.slice(0, 300) : ''}`)
        calls++
      }
    }
  }
  t.ok(calls >= 15, `${calls} example calls`)

  const problem = await fetch(`${demo.url}${PROBLEM_EXAMPLE.instance}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"text":"x"}' })
  t.match(await problem.json(), { ...PROBLEM_EXAMPLE, request_id: String }, 'the Problem example is what its instance answers')
  t.equal(DEMO_IDS.zwa.endsWith(DEMO_IDS.zwaTransaction), true, 'the transaction example is the ZWA example incident\'s')
})
