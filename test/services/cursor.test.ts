import t from 'tap'
import { CursorCodec, filterDigest } from '../../src/services/cursor.ts'

const payload = { pin: '2026-01-01T00:00:00.000Z', fd: filterDigest({ providers: ['zwa'] }), pos: { zwa: { b: '1', s: 0 } } }

t.test('a rotated key still verifies cursors signed with the previous one', async (t) => {
  const old = new CursorCodec('o'.repeat(40))
  const cursor = old.encode(payload)
  const rotated = new CursorCodec('n'.repeat(40), ['o'.repeat(40)])
  t.same(rotated.decode(cursor, payload.fd), payload, 'old cursor accepted during the rotation')
  t.same(new CursorCodec('n'.repeat(40)).decode(rotated.encode(payload), payload.fd), payload, 'new cursors use the new key')
  t.throws(() => new CursorCodec('n'.repeat(40)).decode(cursor, payload.fd), { code: 'invalid_cursor' }, 'after the rotation ends the old key no longer verifies')
  t.throws(() => rotated.decode(cursor, filterDigest({ providers: ['cloudlock'] })), { code: 'invalid_cursor' }, 'filters still bind')
})

t.test('the filter digest ignores key order but not values', async (t) => {
  t.equal(filterDigest({ a: 1, b: [1, 2] }), filterDigest({ b: [1, 2], a: 1 }))
  t.not(filterDigest({ a: 1 }), filterDigest({ a: 2 }))
})
