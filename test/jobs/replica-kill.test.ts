import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { request } from 'undici'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'
import { createPgDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'
import { startReplica } from '../helpers/replica.ts'

// A 300-item batch at ZWA with the simulator's rate limits on, run by gateway processes sharing one
// PostgreSQL and one Redis: the replica running the job is killed (SIGKILL) part-way, in the middle
// of a vendor write; another one resumes it once the lease expires, and every incident is closed exactly once at the vendor, with
// no vendor 429 (the job stays within the write budget). The limits are ZWA's documented classes
// scaled up 40x (light 1200 a minute instead of 30), so 300 writes take seconds, not 20 minutes at
// sync's share; what is tested - budget, lease, resume, read-back - does not depend on the scale.
const redisUrl = process.env.REDIS_URL
const skip = !redisUrl || !TEST_DATABASE_URL
  ? 'needs REDIS_URL and TEST_DATABASE_URL (CI sets both)'
  : false
const ITEMS = 300
const KILL_AT = 80

t.test('a killed replica\'s batch job is resumed by another and writes each item exactly once', { skip, timeout: 240_000 }, async (t) => {
  const run = randomBytes(4).toString('hex')
  const provider = `zk${run}` // budgets and locks in the shared Redis are this run's own
  const zwa = await buildZwaSimulator({
    keyId: 'kid',
    keySecret: 'ksecret',
    count: ITEMS + 20,
    seed: 19,
    requestLogSize: 20_000,
    rateLimits: { light: { perMinute: 1200, perHour: 100_000 }, medium: { perMinute: 800, perHour: 100_000 } }
  })
  const zwaUrl = await zwa.listen({ host: '127.0.0.1', port: 0 })
  const dbUrl = await createPgDatabase(t)
  const key = `kill-key-${run}-0123456789`
  const dir = mkdtempSync(join(tmpdir(), 'gw-kill-'))
  const config = join(dir, 'gateway.yaml')
  writeFileSync(config, `
cursor: { secret: ${'k'.repeat(40)} }
# a test of sharing, not of load: a busy CI machine must not shed its requests
load_shedding: { max_event_loop_delay_ms: 0 }
limits: { rate_limit_per_minute: 100000, request_timeout_ms: 5000 }
observability: { audit_log: "off" }
store: { database_url: "${dbUrl}" }
jobs: { lease_ms: 3000, item_timeout_ms: 5000 }
providers:
  - id: ${provider}
    type: zwa
    base_url: "${zwaUrl}"
    auth: { mode: api_key, key_id: kid, key_secret: ksecret }
    resilience: { rate_budget: { light: { per_minute: 1200, per_hour: 100000 }, medium: { per_minute: 800, per_hour: 100000 } } }
api_keys:
  - { name: kill-${run}, sha256: ${createHash('sha256').update(key).digest('hex')}, scopes: [incidents:read, incidents:write] }
`)
  const first = await startReplica(config, redisUrl!)
  const replicas = [first]
  t.teardown(async () => {
    for (const r of replicas) r.child.kill('SIGKILL')
    await zwa.close()
  })
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const json = async (url: string, init: { method?: string, body?: unknown } = {}) => {
    const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: auth, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
    return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as any }
  }

  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page = await json(`${first.url}/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    t.equal(page.status, 200)
    ids.push(...page.body.data.map((i: any) => i.id))
    cursor = page.body.next_cursor
  } while (cursor && ids.length < ITEMS)
  const targets = ids.slice(0, ITEMS)
  await zwa.inject({ method: 'DELETE', url: '/__sim/requests' })

  await zwa.inject({ method: 'POST', url: '/__sim/faults', payload: { route: `POST /dlp/v1/incidents/${targets[KILL_AT].split(':')[1]}/close`, latency_ms: 2500, count: 1 } })
  const operations = targets.map((id) => ({ id, action: 'close', body: { classification: 'false_positive' } }))
  const accepted = await json(`${first.url}/v1/incidents/batch`, { method: 'POST', body: { operations } })
  t.equal(accepted.status, 202)
  const jobId = accepted.body.job_id as string

  // The first replica is killed while item KILL_AT's close is at the vendor: the simulator holds
  // that request 2.5 s and then applies it, after its sender is dead. Another replica then starts,
  // finds the item 'attempting' once the lease has expired, and must read it back (until the write
  // shows, or the settle time passes) rather than send it again.
  const pgc = new pg.Client({ connectionString: dbUrl })
  await pgc.connect()
  t.teardown(() => pgc.end())
  const itemState = async () => (await pgc.query('SELECT state FROM batch_items WHERE job_id = $1 AND idx = $2',
    [jobId, KILL_AT])).rows[0].state as string
  while (await itemState() === 'pending') await new Promise((resolve) => setTimeout(resolve, 10))
  const seen = await itemState()
  t.equal(seen, 'attempting', 'the item is at the vendor')
  first.child.kill('SIGKILL')
  replicas.push(await startReplica(config, redisUrl!))
  const second = replicas[1]
  const left = await pgc.query('SELECT state, count(*)::int AS n FROM batch_items WHERE job_id = $1 GROUP BY state ORDER BY state', [jobId])
  t.comment(`left by the killed replica: ${JSON.stringify(left.rows)}`)

  const until = Date.now() + 180_000
  let job: any
  do {
    await new Promise((resolve) => setTimeout(resolve, 250))
    job = (await json(`${second.url}/v1/jobs/${jobId}`)).body
  } while (job.state !== 'done' && Date.now() < until)
  t.equal(job.state, 'done', 'the other replica finished the job')
  t.same(job.progress, { done: ITEMS, total: ITEMS })
  t.equal(job.results.filter((r: any) => r.status === 'succeeded').length, ITEMS, 'every item succeeded')
  t.equal(job.results[KILL_AT].incident.status, 'resolved', 'the item in flight at the kill was read back as applied')

  const log = (await zwa.inject({ method: 'GET', url: '/__sim/requests' })).json().requests as any[]
  const closes = new Map<string, number>()
  for (const r of log) {
    const m = /\/incidents\/([^/]+)\/close$/.exec(r.path)
    if (r.method === 'POST' && m) closes.set(m[1], (closes.get(m[1]) ?? 0) + 1)
  }
  const counts = targets.map((id) => closes.get(id.split(':')[1]) ?? 0)
  const wrong = targets.map((id, i) => [i, id, counts[i]]).filter(([, , c]) => c !== 1)
  t.same(wrong, [], 'each incident was closed at the vendor exactly once')
  for (const [i, id] of wrong) {
    t.comment(JSON.stringify(log.filter((r) => r.path.includes(String(id).split(':')[1])).map((r) => [r.method, r.path, r.status, r.at])))
    t.comment(JSON.stringify(job.results[i as number]))
  }
  t.equal(closes.size, ITEMS, 'and no other incident was')
  t.equal(log.filter((r) => r.status === 429).length, 0, 'the vendor never answered 429: the job kept to the budget')
})
