import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import { PgDatabase } from '../../src/store/pg-database.ts'
import { migrate } from '../../src/store/migrate.ts'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { createPgDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts'
import { startReplica } from '../helpers/replica.ts'

// Three gateway processes on one PostgreSQL database (spec section 9, docs/sync.md "Replicas"):
// exactly one syncs; killing it mid-poll or freezing it past its lease hands sync to another within
// 30 s, the feed goes on with no gap and no duplicate, and the frozen one writes nothing once it
// wakes; a long poll on one replica is woken by a change another replica synced.
//
// Every write sync makes to the feed, checkpoints and progress is logged by a trigger with the lease
// its transaction was fenced under and the lease current at that moment: they must always be equal.

const LOG_WRITES = `
CREATE TABLE write_log (id bigserial PRIMARY KEY, tbl text NOT NULL, lease text, current_lease text,
  at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE FUNCTION log_sync_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO write_log (tbl, lease, current_lease) SELECT TG_TABLE_NAME,
    nullif(current_setting('dlp_gateway.lease', true), ''),
    (SELECT holder || '/' || epoch FROM sync_leases WHERE name = 'sync:' || NEW.provider);
  RETURN NEW;
END $$;
CREATE TRIGGER log_changes AFTER INSERT OR UPDATE ON changes FOR EACH ROW EXECUTE FUNCTION log_sync_write();
CREATE TRIGGER log_state AFTER INSERT OR UPDATE ON sync_state FOR EACH ROW EXECUTE FUNCTION log_sync_write();
CREATE TRIGGER log_checkpoints AFTER INSERT OR UPDATE ON sync_checkpoints FOR EACH ROW
  EXECUTE FUNCTION log_sync_write();
`

interface Change { seq: number, type: string, incident_id: string, changed: string[], incident: any }

t.test('three replicas on one PostgreSQL: one leader, fenced failover, no gap, no duplicate, woken long polls', {
  skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set (CI sets it)',
  timeout: 280_000
}, async (t) => {
  const url = await createPgDatabase(t)
  const admin = new PgDatabase({ url })
  t.teardown(() => admin.close())
  await migrate(admin)
  await admin.exec(LOG_WRITES)

  const cloudlock = await buildCloudlockSimulator({ token: 'ftoken', count: 40 })
  const simUrl = await cloudlock.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => cloudlock.close())
  const key = `failover-key-${randomUUID()}`
  const dir = mkdtempSync(join(tmpdir(), 'gw-failover-'))
  const config = join(dir, 'gateway.yaml')
  writeFileSync(config, `
cursor: { secret: ${'f'.repeat(40)} }
store: { database_url: "${url}", leader_lease_s: 3 }
load_shedding: { max_event_loop_delay_ms: 0 }
providers:
  - id: cloudlock
    type: cloudlock
    base_url: "${simUrl}/api/v2"
    token: ftoken
    sync: { enabled: true, poll_interval_s: 1, lookback_s: 1 }
api_keys:
  - { name: failover, sha256: ${createHash('sha256').update(key).digest('hex')}, scopes: [incidents:read] }
`)
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(config, undefined)))
  t.teardown(() => { for (const r of replicas) r.child.kill('SIGKILL') })
  const alive = new Set(replicas)
  const headers = { authorization: `Bearer ${key}` }
  const get = async (base: string, path: string) => {
    const res = await request(`${base}${path}`, { headers, headersTimeout: 70_000, bodyTimeout: 70_000 })
    return { status: res.statusCode, body: await res.body.json() as any }
  }
  const leaderOf = async () => {
    for (const r of alive) {
      const res = await get(r.url, '/v1/providers').catch(() => null)
      const sync = res?.body.data?.find((p: any) => p.id === 'cloudlock')?.sync
      if (sync?.leader?.this_replica === true) return r
    }
    return null
  }
  const waitFor = async <T> (what: string, fn: () => Promise<T | null | false>, ms = 40_000): Promise<T> => {
    const until = Date.now() + ms
    for (;;) {
      const v = await fn()
      if (v) return v
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
      await sleep(200)
    }
  }

  // The initial load is done when every incident is in the feed.
  const leader1 = await waitFor('a leader', leaderOf)
  const holders = await admin.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM sync_leases
    WHERE name = 'sync:cloudlock' AND expires_at > now()`)
  t.equal(holders[0].n, 1, 'one lease for the provider')

  // A reader on the replicas that stay, following `next` without ever skipping.
  const seen: Change[] = []
  let token: string | undefined
  const reading = { on: true }
  const reader = (async () => {
    while (reading.on) {
      const r = [...alive].find((x) => x !== leader1) ?? [...alive][0]
      const q = `/v1/changes?limit=1000&wait=1${token ? `&after=${encodeURIComponent(token)}` : ''}`
      const res = await get(r.url, q).catch(() => null)
      if (res?.status !== 200) {
        await sleep(200)
        continue
      }
      seen.push(...res.body.data)
      token = res.body.next
    }
  })()
  t.teardown(() => { reading.on = false })
  await waitFor('the initial load in the feed', async () => seen.length >= 40)

  const patch = (nativeId: string, value: string) => cloudlock.inject({
    method: 'PATCH', url: `/__sim/incidents/${nativeId}`, payload: { customer_key: value }
  })
  const ids = [...new Set(seen.map((c) => c.incident_id.split(':')[1]))]
  t.equal(ids.length, 40)
  const expected = new Map<string, string>() // incident -> the one value each mutation gave it
  let n = 0
  const mutate = async () => {
    const id = ids[n % ids.length]
    const value = `v-${n++}`
    expected.set(`${id}|${value}`, id)
    t.equal((await patch(id, value)).statusCode, 200)
  }

  // Slow vendor pages: the leader is inside a poll almost all the time when it is killed.
  await cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { latency_ms: 700 } })
  for (let i = 0; i < 4; i++) await mutate()
  await sleep(1_500)
  const killedAt = Date.now()
  leader1.child.kill('SIGKILL')
  alive.delete(leader1)
  for (let i = 0; i < 4; i++) await mutate()
  const leader2 = await waitFor('a new leader', leaderOf)
  t.ok(Date.now() - killedAt < 30_000, `a standby took over within 30 s (${Date.now() - killedAt} ms)`)
  t.not(leader2, leader1)

  // Frozen past its lease with a vendor call in flight: when it wakes it must not write.
  for (let i = 0; i < 2; i++) await mutate()
  await sleep(1_000)
  leader2.child.kill('SIGSTOP')
  const stoppedAt = Date.now()
  const leader3 = await waitFor('a leader while the former one is frozen', async () => {
    for (const r of alive) {
      if (r === leader2) continue
      const res = await get(r.url, '/v1/providers').catch(() => null)
      if (res?.body.data?.find((p: any) => p.id === 'cloudlock')?.sync?.leader?.this_replica) return r
    }
    return null
  })
  t.ok(Date.now() - stoppedAt < 30_000, 'taken over from the frozen leader within 30 s')
  for (let i = 0; i < 3; i++) await mutate()
  leader2.child.kill('SIGCONT')
  await sleep(4_000) // its interrupted poll resumes and tries to write
  const woken = await get(leader2.url, '/v1/providers')
  t.equal(woken.body.data.find((p: any) => p.id === 'cloudlock').sync.leader.this_replica, false,
    'the woken replica knows it no longer leads')
  t.equal(woken.body.data.find((p: any) => p.id === 'cloudlock').sync.leader.replica,
    (await get(leader3.url, '/v1/providers')).body.data.find((p: any) => p.id === 'cloudlock').sync.leader.replica,
    'and names the same leader as the leader itself')

  // A long poll on a replica that does not sync is woken by a change the leader synced.
  const standby = [...alive].find((r) => r !== leader3)!
  await cloudlock.inject({ method: 'DELETE', url: '/__sim/faults' })
  await waitFor('every mutation in the feed', async () =>
    [...expected.keys()].every((k) => seen.some((c) => `${c.incident_id.split(':')[1]}|${c.incident?.external_ref}` === k)),
  60_000)
  let head = (await get(standby.url, '/v1/changes?limit=1000')).body
  while (head.has_more) head = (await get(standby.url, `/v1/changes?limit=1000&after=${encodeURIComponent(head.next)}`)).body
  const started = Date.now()
  const held = get(standby.url, `/v1/changes?wait=30&after=${encodeURIComponent(head.next)}`)
  await sleep(500)
  await mutate()
  const woke = await held
  t.equal(woke.status, 200)
  t.ok(woke.body.data.length >= 1, 'the held request answered with the change')
  t.ok(Date.now() - started < 20_000, `woken by the other replica's commit, not by its 30 s wait (${Date.now() - started} ms)`)
  await waitFor('the last mutation in the feed', async () =>
    [...expected.keys()].every((k) => seen.some((c) => `${c.incident_id.split(':')[1]}|${c.incident?.external_ref}` === k)))
  reading.on = false
  await reader

  // No gap: the reader saw every seq from 1 to its last, in order. No duplicate: every change is a
  // new state of its incident, and each mutation's state appears exactly once.
  const seqs = seen.map((c) => c.seq)
  t.same(seqs, seqs.map((_, i) => i + 1), 'contiguous seqs, each once, in order')
  const lastState = new Map<string, string>()
  for (const c of seen) {
    const state = JSON.stringify(c.incident)
    t.not(lastState.get(c.incident_id), state, `a change is a new state (${c.seq})`)
    lastState.set(c.incident_id, state)
    if (c.type === 'updated') t.ok(c.changed.length > 0)
  }
  for (const k of expected.keys()) {
    t.equal(seen.filter((c) => `${c.incident_id.split(':')[1]}|${c.incident?.external_ref}` === k).length, 1,
      `mutation ${k} appears once`)
  }

  // Fencing: every sync write was made under the lease current when it was made.
  const writes = await admin.query<{ tbl: string, lease: string | null, current_lease: string | null }>(
    'SELECT tbl, lease, current_lease FROM write_log ORDER BY id')
  t.ok(writes.length > 0)
  const foreign = writes.filter((w) => w.lease === null || w.lease !== w.current_lease)
  t.same(foreign, [], 'no write outside the current lease')
  // The first leader and the last wrote (the frozen one may have had nothing to write before it froze).
  const epochs = new Set(writes.map((w) => w.lease))
  t.ok(epochs.size >= 2, `leaders wrote in turn (${[...epochs].join(', ')})`)
})
