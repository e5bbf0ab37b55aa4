// Sync's share of a provider's vendor rate budget (src/upstream/budget/purpose-budget.ts), kept in
// this process, on an injected clock: random interleavings of sync and interactive calls never let
// sync exceed its share of a window nor all calls the limit; a refusal is always justified (so
// interactive calls keep the rest, and no refused sync call leaves a slot behind); without limits
// there is nothing to share.
import fc from 'fast-check'
import t from 'tap'
import { SyncSettings } from '../../src/config/sync.ts'
import { createPurposeBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { BudgetWindow } from '../../src/upstream/budget/budget.ts'
import type { HeldSlots, PurposeBudget } from '../../src/upstream/budget/purpose-budget.ts'
import type { CallPurpose } from '../../src/upstream/call-options.ts'
import { DEFAULT_SYNC_SHARE } from '../../src/upstream/create-pipeline.ts'
import { guardSettings } from '../../src/upstream/resilience/settings.ts'
import { testResilience } from '../helpers/resilience.ts'
import { mostInAnyWindow, syncLimit, type Sent } from './purpose-model.ts'

const MINUTE = 60_000
const HOUR = 3_600_000

const clock = (start = 1_700_000_000_000) => {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

const budgetOf = (windowsByClass: Record<string, BudgetWindow[]>, syncShare: number, now: () => number) =>
  createPurposeBudget({ providerId: 'p', windowsByClass, syncShare, fallbackShare: 0.25, now })

// A reservation in the model: the slots and the request they stand for.
interface Held { slots: HeldSlots, sent: Sent }

// Requests of `purpose` (or all) in class `cls` that still hold a slot of a window of `ms` at `now`.
const holding = (held: readonly Sent[], cls: string, ms: number, now: number, purpose?: CallPurpose) =>
  held.filter((s) => s.cls === cls && (purpose === undefined || s.purpose === purpose) &&
    (s.end === null || s.end + ms > now)).length

const windowsArb = fc.record({
  perMinute: fc.integer({ min: 1, max: 12 }),
  perHour: fc.integer({ min: 1, max: 40 })
}).map(({ perMinute, perHour }) => ({
  a: [{ limit: perMinute, ms: MINUTE }, { limit: Math.max(perMinute, perHour), ms: HOUR }],
  b: [{ limit: perMinute + 2, ms: MINUTE }],
  free: [] as BudgetWindow[]
}))

const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('call' as const), purpose: fc.constantFrom<CallPurpose>('sync', 'interactive'), cls: fc.constantFrom('a', 'b', 'free') }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('done' as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), k: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 2 * MINUTE }), fc.integer({ min: 0, max: HOUR })) }) }
)

t.test('random interleavings: sync within its share of every window, all calls within the limit', async (t) => {
  let refusals = 0
  await fc.assert(fc.asyncProperty(
    windowsArb, fc.double({ min: 0.05, max: 1, noNaN: true }), fc.array(opArb, { minLength: 20, maxLength: 120 }),
    async (windows, share, ops) => {
      const c = clock()
      const budget: PurposeBudget = budgetOf(windows, share, c.now)
      const all: Sent[] = [] // every reservation granted and not cancelled: sent, or held until the end
      const open: Held[] = []
      for (const o of ops) {
        if (o.op === 'advance') {
          c.advance(o.ms)
        } else if (o.op === 'call') {
          const r = await budget.reserve(o.cls, o.purpose)
          if ('slots' in r) {
            const sent: Sent = { purpose: o.purpose, cls: o.cls, start: c.now(), end: null }
            all.push(sent)
            open.push({ slots: r.slots, sent })
            continue
          }
          refusals++
          // A refusal is justified: some window of the main budget is full, or (sync) of sync's share.
          const full = windows[o.cls as 'a' | 'b'].some((w) => holding(all, o.cls, w.ms, c.now()) >= w.limit ||
            (o.purpose === 'sync' && holding(all, o.cls, w.ms, c.now(), 'sync') >= syncLimit(w.limit, share)))
          if (!full) throw new Error(`${o.purpose} call of ${o.cls} refused (wait ${r.waitMs} ms) with room left`)
          if (r.waitMs <= 0) throw new Error('a refusal without a wait')
        } else if (open.length > 0) {
          const [h] = open.splice(o.k % open.length, 1)
          if (o.op === 'done') {
            budget.done(h.slots)
            h.sent.end = c.now()
          } else {
            budget.cancel(h.slots)
            all.splice(all.indexOf(h.sent), 1)
          }
        }
      }
      for (const cls of ['a', 'b'] as const) {
        for (const w of windows[cls]) {
          const sent = all.filter((s) => s.cls === cls)
          const total = mostInAnyWindow(sent, w.ms, c.now())
          const sync = mostInAnyWindow(sent.filter((s) => s.purpose === 'sync'), w.ms, c.now())
          if (total > w.limit) throw new Error(`${cls}: ${total} calls in a window of ${w.ms} ms, limit ${w.limit}`)
          if (sync > syncLimit(w.limit, share)) {
            throw new Error(`${cls}: ${sync} sync calls in a window of ${w.ms} ms, share ${syncLimit(w.limit, share)}`)
          }
        }
      }
    }), { numRuns: 300 })
  t.ok(refusals > 100, `the runs reached the limits (${refusals} refusals)`)
})

