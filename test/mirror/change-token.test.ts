import { createHmac, createHash } from 'node:crypto'
import t from 'tap'
import type { TapTest } from '../helpers/build.ts'
import { ChangeTokenCodec, providerSetDigest } from '../../src/mirror/change-token.ts'
import { CursorCodec } from '../../src/services/cursor.ts'
import { TokenSigner } from '../../src/util/token-signer.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'

const SECRET = 'change-token-test-secret'
const codec = new ChangeTokenCodec(SECRET)
const providers = providerSetDigest(['zwa', 'cl'])
const expected = { store: 'store-a', providers }
const position = { store: 'store-a', seq: 41, providers }

function rejects (t: TapTest, token: string, code: string, status: number, why?: RegExp) {
  try {
    codec.decode(token, expected)
  } catch (err) {
    t.ok(err instanceof GatewayError, 'a GatewayError')
    const e = err as GatewayError
    t.equal(e.code, code)
    t.equal(e.statusCode, status)
    if (why) t.match(e.detail, why)
    return
  }
  t.fail(`decoded: ${token}`)
}

// Replaces the payload part of a token, keeping its version and signature.
const withBody = (token: string, body: string) => {
  const [v, , mac] = token.split('.')
  return `${v}.${body}.${mac}`
}
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

t.test('round trip', async (t) => {
  t.same(codec.decode(codec.encode(position), expected), position)
  t.same(codec.decode(codec.encode({ ...position, seq: 0 }), expected).seq, 0)
  // A token sealed with a previous secret still opens during a rotation.
  const rotated = new ChangeTokenCodec('new-secret', [SECRET])
  t.same(rotated.decode(codec.encode(position), expected), position)
})

t.test('the provider set digest ignores order and tells sets apart', async (t) => {
  t.equal(providerSetDigest(['cl', 'zwa']), providers)
  t.not(providerSetDigest(['cl']), providers)
  t.not(providerSetDigest(['cl', 'zwa', 'zwa2']), providers)
})

t.test('tampered, forged and malformed tokens are invalid_cursor', async (t) => {
  const token = codec.encode(position)
  rejects(t, withBody(token, b64({ st: 'store-a', s: 1_000_000, pd: providers })), 'invalid_cursor', 400, /signature/)
  const [v, body, mac] = token.split('.')
  const flipped = mac[0] === 'A' ? `B${mac.slice(1)}` : `A${mac.slice(1)}`
  rejects(t, `${v}.${body}.${flipped}`, 'invalid_cursor', 400, /signature/)
  rejects(t, `${v}.${body}.`, 'invalid_cursor', 400, /signature/)
  rejects(t, new ChangeTokenCodec('another-secret').encode(position), 'invalid_cursor', 400, /signature/)
  rejects(t, 'garbage', 'invalid_cursor', 400, /it is malformed\./)
  rejects(t, `${token}.x`, 'invalid_cursor', 400, /it is malformed\./)
  rejects(t, '', 'invalid_cursor', 400, /it is malformed\./)
  rejects(t, `c9.${body}.${mac}`, 'invalid_cursor', 400, /its version 'c9' is not supported\./)
})

t.test('a well-signed token with a corrupt payload is invalid_cursor', async (t) => {
  // Signed with the change-token key itself, so only the payload checks can refuse them.
  const signer = new TokenSigner('change token', 'c1', SECRET)
  for (const payload of [null, [], 'x', { st: 'store-a', pd: providers }, { st: 'store-a', s: -1, pd: providers },
    { st: 'store-a', s: 1.5, pd: providers }, { st: 'store-a', s: '41', pd: providers },
    { st: 'store-a', s: 2 ** 60, pd: providers }, { st: 7, s: 1, pd: providers }, { st: 'store-a', s: 1 }]) {
    rejects(t, signer.seal(payload), 'invalid_cursor', 400, /corrupt/)
  }
  // A body that is not JSON under a valid signature (the key derived as the signer derives it).
  const key = createHash('sha256').update(`dlp-gateway change token ${SECRET}`).digest()
  const body = Buffer.from('{not json').toString('base64url')
  const mac = createHmac('sha256', key).update(`c1.${body}`).digest('base64url')
  const good = b64({ st: 'store-a', s: 41, pd: providers })
  const goodMac = createHmac('sha256', key).update(`c1.${good}`).digest('base64url')
  t.equal(codec.decode(`c1.${good}.${goodMac}`, expected).seq, 41, 'sanity: the key is derived as the signer does')
  rejects(t, `c1.${body}.${mac}`, 'invalid_cursor', 400, /corrupt/)
})

t.test('a token of another purpose never opens as a change token', async (t) => {
  // A list cursor from the same secret: another version prefix and another key.
  const cursor = new CursorCodec(SECRET).encode({ pin: 'x', fd: 'y', pos: {} })
  rejects(t, cursor, 'invalid_cursor', 400)
  // Even with the change token's version prefix, another purpose's key does not verify.
  const otherPurpose = new TokenSigner('cursor', 'c1', SECRET).seal({ st: 'store-a', s: 41, pd: providers })
  rejects(t, otherPurpose, 'invalid_cursor', 400, /signature/)
  // And the other way round: a change token is not a list cursor.
  t.throws(() => new CursorCodec(SECRET).decode(codec.encode(position), 'y'), { code: 'invalid_cursor' })
})

t.test('a token issued for another provider set is invalid_cursor', async (t) => {
  const token = new ChangeTokenCodec(SECRET).encode({ ...position, providers: providerSetDigest(['cl']) })
  rejects(t, token, 'invalid_cursor', 400, /different set of providers/)
})

t.test('a token of another store is 410 change_token_expired', async (t) => {
  rejects(t, codec.encode({ ...position, store: 'store-b' }), 'change_token_expired', 410)
})

t.test('a token over 1024 characters is refused before it is opened', async (t) => {
  const store = 'x'.repeat(600)
  const fits = codec.encode({ ...position, store })
  t.ok(fits.length <= 1024)
  t.equal(codec.decode(fits, { ...expected, store }).seq, 41)
  const long = codec.encode({ ...position, store: 'x'.repeat(800) })
  t.ok(long.length > 1024)
  t.throws(() => codec.decode(long, { ...expected, store: 'x'.repeat(800) }),
    { code: 'invalid_cursor', message: /too long/ }, 'valid and of this store, refused for its length alone')
})
