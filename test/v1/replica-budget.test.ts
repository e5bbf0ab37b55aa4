import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startReplica } from '../helpers/replica.ts'
import { request } from 'undici'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'

// Three gateway processes on one Redis hold ONE vendor rate budget between them (issue 15): with
// ZWA's search class limited to 5 a minute, 24 concurrent list requests spread over the three reach
// the vendor with exactly 5 searches; a budget per replica would have let 15 through.
const redisUrl = process.env.REDIS_URL
const LIMIT = 5

t.test('three replicas stay within one vendor rate budget', { skip: redisUrl ? false : 'REDIS_URL is not set (CI sets redis://127.0.0.1:6379)' }, async (t) => {
  const zwa = await buildZwaSimulator({ keyId: 'bid', keySecret: 'bsecret', count: 50 })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const run = randomUUID().slice(0, 8)
  const key = `budget-key-${run}-0123456789`
  const dir = mkdtempSync(join(tmpdir(), 'gw-budget-'))
  const config = join(dir, 'gateway.yaml')
  // max_wait_ms 0: a call over the budget is refused at once (503 upstream_rate_limited), so the
  // test sees the budget itself, not how long calls queue for it.
  writeFileSync(config, `
cursor: { secret: ${'b'.repeat(40)} }
# a test of sharing, not of load: a busy CI machine must not shed its requests
load_shedding: { max_event_loop_delay_ms: 0 }
limits: { rate_limit_per_minute: 1000 }
providers:
  - id: zwa
    type: zwa
    base_url: "${zwaUrl}"
    auth: { mode: api_key, key_id: bid, key_secret: bsecret }
    resilience: { max_wait_ms: 0, retries: 0, rate_budget: { medium: { per_minute: ${LIMIT}, per_hour: 100 } } }
api_keys:
  - { name: budget-${run}, sha256: ${createHash('sha256').update(key).digest('hex')}, scopes: [incidents:read] }
`)
  const replicas = await Promise.all([startReplica(config, redisUrl!), startReplica(config, redisUrl!), startReplica(config, redisUrl!)])
  t.teardown(async () => {
    for (const r of replicas) r.child.kill('SIGKILL')
    await zwa.close()
  })
  const auth = { authorization: `Bearer ${key}` }

  // A replica whose start-up probe lost the race on a busy machine probes again every few seconds.
  for (const r of replicas) {
    let mode = ''
    for (let i = 0; i < 60 && mode !== 'shared'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500))
      const res = await request(`${r.url}/readyz`)
      mode = ((await res.body.json()) as any).providers.zwa.rate_budget
    }
    t.equal(mode, 'shared', `/readyz shows the shared budget${mode === 'shared' ? '' : `: ${r.output().slice(-2000)}`}`)
  }
  const providers = await request(`${replicas[1].url}/v1/providers`, { headers: auth })
  t.same(((await providers.body.json()) as any).data[0].rate_budget, { mode: 'shared' }, 'GET /v1/providers too')

  await zwa.inject({ method: 'DELETE', url: '/__sim/requests' })
  // Distinct filters: no read-ahead or coalescing can save a search.
  const days = Array.from({ length: 24 }, (_, i) => i)
  const answers = await Promise.all(days.map(async (d) => {
    const before = new Date(Date.now() - (d + 1) * 3_600_000).toISOString()
    const res = await request(`${replicas[d % 3].url}/v1/incidents?provider=zwa&limit=1&created_before=${before}`, { headers: auth })
    return { status: res.statusCode, body: (await res.body.json()) as any }
  }))
  const searches = (await zwa.inject({ method: 'GET', url: '/__sim/requests' })).json().requests
    .filter((r: any) => r.method === 'POST' && String(r.path ?? r.url).includes('/incidents/search'))
  t.equal(searches.length, LIMIT, `the vendor saw ${searches.length} searches: one budget of ${LIMIT} for all three replicas`)
  const ok = answers.filter((a) => a.status === 200)
  const limited = answers.filter((a) => a.status === 503 && a.body.code === 'upstream_rate_limited')
  t.equal(ok.length, LIMIT, 'as many answers as the budget allows')
  t.equal(limited.length, answers.length - LIMIT, 'the rest are refused by the gateway, never sent')
  t.ok(limited.every((a) => Number(a.body.retry_after ?? 1) >= 1), 'with a wait')
})
