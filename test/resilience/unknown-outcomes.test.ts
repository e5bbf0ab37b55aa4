// Unknown write outcomes (spec section 6) over HTTP against both simulators: the vendor applies
// the write but its answer never arrives in time (slow_body), or the connection is reset before
// the vendor acts (reset). Every write the gateway offers, with and without Idempotency-Key, with
// the in-memory store and with Redis: the gateway reads the incident back and decides, answers
// 502 write_outcome_unknown while it cannot, and never sends the vendor write a second time.
import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { startHarness, type Harness, type Sim } from './harness.ts'

const redisUrl = process.env.REDIS_URL
// No breaker and no budgets: the read-back failures below must not open the circuit.
const RESILIENCE = '{ retries: 1, backoff: { base_ms: 10, max_ms: 20 }, breaker: { failure_threshold: 0 }, rate_budget: { enabled: false } }'
const SLOW = { mode: 'slow_body', chunk_interval_ms: 1_500 }

interface Write {
  name: string
  provider: 'zwa' | 'cloudlock'
  method: 'POST' | 'PATCH'
  path: (id: string) => string // gateway path
  vendor: (id: string) => string // the vendor write's "METHOD path"
  body: (tag: string) => Record<string, unknown>
  took: (incident: any, tag: string) => boolean // the effect shows in the incident
}

const zwaWrite = (sub: string) => (id: string) => `POST /dlp/v1/incidents/${id}${sub}`
const WRITES: Write[] = [
  {
    name: 'ZWA note',
    provider: 'zwa',
    method: 'POST',
    path: (id) => `/v1/incidents/zwa:${id}/notes`,
    vendor: zwaWrite('/notes'),
    body: (tag) => ({ text: `note ${tag}` }),
    took: (i, tag) => i.notes.filter((n: any) => n.text === `note ${tag}`).length === 1
  },
  {
    name: 'ZWA labels',
    provider: 'zwa',
    method: 'POST',
    path: (id) => `/v1/incidents/zwa:${id}/labels`,
    vendor: zwaWrite('/labels'),
    body: (tag) => ({ labels: [{ key: 'case', value: tag }] }),
    took: (i, tag) => i.labels.some((l: any) => l.key === 'case' && l.value === tag)
  },
  {
    name: 'ZWA close',
    provider: 'zwa',
    method: 'POST',
    path: (id) => `/v1/incidents/zwa:${id}/close`,
    vendor: zwaWrite('/close'),
    body: (tag) => ({ classification: 'false_positive', notes: `closed ${tag}`, label: { key: 'closed', value: tag } }),
    took: (i, tag) => i.status === 'resolved' && i.classification === 'false_positive' && i.notes.some((n: any) => n.text === `closed ${tag}`)
  },
  {
    name: 'ZWA PATCH status',
    provider: 'zwa',
    method: 'PATCH',
    path: (id) => `/v1/incidents/zwa:${id}`,
    vendor: zwaWrite('/close'),
    body: () => ({ status: 'resolved' }),
    took: (i) => i.status === 'resolved'
  },
  {
    name: 'Cloudlock PATCH',
    provider: 'cloudlock',
    method: 'PATCH',
    path: (id) => `/v1/incidents/cloudlock:${id}`,
    vendor: (id) => `PUT /api/v2/incidents/${id}`,
    body: (tag) => ({ severity: 'high', external_ref: tag }),
    took: (i, tag) => i.severity === 'high' && i.external_ref === tag
  },
  {
    name: 'Cloudlock close',
    provider: 'cloudlock',
    method: 'POST',
    path: (id) => `/v1/incidents/cloudlock:${id}/close`,
    vendor: (id) => `PUT /api/v2/incidents/${id}`,
    body: () => ({ classification: 'false_positive' }),
    took: (i) => i.status === 'dismissed'
  }
]

interface Ctx { h: Harness, fresh: (w: Write) => Promise<string> }

async function setup (t: Test, yaml = ''): Promise<Ctx> {
  const h = await startHarness({
    count: 40,
    requestTimeoutMs: 8_000,
    timeouts: { connect_ms: 1_000, headers_ms: 1_000, body_ms: 500 },
    zwaResilience: RESILIENCE,
    cloudlockResilience: RESILIENCE,
    yaml
  })
  t.teardown(() => h.close())
  // Open incidents, each used by one case only.
  const pools: Record<string, string[]> = {}
  for (const provider of ['zwa', 'cloudlock']) {
    const res = await h.get(`/v1/incidents?provider=${provider}&status=new&limit=40`)
    pools[provider] = res.body.data.map((i: any) => i.native_id)
  }
  return {
    h,
    fresh: async (w) => {
      const id = pools[w.provider].shift()
      if (!id) throw new Error(`no open ${w.provider} incident left`)
      return id
    }
  }
}

const simOf = (h: Harness, w: Write): Sim => w.provider === 'zwa' ? h.zwa : h.cloudlock
const [methodOf, pathOf] = [(route: string) => route.split(' ')[0], (route: string) => route.split(' ')[1]]
const vendorWrites = async (h: Harness, w: Write, id: string) =>
  (await simOf(h, w).requests(pathOf(w.vendor(id)), methodOf(w.vendor(id)))).filter((r) => r.path === pathOf(w.vendor(id))).length