t.test('a refusal leaks nothing: a sync call refused by the main budget gives its share slot back', async (t) => {
  const c = clock()
  const budget = budgetOf({ a: [{ limit: 4, ms: MINUTE }] }, 0.5, c.now)
  const interactive = []
  for (let i = 0; i < 4; i++) {
    const r = await budget.reserve('a', 'interactive')
    if (!('slots' in r)) throw new Error('refused')
    interactive.push(r.slots)
  }
  for (let i = 0; i < 5; i++) {
    const r = await budget.reserve('a', 'sync')
    t.ok('waitMs' in r, 'the main budget is full')
  }
  for (const s of interactive) budget.cancel(s)
  const sync = [await budget.reserve('a', 'sync'), await budget.reserve('a', 'sync'), await budget.reserve('a', 'sync')]
  t.same(sync.map((r) => 'slots' in r), [true, true, false], 'the whole share (2 of 4) is free again, and no more')
  t.same(await budget.reserve('a', 'interactive').then((r) => 'slots' in r), true, 'interactive calls keep the rest')
  t.same(await budget.reserve('a', 'interactive').then((r) => 'slots' in r), true)
  t.same(await budget.reserve('a', 'interactive').then((r) => 'waitMs' in r), true, 'and the limit holds')
})

t.test('sync slots end with their request: done frees both a window later, cancel at once', async (t) => {
  const c = clock()
  const budget = budgetOf({ a: [{ limit: 2, ms: MINUTE }] }, 0.5, c.now)
  const first = await budget.reserve('a', 'sync')
  if (!('slots' in first)) throw new Error('refused')
  t.ok(first.slots.sync, 'a sync call holds a slot of the share')
  t.same(await budget.reserve('a', 'sync'), { waitMs: MINUTE }, 'share of 1: the next sync call waits')
  c.advance(1_000)
  budget.done(first.slots)
  t.same(await budget.reserve('a', 'sync'), { waitMs: MINUTE }, 'a window after the request ended')
  c.advance(MINUTE)
  const second = await budget.reserve('a', 'sync')
  if (!('slots' in second)) throw new Error('refused')
  budget.cancel(second.slots)
  t.ok('slots' in await budget.reserve('a', 'sync'), 'a cancelled (unsent) sync call frees its share at once')
  const plain = await budget.reserve('a', 'interactive')
  t.ok('slots' in plain && plain.slots.sync === undefined, 'an interactive call takes no slot of the share')
})

t.test('rate budget disabled: no limits, nothing to share', async (t) => {
  const settings = guardSettings(testResilience({ medium: { per_minute: 2, per_hour: 10 } }, {}, false), 4)
  const budget = budgetOf(settings.rateBudget, 0.1, Date.now)
  t.equal(budget.sync, null, 'no sync budget')
  for (let i = 0; i < 50; i++) t.ok('slots' in await budget.reserve('medium', i % 2 ? 'sync' : 'interactive'))
  const enabled = guardSettings(testResilience({ medium: { per_minute: 2, per_hour: 10 } }, {}, true), 4)
  t.not(budgetOf(enabled.rateBudget, 0.1, Date.now).sync, null, 'enabled: a sync budget')
})

t.test('sync windows: each limit times the share, rounded down, at least one', async (t) => {
  const c = clock()
  const take = async (budget: PurposeBudget, purpose: CallPurpose) => {
    let n = 0
    while ('slots' in await budget.reserve('a', purpose)) n++
    return n
  }
  t.equal(await take(budgetOf({ a: [{ limit: 20, ms: MINUTE }, { limit: 400, ms: HOUR }] }, 0.5, c.now), 'sync'), 10)
  t.equal(await take(budgetOf({ a: [{ limit: 20, ms: MINUTE }, { limit: 15, ms: HOUR }] }, 0.5, c.now), 'sync'), 7,
    'the tighter window wins (floor of 7.5)')
  t.equal(await take(budgetOf({ a: [{ limit: 3, ms: MINUTE }] }, 0.05, c.now), 'sync'), 1, 'at least one')
  t.equal(await take(budgetOf({ a: [{ limit: 3, ms: MINUTE }] }, 1, c.now), 'sync'), 3, 'a share of 1: all of it')
})

t.test('the default share is the configuration default', async (t) => {
  t.equal(DEFAULT_SYNC_SHARE, (SyncSettings.properties.budget_share as { default?: unknown }).default)
})
