// Sync's share of a vendor rate budget shared by replicas through Redis: two pipelines (two
// replicas) on one Redis, random interleavings of sync and interactive calls, each held in flight
// until the run finishes it. Together they never let sync exceed its share of a window nor all
// calls the limit, every refusal is justified, and no store error happens. Windows are a minute or
// more, so nothing expires during a run and Redis's clock does not matter. With Redis away, sync
// keeps to its share of the replica's fallback share.
import { createServer } from 'node:net'
import fc from 'fast-check'
import t from 'tap'
import type { Redis } from 'ioredis'
import { createPurposeBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { BudgetWindow } from '../../src/upstream/budget/budget.ts'
import type { CallPurpose } from '../../src/upstream/call-options.ts'
import type { UpstreamClient, UpstreamResponse } from '../../src/upstream/http/upstream-client.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'
import { UNGUARDED } from '../../src/upstream/resilience/settings.ts'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { syncLimit } from './purpose-model.ts'
import { client, connected, dropPrefix, randomPrefix, redisMissing } from './redis.ts'

const windows: Record<string, BudgetWindow[]> = {
  a: [{ limit: 6, ms: 60_000 }, { limit: 8, ms: 3_600_000 }],
  b: [{ limit: 3, ms: 60_000 }]
}
const limitOf = (cls: string) => Math.min(...windows[cls].map((w) => w.limit))
const shareOf = (cls: string, share: number) => Math.min(...windows[cls].map((w) => syncLimit(w.limit, share)))

const op = (cls: string): Operation<unknown> =>
  ({ name: `read_${cls}`, method: 'GET', path: '/things', rateClass: cls, idempotent: true, parse: (b) => b })

// A transport that holds every request until the test releases it, and says when one arrives.
function heldTransport () {
  const waiting: Array<() => void> = []
  let arrived: () => void = () => {}
  const transport = {
    origin: 'http://vendor.test',
    basePath: '',
    request: () => new Promise<UpstreamResponse>((resolve) => {
      waiting.push(() => resolve({ status: 200, headers: {}, text: '{}', json: {} }))
      arrived()
    }),
    close: async () => {}
  } as unknown as UpstreamClient
  return {
    transport,
    waiting,
    nextArrival: () => new Promise<'sent'>((resolve) => { arrived = () => resolve('sent') })
  }
}

function replica (redis: Redis, keyPrefix: string, share: number, errors: unknown[]) {
  const held = heldTransport()
  const pipeline = new UpstreamPipeline({
    providerId: 'p',
    providerType: 'test',
    settings: { ...UNGUARDED, rateBudget: windows },
    transport: held.transport,
    authenticator: staticBearer('x'),
    errorMessageKey: 'message',
    budget: createPurposeBudget({
      providerId: 'p',
      windowsByClass: windows,
      syncShare: share,
      redis,
      keyPrefix,
      fallbackShare: 0.25,
      onStoreError: (e) => errors.push(e)
    })
  })
  return { pipeline, held }
}

const callArb = fc.record({
  replica: fc.constantFrom(0, 1),
  purpose: fc.constantFrom<CallPurpose>('sync', 'interactive'),
  cls: fc.constantFrom('a', 'b'),
  finish: fc.boolean() // release one request in flight after this call
})

t.test('two replicas: sync within its share, all calls within the limit', { skip: await redisMissing() }, async (t) => {
  const redis = await connected()
  const prefixes: string[] = []
  t.teardown(async () => {
    for (const p of prefixes) await dropPrefix(redis, p)
    redis.disconnect()
  })
  let refusals = 0
  await fc.assert(fc.asyncProperty(
    fc.double({ min: 0.05, max: 1, noNaN: true }), fc.array(callArb, { minLength: 10, maxLength: 40 }),
    async (share, calls) => {
      const keyPrefix = randomPrefix()
      prefixes.push(keyPrefix)
      const errors: unknown[] = []
      const replicas = [replica(redis, keyPrefix, share, errors), replica(redis, keyPrefix, share, errors)]
      const sent = { a: { sync: 0, interactive: 0 }, b: { sync: 0, interactive: 0 } }
      const running: Array<Promise<unknown>> = []
      for (const c of calls) {
        const r = replicas[c.replica]
        const arrival = r.held.nextArrival()
        // A deadline far shorter than any wait here: a refused sync call answers at once.
        const call = r.pipeline.call(op(c.cls), {}, { purpose: c.purpose, deadline: Date.now() + 500 })
        running.push(call.catch(() => {}))
        const first = await Promise.race([arrival, call.then(() => 'ok', (e: { code?: string }) => e.code)])
        const s = sent[c.cls as 'a' | 'b']
        if (first === 'sent') {
          s[c.purpose]++
        } else {
          if (first !== 'upstream_rate_limited') throw new Error(`unexpected outcome ${String(first)}`)
          refusals++
          const full = s.sync + s.interactive >= limitOf(c.cls) || (c.purpose === 'sync' && s.sync >= shareOf(c.cls, share))
          if (!full) throw new Error(`${c.purpose} call of ${c.cls} refused with room left: ${JSON.stringify(s)}`)
        }
        if (c.finish) for (const x of replicas) x.held.waiting.shift()?.()
      }
      for (const x of replicas) for (const release of x.held.waiting.splice(0)) release()
      await Promise.all(running)
      await Promise.all(replicas.map((x) => x.pipeline.close()))
      for (const cls of ['a', 'b'] as const) {
        const s = sent[cls]
        if (s.sync + s.interactive > limitOf(cls)) throw new Error(`${cls}: ${JSON.stringify(s)} over ${limitOf(cls)}`)
        if (s.sync > shareOf(cls, share)) throw new Error(`${cls}: ${s.sync} sync calls over ${shareOf(cls, share)}`)
      }
      if (errors.length > 0) throw new Error(`store errors: ${errors}`)
      if (replicas.some((x) => x.pipeline.budgetMode() !== 'shared')) throw new Error('left shared mode')
    }), { numRuns: 40 })
  t.ok(refusals > 20, `the runs reached the limits (${refusals} refusals)`)
})

t.test('Redis away: sync keeps to its share of the fallback share, errors reported', async (t) => {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise((resolve) => s.close(resolve))
  const redis = client(`redis://127.0.0.1:${port}`)
  t.teardown(() => redis.disconnect())
  const errors: unknown[] = []
  // Limit 40: fallback share 0.25 is 10 for the replica; sync's share 0.5 of 40 is 20, its fallback 5.
  const budget = createPurposeBudget({
    providerId: 'p',
    windowsByClass: { a: [{ limit: 40, ms: 60_000 }] },
    syncShare: 0.5,
    redis,
    fallbackShare: 0.25,
    onStoreError: (e) => errors.push(e)
  })
  const taken = { sync: 0, interactive: 0 }
  for (const purpose of ['sync', 'interactive'] as const) {
    while ('slots' in await budget.reserve('a', purpose)) taken[purpose]++
  }
  t.same(taken, { sync: 5, interactive: 5 }, 'sync: 5 of the fallback 10; interactive calls keep the rest')
  t.equal(budget.main.mode(), 'fallback')
  t.equal(budget.sync?.mode(), 'fallback')
  t.ok(errors.length >= 2, 'the failures of both budgets were reported')
  await budget.close()
})