const readIncident = async (h: Harness, w: Write, id: string) => (await h.get(`/v1/incidents/${w.provider}:${id}`)).body

// Sends the write while the vendor's answer is slow; as soon as the vendor has it, its incident
// reads fail too, so the gateway cannot decide.
async function sendWithFailingReadBack (h: Harness, w: Write, id: string, body: unknown, headers: Record<string, string>) {
  const sim = simOf(h, w)
  await sim.fault({ route: w.vendor(id), ...SLOW, count: 1 })
  const pending = h.send(w.method, w.path(id), body, headers)
  while (await vendorWrites(h, w, id) === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const detail = w.provider === 'zwa' ? `GET /dlp/v1/incidents/${id}` : `GET /api/v2/incidents/${id}`
  await sim.fault({ route: detail, status: 500 })
  return pending
}

function cases (t: Test, yaml: string, writes: Write[]) {
  for (const w of writes) {
    t.test(`${w.name}: the answer is lost after the vendor applied it`, async (t) => {
      const { h, fresh } = await setup(t, yaml)
      const key = randomUUID()
      const tag = randomUUID().slice(0, 8)

      // 1. Lost answer, read-back works: decided applied, the answer is the incident read back.
      let id = await fresh(w)
      await simOf(h, w).fault({ route: w.vendor(id), ...SLOW, count: 1 })
      const first = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key })
      t.equal(first.status, 200, 'decided: applied')
      t.ok(w.took(first.body, tag), 'the answer shows the change')
      const again = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key })
      t.equal(again.status, 200)
      t.equal(again.headers['idempotent-replayed'], 'true', 'the decided outcome is replayed')
      t.equal(await vendorWrites(h, w, id), 1, 'one vendor write')
      t.ok(w.took(await readIncident(h, w, id), tag), 'applied exactly once')

      // 2. Lost answer, read-back fails: 502 write_outcome_unknown, repeated, never a second write;
      //    once reads work again, a repeat decides.
      id = await fresh(w)
      const key2 = randomUUID()
      const unknown = await sendWithFailingReadBack(h, w, id, w.body(tag), { 'idempotency-key': key2 })
      t.equal(unknown.status, 502)
      t.equal(unknown.body.code, 'write_outcome_unknown')
      t.equal(unknown.body.provider, w.provider)
      const stillUnknown = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key2 })
      t.equal(stillUnknown.body.code, 'write_outcome_unknown', 'the repeat cannot decide either')
      t.equal(await vendorWrites(h, w, id), 1, 'the repeat did not write')
      await simOf(h, w).clearFaults()
      const decided = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key2 })
      t.equal(decided.status, 200, 'read-back recovered: decided applied')
      t.ok(w.took(decided.body, tag))
      const replay = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key2 })
      t.equal(replay.headers['idempotent-replayed'], 'true')
      t.equal(await vendorWrites(h, w, id), 1, 'one vendor write in all')

      // 3. Reset before the vendor acted: decided not applied, the key is released, a repeat writes once.
      id = await fresh(w)
      const key3 = randomUUID()
      await simOf(h, w).fault({ route: w.vendor(id), mode: 'reset', count: 1 })
      const reset = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key3 })
      t.equal(reset.status, 502)
      t.equal(reset.body.code, 'upstream_error')
      t.match(reset.body.detail, /not applied, so repeating the request is safe/)
      const retried = await h.send(w.method, w.path(id), w.body(tag), { 'idempotency-key': key3 })
      t.equal(retried.status, 200, 'the released key lets the repeat write')
      t.equal(retried.headers['idempotent-replayed'], undefined)
      t.ok(w.took(retried.body, tag), 'applied once')
      t.equal(await vendorWrites(h, w, id), 2, 'the reset write and the repeat')

      // 4. Without Idempotency-Key: still read back and decided once.
      id = await fresh(w)
      await simOf(h, w).fault({ route: w.vendor(id), ...SLOW, count: 1 })
      const unkeyed = await h.send(w.method, w.path(id), w.body(tag))
      t.equal(unkeyed.status, 200, 'no key: decided applied')
      t.ok(w.took(unkeyed.body, tag))
      id = await fresh(w)
      const unkeyedUnknown = await sendWithFailingReadBack(h, w, id, w.body(tag), {})
      t.equal(unkeyedUnknown.body.code, 'write_outcome_unknown')
      t.match(unkeyedUnknown.body.detail, /Read the incident/)
      t.equal(await vendorWrites(h, w, id), 1)
      await simOf(h, w).clearFaults()
    })
  }
}

t.test('in-memory store', async (t) => cases(t, '', WRITES))

// The record handling is the same for every write: one per vendor with Redis.
t.test('Redis store', { skip: redisUrl ? false : 'REDIS_URL is not set (CI sets redis://127.0.0.1:6379)' }, async (t) =>
  cases(t, `redis_url: ${redisUrl}`, WRITES.filter((w) => w.name === 'ZWA note' || w.name === 'Cloudlock PATCH')))
