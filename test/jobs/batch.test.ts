import { Writable } from 'node:stream'
import t from 'tap'
import { freshDatabase } from '../helpers/databases.ts'
import { httpCall, KEYS, startStack, type Stack } from '../helpers/stack.ts'

// POST /v1/incidents/batch and GET /v1/jobs/{id} over HTTP against the simulators (spec section 11,
// docs/writes.md): dry-run verdicts for every kind of refusal, a job's results, ownership, replay,
// audit events per item, and the answer without a store.

type Res = Awaited<ReturnType<typeof httpCall>>
// Through `stack.url`, so a copy of the stack pointing at another gateway works too.
const call = (stack: Stack, method: string, path: string, opts: Parameters<typeof httpCall>[3] = {}): Promise<Res> =>
  httpCall(stack.url, method, path, opts)
const vendorWrites = async (sim: any) => (await sim.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
  .filter((r: any) => (r.method === 'POST' || r.method === 'PUT') && !/\/(token|search)$/.test(r.path))
const ids = async (stack: Stack, provider: string, n: number) =>
  (await stack.get(`/v1/incidents?provider=${provider}&status=new&limit=${n}`)).body.data.map((i: any) => i.id) as string[]

async function untilDone (stack: Stack, jobId: string, key?: string): Promise<any> {
  const until = Date.now() + 60_000
  while (true) {
    const res = await call(stack, 'GET', `/v1/jobs/${jobId}`, { key })
    if (res.status !== 200) throw new Error(`job read ${res.status}`)
    if (res.body.state === 'done') return res.body
    if (Date.now() > until) throw new Error('job did not finish')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function stackWithStore (t: any, extra: { audit?: string[] } = {}): Promise<Stack> {
  const { db } = await freshDatabase(t, 'embedded')
  const auditStream = new Writable({ write (chunk, _e, cb) { extra.audit?.push(...String(chunk).trim().split('\n')); cb() } })
  const stack = await startStack({
    count: 20,
    appDeps: { changeFeed: { database: db, autostart: false }, jobs: { pollMs: 50 }, auditStream }
  })
  t.teardown(() => stack.close())
  return stack
}

t.test('dry run: each item\'s verdict after reads only, for every kind of refusal', async (t) => {
  const stack = await stackWithStore(t)
  const [zwa] = await ids(stack, 'zwa', 1)
  const [cl] = await ids(stack, 'cloudlock', 1)
  const stale = (await call(stack, 'GET', `/v1/incidents/${cl}`)).headers.etag as string
  await stack.cloudlock.inject({ method: 'PATCH', url: `/__sim/incidents/${cl.split(':')[1]}`, payload: { customer_key: 'console' } })
  const current = (await call(stack, 'GET', `/v1/incidents/${zwa}`)).headers.etag as string
  await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  const operations = [
    { id: zwa, action: 'note', body: { text: 'fine' }, if_match: current }, // 0 would succeed
    { id: 'cloudlock:999999999', action: 'close', body: {} }, // 1 unknown incident
    { id: cl, action: 'note', body: { text: 'x' } }, // 2 capability
    { id: cl, action: 'close', body: { classification: 'benign' } }, // 3 unsupported value
    { id: zwa, action: 'update', body: { status: 'in_progress' } }, // 4 unsupported value (ZWA)
    { id: zwa, action: 'update', body: { severity: 'low' } }, // 5 capability (ZWA)
    { id: cl, action: 'update', body: { external_ref: 'x' }, if_match: stale }, // 6 precondition
    { id: 'netskope:1', action: 'close', body: {} }, // 7 unknown provider
    { id: cl, action: 'close', body: { label: { key: 'a', value: 'b' } } } // 8 capability (Cloudlock labels)
  ]
  const res = await call(stack, 'POST', '/v1/incidents/batch', { body: { operations, dry_run: true } })
  t.equal(res.status, 200)
  t.equal(res.body.dry_run, true)
  const verdicts = res.body.results.map((r: any) => [r.index, r.verdict, r.error?.code ?? null, r.error?.status ?? null])
  t.same(verdicts, [
    [0, 'would_succeed', null, null],
    [1, 'refused', 'not_found', 404],
    [2, 'refused', 'capability_not_supported', 422],
    [3, 'refused', 'unsupported_value', 422],
    [4, 'refused', 'unsupported_value', 422],
    [5, 'refused', 'capability_not_supported', 422],
    [6, 'refused', 'precondition_failed', 412],
    [7, 'refused', 'not_found', 404],
    [8, 'refused', 'capability_not_supported', 422]
  ])
  t.equal(res.body.results[0].etag, current)
  t.same(res.body.results[6].error.fields, ['external_ref', 'updated_at'])
  t.match(res.body.results[6].error, { instance: `/v1/incidents/${cl}`, etag: /^"/ })
  t.same(await vendorWrites(stack.zwa), [], 'a dry run writes nothing')
  t.same(await vendorWrites(stack.cloudlock), [])

  // A key limited to Cloudlock: ZWA items are forbidden.
  const limited = await call(stack, 'POST', '/v1/incidents/batch', {
    key: KEYS.cloudlockOnly, body: { dry_run: true, operations: [{ id: zwa, action: 'close', body: {} }] }
  })
  t.equal(limited.body.results[0].error.code, 'forbidden')
  // Validation at the edge: a malformed id, an unknown action, an empty or oversized batch.
  for (const body of [
    { operations: [{ id: 'no-colon', action: 'close', body: {} }] },
    { operations: [{ id: zwa, action: 'delete', body: {} }] },
    { operations: [{ id: zwa, action: 'note', body: { text: '' } }] },
    { operations: [] },
    { operations: Array.from({ length: 501 }, () => ({ id: zwa, action: 'close', body: {} })) }
  ]) {
    const bad = await call(stack, 'POST', '/v1/incidents/batch', { body })
    t.equal(bad.status, 400, JSON.stringify(body).slice(0, 60))
    t.equal(bad.body.code, 'validation_failed')
  }
  const reader = await call(stack, 'POST', '/v1/incidents/batch', { key: KEYS.reader, body: { dry_run: true, operations } })
  t.equal(reader.status, 403, 'batches need incidents:write')
})

t.test('a job: 202 with Location, per-item results, only its key sees it, one audit event per item', async (t) => {
  const audit: string[] = []
  const stack = await stackWithStore(t, { audit })
  const zwa = await ids(stack, 'zwa', 3)
  const cl = await ids(stack, 'cloudlock', 2)
  await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  await stack.cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  const operations = [
    { id: zwa[0], action: 'close', body: { classification: 'false_positive' } },
    { id: zwa[1], action: 'note', body: { text: 'bulk triage' } },
    { id: zwa[2], action: 'labels', body: { labels: [{ key: 'soar', value: 'bulk' }] } },
    { id: cl[0], action: 'update', body: { external_ref: 'SOAR-9' } },
    { id: cl[1], action: 'note', body: { text: 'refused' } },
    { id: 'cloudlock:999999999', action: 'close', body: {} }
  ]
  const res = await call(stack, 'POST', '/v1/incidents/batch', { body: { operations }, key: KEYS.noEvidence })
  t.equal(res.status, 202, JSON.stringify(res.body).slice(0, 500))
  t.match(res.body, { job_id: /^job_/, state: 'queued', total: 6 })
  t.equal(res.headers.location, `/v1/jobs/${res.body.job_id}`)
  const job = await untilDone(stack, res.body.job_id, KEYS.noEvidence)
  t.same(job.progress, { done: 6, total: 6 })
  t.same(job.results.map((r: any) => [r.index, r.status, r.error?.code ?? null]), [
    [0, 'succeeded', null], [1, 'succeeded', null], [2, 'succeeded', null], [3, 'succeeded', null],
    [4, 'failed', 'capability_not_supported'], [5, 'failed', 'not_found']
  ])
  t.equal(job.results[0].incident.status, 'resolved')
  t.equal(job.results[3].incident.external_ref, 'SOAR-9')
  t.ok(job.results.every((r: any) => r.incident === undefined || r.incident.matches.every((m: any) => m.text === null)),
    'the incidents are seen through the job\'s key: no evidence for a key without evidence:read')
  t.equal((await vendorWrites(stack.zwa)).length, 3, 'one vendor write per ZWA item')
  t.equal((await vendorWrites(stack.cloudlock)).filter((r: any) => r.path.endsWith(cl[0].split(':')[1])).length, 1)

  t.equal((await call(stack, 'GET', `/v1/jobs/${res.body.job_id}`)).status, 404, 'another key: 404')
  t.equal((await call(stack, 'GET', `/v1/jobs/${res.body.job_id}`, { key: KEYS.reader })).status, 404, 'only the key that made it')
  t.equal((await call(stack, 'GET', '/v1/jobs/job_AAAAAAAAAAAAAAAAAAAAAA', { key: KEYS.noEvidence })).status, 404)
  t.equal((await call(stack, 'GET', '/v1/jobs/nope', { key: KEYS.noEvidence })).status, 400)

  const events = audit.map((l) => JSON.parse(l)).filter((e) => e.job_id === res.body.job_id)
  t.same(events.map((e) => [e.item, e.operation, e.outcome]).sort(), [
    [0, 'close', 'ok'], [1, 'add_note', 'ok'], [2, 'add_labels', 'ok'], [3, 'update', 'ok'],
    [4, 'add_note', 'capability_not_supported'], [5, 'close', 'not_found']
  ], 'one audit event per item, whatever its outcome (as for single writes), with the job id')
  t.ok(events.every((e) => e.key === 'no-evidence' && e.event === 'incident.write'))
  t.notOk(audit.some((l) => l.includes('getJob')), 'polling a job leaves no audit event')
  t.notMatch(JSON.stringify(events), /bulk triage/, 'no note text in the audit')
})

t.test('one Idempotency-Key for the whole batch: a repeat replays the 202, no second job', async (t) => {
  const stack = await stackWithStore(t)
  const zwa = await ids(stack, 'zwa', 2)
  await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  const body = { operations: zwa.map((id) => ({ id, action: 'note', body: { text: 'once' } })) }
  const headers = { 'idempotency-key': 'batch-key-1' }
  const first = await call(stack, 'POST', '/v1/incidents/batch', { body, headers })
  const again = await call(stack, 'POST', '/v1/incidents/batch', { body, headers })
  t.equal(first.status, 202)
  t.equal(again.status, 202)
  t.equal(again.body.job_id, first.body.job_id, 'the same job')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.headers.location, `/v1/jobs/${first.body.job_id as string}`, 'the replay has the Location too')
  await untilDone(stack, first.body.job_id)
  const third = await call(stack, 'POST', '/v1/incidents/batch', { body, headers })
  t.equal(third.body.job_id, first.body.job_id)
  t.equal((await vendorWrites(stack.zwa)).length, 2, 'each note written once')
  const other = await call(stack, 'POST', '/v1/incidents/batch', { body: { ...body, dry_run: true }, headers })
  t.equal(other.status, 422, 'the key with another body')
  t.equal(other.body.code, 'idempotency_key_reused')
})

t.test('without a store: jobs are 503 naming the settings, dry runs still work', async (t) => {
  const stack = await startStack({ count: 3 })
  t.teardown(() => stack.close())
  const [zwa] = await ids(stack, 'zwa', 1)
  const operations = [{ id: zwa, action: 'close', body: {} }]
  const res = await call(stack, 'POST', '/v1/incidents/batch', { body: { operations } })
  t.equal(res.status, 503)
  t.equal(res.body.code, 'service_unavailable')
  t.match(res.body.detail, /DATABASE_URL.*DATA_DIR/)
  const dry = await call(stack, 'POST', '/v1/incidents/batch', { body: { operations, dry_run: true } })
  t.equal(dry.status, 200)
  t.equal(dry.body.results[0].verdict, 'would_succeed')
  t.equal((await call(stack, 'GET', '/v1/jobs/job_AAAAAAAAAAAAAAAAAAAAAA')).status, 404)
})

t.test('a job spends only sync\'s share of the vendor budget: interactive calls keep the rest', async (t) => {
  const { db } = await freshDatabase(t, 'embedded')
  // ZWA light class (GETs and close) limited to 6 a minute: sync's share (0.5) is 3.
  const stack = await startStack({
    count: 60,
    providerYaml: { zwa: 'sync: { enabled: false, budget_share: 0.5 }' },
    appDeps: { changeFeed: { database: db, autostart: false }, jobs: { pollMs: 50 } }
  })
  t.teardown(() => stack.close())
  const zwa = await ids(stack, 'zwa', 8)
  t.equal(zwa.length, 8)
  // The stack turns ZWA's budget off; this test needs it on: a second gateway on the same simulator.
  await stack.app.close()
  const { buildApp } = await import('../../src/app.ts')
  const { loadConfig } = await import('../../src/config/load.ts')
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const { createHash } = await import('node:crypto')
  const file = join(mkdtempSync(join(tmpdir(), 'gw-share-')), 'gateway.yaml')
  writeFileSync(file, `
cursor: { secret: ${'s'.repeat(40)} }
observability: { audit_log: "off" }
providers:
  - id: zwa
    type: zwa
    base_url: ${stack.zwaUrl}
    auth: { mode: api_key, key_id: zwa-test-id, key_secret: zwa-test-secret }
    resilience: { max_wait_ms: 0, rate_budget: { light: { per_minute: 6, per_hour: 1000 } } }
api_keys:
  - { name: admin, sha256: ${createHash('sha256').update(KEYS.admin).digest('hex')}, scopes: [incidents:read, incidents:write] }
`)
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file, LOG_LEVEL: 'silent' }),
    { changeFeed: { database: db, autostart: false }, jobs: { pollMs: 20 } })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const gw = { ...stack, url }
  await stack.zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  const operations = zwa.slice(0, 6).map((id) => ({ id, action: 'close', body: {} }))
  const accepted = await call(gw, 'POST', '/v1/incidents/batch', { body: { operations } })
  t.equal(accepted.status, 202)
  const until = Date.now() + 10_000
  let done = 0
  while (done < 3 && Date.now() < until) {
    done = (await call(gw, 'GET', `/v1/jobs/${accepted.body.job_id}`)).body.progress.done
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal(done, 3, 'the job used its share (3 of 6) and waits for more')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal((await call(gw, 'GET', `/v1/jobs/${accepted.body.job_id}`)).body.progress.done, 3, 'and no more')
  for (let i = 0; i < 3; i++) {
    const read = await call(gw, 'GET', `/v1/incidents/${zwa[7]}`)
    t.equal(read.status, 200, `interactive read ${i + 1} of the remaining 3 is served at once ${JSON.stringify(read.body).slice(0, 300)}`)
  }
  t.equal((await vendorWrites(stack.zwa)).length, 3, 'three vendor writes so far')
})
