// Unit tests of the stream order, identity positions and tie groups every list walk relies on.
import fc from 'fast-check'
import t from 'tap'
import { compareNativeIds, consumedBy, readIdentity, resumeBound, streamOrder, TieGroups, type Candidate } from '../../src/adapters/stream-order.ts'

const c = (nativeId: string, micros: bigint): Candidate<string> => ({ nativeId, micros, value: nativeId })
const ids = (cs: Array<Candidate<string>>) => cs.map((x) => x.nativeId)

t.test('compareNativeIds: numeric for digit ids, else by string', async (t) => {
  t.equal(compareNativeIds('9', '10'), -1, 'digits: 9 < 10, not as strings')
  t.equal(compareNativeIds('100', '99'), 1)
  t.equal(compareNativeIds('320316936', '320316936'), 0)
  t.equal(compareNativeIds('320316937', '320316936'), 1, 'equal lengths: digit order')
  t.equal(compareNativeIds('1-143-9', '1-143-10'), 1, 'ZWA ids are strings: "9" sorts after "1"')
  t.equal(compareNativeIds('abc', 'abd'), -1)
  t.equal(compareNativeIds('10', 'a'), -1, 'mixed: string order')
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (a, b) => {
    const expected = a < b ? -1 : a > b ? 1 : 0
    return compareNativeIds(a.toString(), b.toString()) === expected && compareNativeIds(b.toString(), a.toString()) === -expected
  }), { numRuns: 500 })
})

t.test('readIdentity accepts {b, l} only', async (t) => {
  t.equal(readIdentity(null, 'p'), null)
  t.same(readIdentity({ b: '1740978858224739', l: '320316936' }, 'p'), { b: '1740978858224739', l: '320316936' })
  t.same(readIdentity({ b: '-5', l: 'x' }, 'p'), { b: '-5', l: 'x' }, 'before 1970 is still an instant')
  t.same(readIdentity({ b: '1740978858224739', l: '' }, 'p'), { b: '1740978858224739', l: '' }, "l '': the whole instant b is consumed")
  for (const bad of [{ b: '1', l: '1', s: 0 }, { b: '1', s: 1 }, { b: 1, l: '1' }, { b: '1.5', l: '1' }, { b: '1'.repeat(21), l: '1' },
    { b: '1', l: 'x'.repeat(65) }, { b: '1', l: 2 }, { b: '', l: '' }, { b: '1' }, {}]) {
    t.throws(() => readIdentity(bad, 'p'), { code: 'invalid_cursor' }, JSON.stringify(bad))
  }
})

t.test('consumedBy: everything newer than b, and at b the ids at or above l', async (t) => {
  const pos = { b: '1000', l: '50' }
  t.equal(consumedBy(null, 5000n, '1'), false, 'the start consumed nothing')
  t.equal(consumedBy(pos, 1001n, '1'), true)
  t.equal(consumedBy(pos, 1000n, '50'), true, 'the named incident itself')
  t.equal(consumedBy(pos, 1000n, '100'), true, 'numerically above l')
  t.equal(consumedBy(pos, 1000n, '9'), false, 'numerically below l, though "9" > "50" as a string')
  t.equal(consumedBy(pos, 999n, '999'), false, 'older: never consumed')
})

t.test("consumedBy with l '': the whole instant b is consumed, nothing older", async (t) => {
  const pos = { b: '1000', l: '' }
  for (const id of ['0', '1', '9', '50', '99999999999', 'a', 'zzz']) t.equal(consumedBy(pos, 1000n, id), true, `any id at b: ${id}`)
  t.equal(consumedBy(pos, 1001n, '1'), true, 'newer')
  t.equal(consumedBy(pos, 999n, '99999999999'), false, 'older: never consumed')
})

t.test("resumeBound: b exclusive after a consumed instant (l ''), else b + 1µs (the rest of b's group)", async (t) => {
  t.equal(resumeBound({ b: '1000', l: '' }), 1000n, 'nothing at b is left: never re-read it')
  t.equal(resumeBound({ b: '1000', l: '50' }), 1001n, 'ids below l at b are still to come')
  t.equal(resumeBound({ b: '-5', l: '' }), -5n)
})

t.test('streamOrder: newest first, ties by native id descending', async (t) => {
  const sorted = [c('9', 5n), c('10', 5n), c('1', 7n), c('11', 4n)].sort(streamOrder)
  t.same(ids(sorted), ['1', '10', '9', '11'])
})

t.test('TieGroups: a group is released, sorted, only when something older arrives or on close', async (t) => {
  const g = new TieGroups<string>()
  t.same(g.add(c('3', 10n), 'p'), [])
  t.same(g.add(c('12', 10n), 'p'), [])
  t.same(g.add(c('7', 10n), 'p'), [])
  t.equal(g.openAt, 10n)
  t.equal(g.openSize, 3)
  t.equal(g.holds('12', 10n), true, 'the open group holds 12')
  t.equal(g.holds('4', 10n), false, 'not read yet')
  t.equal(g.holds('12', 9n), false, 'same id, another instant')
  t.same(g.add(c('12', 10n), 'p'), [], 'a re-read of the open group is ignored')
  t.equal(g.openSize, 3)
  t.same(ids(g.add(c('5', 9n), 'p')), ['12', '7', '3'], 'an older record completes the group, sorted numerically descending')
  t.equal(g.openAt, 9n)
  t.throws(() => g.add(c('1', 10n), 'p'), { code: 'upstream_error' }, 'a newer record breaks creation-time order')
  t.equal(g.holds('12', 10n), false, 'a released group is no longer held')
  t.same(ids(g.close()), ['5'])
  t.equal(g.openAt, null)
  t.equal(g.openSize, 0)
  t.same(g.close(), [], 'closing nothing releases nothing')
  t.same(g.add(c('5', 20n), 'p'), [], 'after close any instant may start a group')
})

t.test('TieGroups: fed in any order, the released stream is the stream order', async () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 })), { maxLength: 60 }),
    fc.integer({ min: 0, max: 1000 }),
    (rows, seed) => {
      const unique = [...new Map(rows.map(([m, id]) => [String(id), c(String(id), BigInt(m))])).values()]
      // newest first across instants, ties shuffled, every record fed twice (an overlap re-read)
      const feedOrder = [...unique].sort((a, b) => (a.micros === b.micros ? ((Number(a.nativeId) * 7919 + seed) % 101) - ((Number(b.nativeId) * 7919 + seed) % 101) : a.micros > b.micros ? -1 : 1))
      const g = new TieGroups<string>()
      const out: Array<Candidate<string>> = []
      for (const x of feedOrder) {
        out.push(...g.add(x, 'p'))
        out.push(...g.add(x, 'p'))
      }
      out.push(...g.close())
      return JSON.stringify(ids(out)) === JSON.stringify(ids([...unique].sort(streamOrder)))
    }
  ), { numRuns: 300 })
})
