import t from 'tap'
import { createRng } from '../../../src/sim-kit/random.ts'
import { createManualClock } from '../../../src/sim-kit/clock.ts'

const draw = (seed: number | string): number[] => {
  const rng = createRng(seed)
  return Array.from({ length: 20 }, () => rng.next())
}

t.test('same seed gives the same sequence, different seeds differ', async (t) => {
  t.same(draw(42), draw(42))
  t.same(draw('abc'), draw('abc'))
  t.notSame(draw(42), draw(43))
  t.notSame(draw('42'), draw('abc'))
})

t.test('values stay in their ranges', async (t) => {
  const rng = createRng(7)
  const seen = new Set<number>()
  for (let i = 0; i < 2000; i++) {
    const x = rng.next()
    t.ok(x >= 0 && x < 1, 'next in [0,1)') || t.fail(String(x))
    const n = rng.int(3, 6)
    seen.add(n)
  }
  t.same([...seen].sort(), [3, 4, 5, 6], 'int is inclusive on both ends')
  t.match(rng.digits(12), /^\d{12}$/)
  t.match(rng.alnum(30), /^[A-Za-z0-9]{30}$/)
  t.equal(['only'].includes(rng.pick(['only'])), true)
  t.throws(() => rng.pick([]), RangeError)
  t.equal(rng.chance(0), false)
  t.equal(rng.chance(1), true)
})

t.test('manual clock moves only when told', async (t) => {
  const c = createManualClock(1000)
  t.equal(c.clock(), 1000)
  c.advance(500)
  t.equal(c.clock(), 1500)
  c.set(10)
  t.equal(c.clock(), 10)
})
