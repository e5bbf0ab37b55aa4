// Property: two SharedRateBudget instances (two replicas) behave as one LocalRateBudget (the model)
// over random interleavings of reserve, done, cancel and pause. Windows are a minute or more and
// pauses 20 s or more, so nothing expires during a run (a pause ending mid-run would race the
// tolerance between the two clocks): every grant or refusal must match exactly, every wait to
// within the few milliseconds between the two calls.
import fc from 'fast-check'
import t from 'tap'
import type { BudgetSlot } from '../../src/upstream/budget/budget.ts'
import { fallbackWindows } from '../../src/upstream/budget/budget-factory.ts'
import { LocalRateBudget, type LocalSlot } from '../../src/upstream/budget/local-rate-budget.ts'
import { SharedRateBudget } from '../../src/upstream/budget/shared-rate-budget.ts'
import { connected, dropPrefix, randomPrefix, redisMissing } from './redis.ts'

const windows = { a: [{ limit: 3, ms: 60_000 }, { limit: 5, ms: 120_000 }], b: [] }

const cls = fc.constantFrom('a', 'b')
const replica = fc.constantFrom(0, 1)
const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('reserve' as const), replica, cls }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('done' as const), k: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), k: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('pause' as const), replica, cls, ms: fc.integer({ min: 20_000, max: 50_000 })
    })
  }
)

t.test('two shared instances act as one local budget', { skip: await redisMissing() }, async (t) => {
  const redis = await connected()
  const prefixes: string[] = []
  t.teardown(async () => {
    for (const p of prefixes) await dropPrefix(redis, p)
    redis.disconnect()
  })
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
    const keyPrefix = randomPrefix()
    prefixes.push(keyPrefix)
    const errors: unknown[] = []
    const replicas = [0, 1].map(() => new SharedRateBudget({
      redis,
      providerId: 'p',
      windowsByClass: windows,
      fallbackWindows: fallbackWindows(windows, 0.25),
      keyPrefix,
      onStoreError: (e) => errors.push(e)
    }))
    const model = new LocalRateBudget(windows, Date.now)
    const held: Array<{ replica: number, slot: BudgetSlot, model: LocalSlot }> = []
    const settle = () => Promise.all(replicas.map((r) => r.close()))
    for (const o of ops) {
      if (o.op === 'reserve') {
        const got = await replicas[o.replica].reserve(o.cls)
        const want = model.reserveNow(o.cls)
        if ('slot' in got !== 'slot' in want) {
          throw new Error(`reserve ${o.cls}: ${JSON.stringify(got)} vs the model's ${JSON.stringify(want)}`)
        }
        if ('slot' in got && 'slot' in want) held.push({ replica: o.replica, slot: got.slot, model: want.slot })
        if ('waitMs' in got && 'waitMs' in want && Math.abs(got.waitMs - want.waitMs) > 50) {
          throw new Error(`wait ${got.waitMs} ms vs the model's ${want.waitMs} ms`)
        }
      } else if (o.op === 'pause') {
        const until = Date.now() + o.ms
        replicas[o.replica].pause(o.cls, until)
        model.pause(o.cls, until)
      } else if (held.length > 0) {
        const [h] = held.splice(o.k % held.length, 1)
        replicas[h.replica][o.op](h.slot)
        model[o.op](h.model)
      }
      await settle()
    }
    if (errors.length > 0) throw new Error(`store errors: ${errors}`)
    if (replicas.some((r) => r.mode() !== 'shared')) throw new Error('left shared mode')
  }), { numRuns: 40 })
  t.pass('40 random interleavings agree with the model')
})
