import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startReplica } from '../helpers/replica.ts'
import { request } from 'undici'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'

// Three gateway processes sharing the local Redis must act as one: one rate-limit budget per
// key and one idempotency record per key, whichever replica a request reaches.
const redisUrl = process.env.REDIS_URL

t.test('three replicas share rate limits and idempotency through Redis', { skip: redisUrl ? false : 'REDIS_URL is not set: the multi-replica test needs a Redis (CI sets redis://127.0.0.1:6379)' }, async (t) => {
  const zwa = await buildZwaSimulator({ keyId: 'rid', keySecret: 'rsecret', count: 5 })
  const cloudlock = await buildCloudlockSimulator({ token: 'rtoken', count: 5 })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const cloudlockUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  const run = randomUUID().slice(0, 8) // key names are unique per run so counters never collide across runs
  const key = `replica-key-${run}-0123456789`
  const dir = mkdtempSync(join(tmpdir(), 'gw-replicas-'))
  const config = join(dir, 'gateway.yaml')
  writeFileSync(config, `
cursor: { secret: ${'r'.repeat(40)} }
# a test of sharing, not of load: a busy CI machine must not shed its requests
load_shedding: { max_event_loop_delay_ms: 0 }
limits: { rate_limit_per_minute: 12 }
providers:
  - { id: zwa, type: zwa, base_url: "${zwaUrl}", auth: { mode: api_key, key_id: rid, key_secret: rsecret } }
  - { id: cloudlock, type: cloudlock, base_url: "${cloudlockUrl}/api/v2", token: rtoken }
api_keys:
  - { name: replica-${run}, sha256: ${createHash('sha256').update(key).digest('hex')}, scopes: [incidents:read, incidents:write] }
`)
  const replicas = await Promise.all([startReplica(config, redisUrl!), startReplica(config, redisUrl!), startReplica(config, redisUrl!)])
  t.teardown(async () => {
    for (const r of replicas) r.child.kill('SIGKILL')
    await zwa.close()
    await cloudlock.close()
  })
  const auth = { authorization: `Bearer ${key}` }

  // Idempotency first (4 of the 12 requests in this minute's budget).
  const list = await request(`${replicas[0].url}/v1/incidents?provider=cloudlock&limit=1`, { headers: auth })
  const id = ((await list.body.json()) as any).data[0].id
  await cloudlock.inject({ method: 'DELETE', url: '/__sim/requests' })
  const idem = randomUUID()
  const writes = await Promise.all(replicas.map((r) => request(`${r.url}/v1/incidents/${id}`, {
    method: 'PATCH', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': idem }, body: JSON.stringify({ external_ref: `run-${run}` })
  })))
  const bodies = await Promise.all(writes.map((w) => w.body.text()))
  t.same(writes.map((w) => w.statusCode), [200, 200, 200], bodies.join('\n'))
  t.equal(new Set(bodies).size, 1, 'every replica answered the same')
  const puts = (await cloudlock.inject({ method: 'GET', url: '/__sim/requests' })).json().requests.filter((r: any) => r.method === 'PUT')
  t.equal(puts.length, 1, 'one write reached the vendor across three replicas')
  t.equal(writes.filter((w) => w.headers['idempotent-replayed'] === 'true').length, 2)

  // One ZWA token serves all three replicas.
  for (const r of replicas) {
    const res = await request(`${r.url}/v1/incidents?provider=zwa&limit=1`, { headers: auth })
    t.equal(res.statusCode, 200)
    await res.body.dump()
  }
  const tokens = (await zwa.inject({ method: 'GET', url: '/__sim/requests' })).json().requests.filter((r: any) => r.path.endsWith('/token'))
  t.equal(tokens.length, 1, 'the replicas shared one upstream token through Redis')

  // Then the remaining budget of 5 (12 - 7), spread round-robin over the replicas: the 6th is refused.
  const statuses: number[] = []
  for (let i = 0; i < 7; i++) {
    const res = await request(`${replicas[i % 3].url}/v1/providers`, { headers: auth })
    statuses.push(res.statusCode)
    await res.body.dump()
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429], 'one budget of 12 per minute across all replicas')
})
