// The circuit breaker through the whole gateway: it opens after consecutive failures, refuses at
// once with 503 provider_unavailable + Retry-After (no upstream call), shows in GET /v1/providers,
// /readyz and /metrics, probes when half-open and closes again once the provider answers.
import t from 'tap'
import { startHarness, type Harness } from './harness.ts'

const OPEN_MS = 600

async function waitFor (what: string, check: () => Promise<boolean>, ms = 8_000): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const health = async (h: Harness, id: string) => (await h.get('/v1/providers')).body.data.find((p: any) => p.id === id).health
const gauge = async (h: Harness, provider: string) => {
  const text = (await h.get('/metrics')).body as string
  const line = text.split('\n').find((l) => l.startsWith(`dlp_gateway_upstream_circuit_state{provider="${provider}"}`))
  return Number(line?.split(' ').at(-1))
}

t.test('a circuit opens, refuses, probes and recovers', async (t) => {
  const h = await startHarness({
    cloudlockResilience: `{ retries: 0, breaker: { failure_threshold: 3, open_ms: ${OPEN_MS}, half_open_probes: 1 } }`
  })
  t.teardown(() => h.close())
  const [id, otherId] = (await h.get('/v1/incidents?provider=cloudlock&limit=2')).body.data.map((i: any) => i.native_id)
  const detail = (which = id) => h.get(`/v1/incidents/cloudlock:${which}`)
  const calls = async () => (await h.cloudlock.requests('/api/v2/incidents/', 'GET')).length

  await t.test('caller mistakes never open it', async (t) => {
    for (let i = 0; i < 5; i++) t.equal((await h.get('/v1/incidents/cloudlock:99999999999')).status, 404)
    t.match(await health(h, 'cloudlock'), { circuit: 'closed' })
  })

  await h.cloudlock.fault({ route: 'GET /api/v2/incidents/', status: 500 })
  await h.cloudlock.clearLog()

  await t.test('three failures in a row open it', async (t) => {
    for (let i = 0; i < 3; i++) t.equal((await detail()).body.code, 'upstream_error')
    t.equal(await calls(), 3)
    t.match(await health(h, 'cloudlock'), { status: 'unavailable', circuit: 'open', last_error: { code: 'upstream_error' } })
    t.equal(await gauge(h, 'cloudlock'), 2, 'metrics: 2 = open')
    t.equal(await gauge(h, 'zwa'), 0)
  })

  await t.test('open: 503 provider_unavailable with Retry-After, and no upstream call', async (t) => {
    const refused = await detail()
    t.equal(refused.status, 503)
    t.equal(refused.body.code, 'provider_unavailable')
    t.equal(refused.body.provider, 'cloudlock')
    t.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After ${refused.headers['retry-after']}`)
    t.equal(await calls(), 3, 'refused without calling the vendor')

    const list = await h.get('/v1/incidents?limit=5')
    // An open circuit is transient, and the only failure: 503 provider_unavailable, retry later.
    t.equal(list.status, 503, 'a listing with an open provider fails, naming it')
    t.equal(list.body.code, 'provider_unavailable')
    t.same(list.body.failed_providers.map((f: any) => [f.provider, f.code, f.status]), [['cloudlock', 'provider_unavailable', 503]])
    t.ok(Number(list.headers['retry-after']) >= 1, 'the listing passes the Retry-After on')
    const partial = await h.get('/v1/incidents?limit=5&allow_partial=true')
    t.equal(partial.status, 200)
    t.equal(partial.body.providers.cloudlock.error.code, 'provider_unavailable')

    const ready = await h.get('/readyz')
    t.equal(ready.status, 200, 'an open upstream circuit does not make the instance unready')
    t.same(ready.body.providers, { zwa: { circuit: 'closed', status: 'ok', rate_budget: 'local' }, cloudlock: { circuit: 'open', status: 'unavailable', rate_budget: 'local' } })
  })

  await t.test('half-open after open_ms: one failed probe opens it again', async (t) => {
    await waitFor('half-open', async () => (await health(h, 'cloudlock')).circuit === 'half_open')
    t.equal(await gauge(h, 'cloudlock'), 1, 'metrics: 1 = half-open')
    t.equal((await detail()).body.code, 'upstream_error', 'the probe reaches the vendor')
    t.equal(await calls(), 4, 'one probe, not retried')
    t.equal((await health(h, 'cloudlock')).circuit, 'open')
    t.equal((await detail()).body.code, 'provider_unavailable')
    t.equal(await calls(), 4)
  })

  await t.test('one probe at a time; a successful probe closes it', async (t) => {
    await h.cloudlock.clearFaults()
    await waitFor('half-open', async () => (await health(h, 'cloudlock')).circuit === 'half_open')
    await h.cloudlock.fault({ route: 'GET /api/v2/incidents/', latency_ms: 400, count: 1 })
    const probe = detail()
    await waitFor('the probe in flight', async () => (await calls()) === 5)
    const other = await detail(otherId) // another incident: the same one would share the probe's call
    t.equal(other.status, 503, 'a second caller waits for the probe\'s verdict')
    t.equal(other.body.code, 'provider_unavailable')
    t.equal((await probe).status, 200, 'the probe succeeds')
    t.match(await health(h, 'cloudlock'), { status: 'ok', circuit: 'closed' })
    t.equal(await gauge(h, 'cloudlock'), 0, 'metrics: 0 = closed')
    t.equal((await detail()).status, 200)
  })
})
