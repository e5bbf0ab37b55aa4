import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { ProviderAdapter } from '../../src/adapters/types.ts'
import type { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { ChangeService } from '../../src/services/change-service.ts'
import { ChangeTokenCodec } from '../../src/mirror/change-token.ts'
import { serializeIncident } from '../../src/mirror/incident-text.ts'
import { SyncService } from '../../src/sync/sync-service.ts'
import { incident } from '../helpers/incidents.ts'
import { startStack } from '../helpers/stack.ts'

const SYNC = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0 }'
const NO_SHEDDING = 'load_shedding: { max_event_loop_delay_ms: 0 }'

t.test('closing the app answers held long polls at once instead of holding shutdown', async (t) => {
  const stack = await startStack({
    count: 3, yaml: NO_SHEDDING, providerYaml: { cloudlock: SYNC }, appDeps: { changeFeed: { autostart: false } }
  })
  await stack.app.sync!.pollNow('cloudlock')
  const head = await stack.get('/v1/changes')
  const held = stack.get(`/v1/changes?wait=60&after=${encodeURIComponent(head.body.next)}`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const started = Date.now()
  await stack.close()
  t.ok(Date.now() - started < 20_000, `closed in ${Date.now() - started} ms with a 60 s poll held`)
  const answer = await held.catch((err: Error) => ({ status: 0, body: err.message }))
  t.not(answer.status, 500)
})

t.test('after a restart, status and lag come from the store before the first poll', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-restore-'))
  const yaml = `store: { data_dir: ${join(dir, 'db')} }\n${NO_SHEDDING}`
  const opts = { count: 3, yaml, providerYaml: { cloudlock: SYNC }, appDeps: { changeFeed: { autostart: false } } }
  const one = await startStack(opts)
  await one.app.sync!.pollNow('cloudlock')
  const before = (await one.get('/v1/providers')).body.data.find((p: any) => p.id === 'cloudlock').sync
  t.ok(before.complete_through)
  await one.close()
  const two = await startStack(opts)
  t.teardown(() => two.close())
  const after = (await two.get('/v1/providers')).body.data.find((p: any) => p.id === 'cloudlock').sync
  t.equal(after.complete_through, before.complete_through, 'no poll yet, completeness from the store')
  t.not(after.state, 'initial_load')
})

t.test('a write-through that does not finish in time never holds the write', async (t) => {
  const never = { record: () => new Promise(() => {}) } as unknown as MirrorStore
  const errors: string[] = []
  const sync = new SyncService({
    adapters: [{ adapter: { id: 'cl' } as ProviderAdapter, settings: { enabled: true } as any }],
    mirror: never,
    state: {} as any,
    observer: { recorded () {}, polled () {} },
    writeThroughMs: 100,
    onError: (_p, err) => errors.push((err as Error).message)
  })
  const started = Date.now()
  t.equal(await sync.recordWrite(incident({ native_id: '1' })), null)
  t.ok(Date.now() - started < 5_000)
  t.match(errors[0], /timed out/)
})

t.test('a write-through skips incidents created before start_from, as sync does', async (t) => {
  let recorded = 0
  const mirror = { record: async () => { recorded++; return { created: 1 } } } as unknown as MirrorStore
  const sync = new SyncService({
    adapters: [{
      adapter: { id: 'cl' } as ProviderAdapter,
      settings: { enabled: true, start_from: '2026-03-01T00:00:00Z' } as any
    }],
    mirror,
    state: {} as any,
    observer: { recorded () {}, polled () {} }
  })
  t.equal(await sync.recordWrite(incident({ native_id: '1', created_at: '2026-01-01T00:00:00.000Z' })), null)
  t.equal(recorded, 0)
  await sync.recordWrite(incident({ native_id: '2', created_at: '2026-04-01T00:00:00.000Z' }))
  t.equal(recorded, 1)
})

t.test('an append between a long poll\'s read and its wait is not slept through', async (t) => {
  let reads = 0
  const appendsDuringFirstRead = { appends: 0, events: new (await import('node:events')).EventEmitter() }
  const mirror = Object.assign(appendsDuringFirstRead, { storeId: async () => 'st' }) as unknown as MirrorStore
  const feed = {
    read: async () => {
      reads++
      // The first read misses the change, which commits (and is announced) before the wait begins.
      if (reads === 1) (mirror as any).appends++
      return { changes: reads === 1 ? [] : [{ seq: 1, provider: 'cl', native_id: '1', type: 'created', occurred_at: new Date(), detected_at: new Date(), changed: [], previous: {}, incident: null }], position: 1, hasMore: false, completeThrough: new Map() }
    }
  }
  const service = new ChangeService({
    providers: { get: () => ({ id: 'cl' }) as any, all: () => [{ id: 'cl' }] as any },
    store: { feed: feed as any, mirror, serializeIncident },
    codec: new ChangeTokenCodec('s'.repeat(40)),
    sync: null
  })
  const principal = { name: 'k', scopes: new Set(['incidents:read']), providers: null } as any
  const started = Date.now()
  const page = await service.read(principal, {
    limit: 10, raw: false, waitSeconds: 10, signal: new AbortController().signal
  })
  t.equal(JSON.parse(page.toString()).data.length, 1)
  t.ok(Date.now() - started < 5_000, 'answered without waiting for the time-out')
})
