// The shared rate budget against the real Redis: two instances stand for two replicas. Each test
// has its own key prefix. Windows are either long (nothing expires during the test, so counts are
// exact) or a few hundred ms (to watch slots expire).
import t from 'tap'
import type { BudgetSlot, BudgetWindow, RateBudgetStore } from '../../src/upstream/budget/budget.ts'
import { createRateBudget, fallbackWindows } from '../../src/upstream/budget/budget-factory.ts'
import { connected, dropPrefix, randomPrefix, redisMissing, sleep } from './redis.ts'

const skip = await redisMissing()

async function take (b: RateBudgetStore, cls: string): Promise<BudgetSlot> {
  const r = await b.reserve(cls)
  if (!('slot' in r)) throw new Error(`expected a slot, got a wait of ${r.waitMs} ms`)
  return r.slot
}

async function waitOf (b: RateBudgetStore, cls: string): Promise<number> {
  const r = await b.reserve(cls)
  if ('slot' in r) throw new Error('expected a wait, got a slot')
  return r.waitMs
}

t.test('fallback windows: each limit times the share, rounded down, at least 1', async (t) => {
  const zwa = { light: [{ limit: 30, ms: 60_000 }, { limit: 1000, ms: 3_600_000 }], off: [{ limit: 0, ms: 60_000 }] }
  t.same(fallbackWindows(zwa, 0.25), {
    light: [{ limit: 7, ms: 60_000 }, { limit: 250, ms: 3_600_000 }], off: []
  })
  t.same(fallbackWindows({ x: [{ limit: 2, ms: 1_000 }] }, 0), { x: [{ limit: 1, ms: 1_000 }] })
  const local = createRateBudget({ providerId: 'p', windowsByClass: {}, fallbackShare: 0.25 })
  t.equal(local.mode(), 'local', 'no Redis: local')
})

t.test('shared budget', { skip }, async (t) => {
  const redis = await connected()
  const prefix = randomPrefix()
  t.teardown(async () => {
    await dropPrefix(redis, prefix)
    redis.disconnect()
  })
  const errors: unknown[] = []
  const make = (windowsByClass: Record<string, BudgetWindow[]>, leaseMs?: number) => createRateBudget({
    providerId: 'zwa',
    windowsByClass,
    redis,
    fallbackShare: 0.25,
    keyPrefix: prefix,
    leaseMs,
    onStoreError: (err) => { errors.push(err) }
  })

  t.test('limits per window, across instances; all windows or none', async (t) => {
    const windows = { light: [{ limit: 2, ms: 300 }, { limit: 3, ms: 5_000 }] }
    const a = make(windows)
    const b = make(windows)
    t.equal(a.mode(), 'shared')
    const s1 = await take(a, 'light')
    const s2 = await take(b, 'light')
    const w = await waitOf(a, 'light')
    t.ok(w > 250 && w <= 300, `both in flight: a full window at least (${w} ms)`)
    a.done(s1)
    b.done(s2)
    await Promise.all([a.close(), b.close()])
    await sleep(320)
    a.done(await take(a, 'light'))
    await a.close()
    const long = await waitOf(b, 'light')
    t.ok(long > 4_000 && long <= 5_000, `the 5 s window (3 requests) is full until the first expires (${long} ms)`)
    const keys = (await redis.keys(`${prefix}*`)).sort()
    t.same(keys, [`${prefix}{zwa:light}:300`, `${prefix}{zwa:light}:5000`], 'a sorted set per provider, class, window')
    t.same(await redis.zcard(`${prefix}{zwa:light}:300`), 1, 'a refusal took nothing from the shorter window')
    t.ok(await redis.pttl(`${prefix}{zwa:light}:5000`) > 5_000, 'keys expire on their own')
  })

  t.test('a request in flight holds its slot; a dead replica\'s slot frees after its lease', async (t) => {
    const a = make({ held: [{ limit: 1, ms: 200 }] }, 60_000)
    const s = await take(a, 'held')
    await sleep(400)
    const w = await waitOf(a, 'held')
    t.ok(w > 150 && w <= 200, `still in flight after twice the window: a window from now (${w} ms)`)
    a.done(s)
    await a.close()
    t.ok(await waitOf(a, 'held') > 150, 'done: a window from its completion')
    await sleep(220)
    a.done(await take(a, 'held'))

    const crashed = make({ lease: [{ limit: 1, ms: 100 }] }, 300)
    await take(crashed, 'lease') // never done: its replica "died"
    t.ok(await waitOf(crashed, 'lease') > 0)
    await sleep(450)
    t.ok('slot' in await crashed.reserve('lease'), 'free once lease + window have passed')
  })

  t.test('cancel frees the slot at once', async (t) => {
    const a = make({ c: [{ limit: 1, ms: 60_000 }] })
    const b = make({ c: [{ limit: 1, ms: 60_000 }] })
    const s = await take(a, 'c')
    t.ok(await waitOf(b, 'c') > 59_000)
    a.cancel(s)
    await a.close()
    t.ok('slot' in await b.reserve('c'), 'the other replica gets it')
  })

  t.test('a vendor pause is shared, for limited and unlimited classes', async (t) => {
    const a = make({ light: [{ limit: 100, ms: 60_000 }] })
    const b = make({ light: [{ limit: 100, ms: 60_000 }] })
    a.pause('light', Date.now() + 1_500)
    a.pause('free', Date.now() + 800)
    a.pause('free', Date.now() + 300) // a shorter pause does not shorten a longer one
    await a.close()
    const w = await waitOf(b, 'light')
    t.ok(w > 1_300 && w <= 1_500, `the other replica waits for the pause (${w} ms)`)
    const f = await waitOf(b, 'free')
    t.ok(f > 600 && f <= 800, `a class without limits is paused too (${f} ms)`)
    t.ok(await waitOf(a, 'light') > 1_300, 'and the replica that heard the vendor')
    t.ok(await redis.pttl(`${prefix}{zwa:light}:pause`) > 1_000, 'the pause key expires with the pause')
    await sleep(820)
    t.ok('slot' in await b.reserve('free'), 'over when it ends')

    // A pause the replica heard but Redis lost (or holds shorter): the longer one counts.
    a.pause('lost', Date.now() + 3_000)
    await a.close()
    await redis.set(`${prefix}{zwa:lost}:pause`, String(Date.now() + 1_000), 'PX', 1_000)
    const lost = await waitOf(a, 'lost')
    t.ok(lost > 2_800, `this replica's own pause still holds (${lost} ms)`)
    t.same(errors, [], 'no store errors')
  })

  t.test('replicas with different limits (a configuration rollout): the smaller waits for enough slots', async (t) => {
    const big = make({ r: [{ limit: 3, ms: 1_000 }] })
    const small = make({ r: [{ limit: 1, ms: 1_000 }] })
    for (let i = 0; i < 3; i++) {
      big.done(await take(big, 'r'))
      await big.close()
      if (i < 2) await sleep(100)
    }
    const w = await waitOf(small, 'r')
    t.ok(w > 900, `until all but one of the three have expired, the last done just now (${w} ms)`)
  })
})
