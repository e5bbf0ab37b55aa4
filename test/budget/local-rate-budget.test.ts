// The in-process rate budget (single replica, and the fallback share of the shared one), on an
// injected clock.
import t from 'tap'
import { LocalRateBudget } from '../../src/upstream/budget/local-rate-budget.ts'
import type { BudgetSlot } from '../../src/upstream/budget/budget.ts'

const clock = (start = 1_000_000) => {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

t.test('slots held from send until a window after completion', async (t) => {
  const c = clock()
  const r = new LocalRateBudget({ light: [{ limit: 2, ms: 60_000 }, { limit: 3, ms: 3_600_000 }] }, c.now)
  t.equal(r.mode(), 'local')
  const take = async (cls = 'light'): Promise<BudgetSlot> => {
    const x = await r.reserve(cls)
    if (!('slot' in x)) throw new Error(`wait ${x.waitMs}`)
    return x.slot
  }
  const a = await take()
  const b = await take()
  t.equal(a.cls, 'light')
  t.same(await r.reserve('light'), { waitMs: 60_000 }, 'both in flight: a full window at least')
  c.advance(5_000)
  r.done(a)
  c.advance(10_000)
  r.done(b)
  t.same(await r.reserve('light'), { waitMs: 50_000 }, 'a slot frees a full window after its request completed')
  c.advance(50_000)
  r.done(await take())
  t.same(await r.reserve('light'), { waitMs: 5_000 + 3_600_000 - 65_000 },
    'the hourly window (3 requests) is full until the first expires')
  t.ok('slot' in await r.reserve('other'), 'a class without limits is never held')
  r.pause('other', c.now() + 4_000)
  t.same(await r.reserve('other'), { waitMs: 4_000 }, 'unless the vendor asked for a pause')
  c.advance(3_995)
  t.ok('slot' in await r.reserve('other'), 'a pause within a few ms of its end counts as over')

  const limited = new LocalRateBudget({ light: [{ limit: 1, ms: 1_000 }] }, c.now)
  const x = await limited.reserve('light')
  if (!('slot' in x)) throw new Error('no slot')
  limited.cancel(x.slot)
  t.ok('slot' in await limited.reserve('light'), 'a cancelled (unsent) request frees its slot')
  t.equal(limited.inWindow('light'), 1)
  await limited.close()
})
