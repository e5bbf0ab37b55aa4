import { createHash, createHmac } from 'node:crypto'
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

t.test('the signature is HMAC-SHA256 of "v1.<body>" under the derived key: cursors of other replicas and versions verify', async (t) => {
  const secret = 'k'.repeat(40)
  const key = createHash('sha256').update(`dlp-gateway cursor ${secret}`).digest()
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const cursor = `v1.${body}.${createHmac('sha256', key).update(`v1.${body}`).digest('base64url')}`
  t.equal(new CursorCodec(secret).encode(payload), cursor)
  t.same(new CursorCodec(secret).decode(cursor, payload.fd), payload)
})
