import t from 'tap'
import { KEY_PREFIX } from '../../src/plugins/app/idempotency.ts'
import type { MemoryStore } from '../../src/state/memory-store.ts'
import { buildTestApp } from '../helpers/build.ts'

// The soak's heap grew with the in-memory idempotency records: every keyed write keeps its answer
// for 24 h. The store the gateway builds without REDIS_URL holds at most 8 MiB of them, newest
// kept, whatever the write rate (docs/reliability.md, "Memory").
const LIMIT = 8 * 1024 * 1024

t.test('completed idempotency records stay within 8 MiB, the newest kept', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  const store = app.sharedStore as MemoryStore
  t.equal(store.kind, 'memory')
  const records = app.sharedStoreFor('idempotency')
  const body = JSON.stringify({ id: 'cloudlock:x', summary: 'y'.repeat(1_900) }) // an incident's size
  const written = 8_000 // ~16 MB of answers: twice the bound
  for (let i = 0; i < written; i++) {
    const done = JSON.stringify({ state: 'done', fp: 'f', status: 200, type: 'application/json', body })
    await records.set(`${KEY_PREFIX}${String(i).padStart(8, '0')}`, done, 24 * 60 * 60 * 1000)
  }
  const usage = store.usage()
  t.ok(usage.bytes <= LIMIT, `${(usage.bytes / 2 ** 20).toFixed(1)} MiB kept`)
  t.ok(usage.entries < written && usage.entries > 3_000, `${usage.entries} of ${written} records kept`)
  t.not(await records.get(`${KEY_PREFIX}${String(written - 1).padStart(8, '0')}`), null, 'the newest is kept')
  t.equal(await records.get(`${KEY_PREFIX}${'0'.repeat(8)}`), null, 'the oldest went first')
})
