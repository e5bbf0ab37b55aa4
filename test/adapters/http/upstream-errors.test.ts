import fc from 'fast-check'
import t from 'tap'
import { MAX_RETRY_AFTER, MAX_VENDOR_MESSAGE, retryAfterSeconds, translateNetworkError, translateStatus, vendorMessage } from '../../../src/upstream/http/upstream-errors.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

const NOW = Date.parse('2026-03-01T12:00:00.000Z')
// eslint-disable-next-line no-control-regex
const UNSAFE_TEST = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

t.test('translateStatus follows spec section 6', async (t) => {
  const cases: Array<[number, string, number]> = [
    [400, 'unsupported_value', 422],
    [422, 'unsupported_value', 422],
    [401, 'upstream_auth_failed', 502],
    [403, 'upstream_auth_failed', 502],
    [404, 'not_found', 404],
    [429, 'upstream_rate_limited', 503],
    [500, 'upstream_error', 502],
    [502, 'upstream_error', 502],
    [503, 'upstream_error', 502],
    [504, 'upstream_timeout', 504],
    [408, 'upstream_timeout', 504],
    [405, 'upstream_error', 502],
    [302, 'upstream_error', 502]
  ]
  for (const [status, code, http] of cases) {
    const err = translateStatus('cl', status, 'vendor says no')
    t.ok(err instanceof GatewayError)
    t.equal(err.code, code, `HTTP ${status} -> ${code}`)
    t.equal(err.statusCode, http)
    t.equal(err.provider, 'cl')
  }
  t.match(translateStatus('cl', 400, 'Invalid severity; expected one of INFO').detail, /Invalid severity; expected one of INFO/, '400 carries the vendor message')
  t.match(translateStatus('cl', 404, 'Incident 7 not found').detail, /Incident 7 not found/)
  t.notMatch(translateStatus('cl', 401, 'Invalid authorization token').detail, /Invalid authorization/, 'auth failures do not echo vendor text')
  t.equal(translateStatus('cl', 400, null).detail, "Provider 'cl' rejected the request.")
  t.equal(translateStatus('cl', 429, null, 17).retryAfter, 17)
  t.equal(translateStatus('cl', 429, null).retryAfter, 1, 'a default hint when the vendor gives none')
  t.equal(translateStatus('cl', 429, null, 0).retryAfter, 0)
  t.equal(translateStatus('cl', 503, null, 30).retryAfter, undefined)
})

t.test('translateNetworkError matches undici codes, not classes', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'upstream_timeout', /in time/],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'upstream_timeout', /in time/],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'upstream_timeout', /in time/],
    [{ code: 'ETIMEDOUT' }, 'upstream_timeout', /in time/],
    [{ name: 'AbortError' }, 'upstream_timeout', /in time/],
    [{ name: 'TimeoutError' }, 'upstream_timeout', /in time/],
    [{ code: 'ECONNREFUSED' }, 'upstream_error', /refused the connection/],
    [{ code: 'ECONNRESET' }, 'upstream_error', /closed the connection/],
    [{ code: 'UND_ERR_SOCKET' }, 'upstream_error', /closed the connection/],
    [{ code: 'ENOTFOUND' }, 'upstream_error', /could not be resolved/],
    [{ code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' }, 'upstream_error', /larger/],
    [{ code: 'EWHATEVER' }, 'upstream_error', /could not be reached/],
    [{}, 'upstream_error', /could not be reached/]
  ]
  for (const [shape, code, detail] of cases) {
    const err = translateNetworkError('cl', Object.assign(new Error('raw undici text with http://secret@host'), shape))
    t.equal(err.code, code, JSON.stringify(shape))
    t.match(err.detail, detail)
    t.notMatch(err.detail, /secret|undici/, 'the raw error text never reaches the detail')
  }
  t.equal(translateNetworkError('cl', null).code, 'upstream_error')
  const own = new GatewayError('not_found', 'x')
  t.equal(translateNetworkError('cl', own), own, 'gateway errors pass through')
})

t.test('retryAfterSeconds', async (t) => {
  const r = (headers: Record<string, string | string[] | undefined>) => retryAfterSeconds(headers, NOW)
  t.equal(r({ 'retry-after': '120' }), 120, 'delta seconds')
  t.equal(r({ 'retry-after': ' 7 ' }), 7)
  t.equal(r({ 'retry-after': '0' }), 0)
  t.equal(r({ 'retry-after': '1.5' }), 2, 'fractional seconds round up, not read as a date')
  t.equal(r({ 'retry-after': ['3', '9'] }), 3, 'the first of repeated headers')
  t.equal(r({ 'retry-after': 'Sun, 01 Mar 2026 12:01:30 GMT' }), 90, 'an HTTP date')
  t.equal(r({ 'retry-after': 'Sun, 01 Mar 2026 12:00:00 GMT' }), 0)
  t.equal(r({ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }), 0, 'a date in the past: retry now')
  t.equal(r({ 'retry-after': 'Sun, 01 Mar 2026 12:00:00.400 GMT' }), 1, 'partial seconds round up')
  t.equal(r({ 'ratelimit-reset': '42' }), 42, 'RateLimit-Reset as a delta')
  t.equal(r({ 'x-ratelimit-reset': '5' }), 5)
  t.equal(r({ 'ratelimit-reset': String(NOW / 1000 + 30) }), 30, 'RateLimit-Reset as an epoch second')
  t.equal(r({ 'ratelimit-reset': String(NOW / 1000 - 30) }), 0, 'an epoch in the past')
  t.equal(r({ 'retry-after': '10', 'ratelimit-reset': '99' }), 10, 'Retry-After wins')
  t.equal(r({ 'retry-after': 'soon', 'ratelimit-reset': '99' }), 99, 'an unreadable Retry-After falls back')
  t.equal(r({ 'retry-after': '99999999999' }), MAX_RETRY_AFTER, 'capped at a day')
  t.equal(r({ 'retry-after': 'Fri, 01 Mar 2030 12:00:00 GMT' }), MAX_RETRY_AFTER)
  for (const junk of ['-1', 'soon', '', '  ', '1e3', '0x10', 'NaN']) t.equal(r({ 'retry-after': junk }), undefined, `Retry-After ${JSON.stringify(junk)}`)
  t.equal(r({ 'ratelimit-reset': 'x' }), undefined)
  t.equal(r({}), undefined)
  t.equal(retryAfterSeconds({ 'retry-after': '3' }), 3, 'now defaults to the clock')
})

t.test('property: any hint is a whole number of seconds within [0, a day]', async () => {
  fc.assert(fc.property(fc.string(), fc.string(), (retryAfter, reset) => {
    const v = retryAfterSeconds({ 'retry-after': retryAfter, 'ratelimit-reset': reset }, NOW)
    return v === undefined || (Number.isInteger(v) && v >= 0 && v <= MAX_RETRY_AFTER)
  }), { numRuns: 2000 })
})

t.test('vendorMessage', async (t) => {
  t.equal(vendorMessage('{"message":"Invalid severity"}', { message: 'Invalid severity' }, 'message'), 'Invalid severity')
  t.equal(vendorMessage('{}', { error: 'x' }, 'message'), null, 'a JSON body without the key says nothing')
  t.equal(vendorMessage('{}', { message: 42 }, 'message'), null)
  t.equal(vendorMessage('plain text failure', undefined, 'message'), 'plain text failure', 'a text body is the message')
  t.equal(vendorMessage('', undefined, 'message'), null)
  t.equal(vendorMessage('   \n\t ', undefined, 'message'), null)

  const page = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>' +
    '<body><center><h1>502 Bad Gateway</h1></center><script>alert(1)</script><hr><center>nginx</center></body></html>\n'
  t.equal(vendorMessage(page, undefined, 'message'), '502 Bad Gateway', 'an HTML page: its title')
  t.equal(vendorMessage('<html><body><h1>Service &amp; API down</h1><p>try <b>later</b></p><script>var x = 1</script></body></html>', undefined, 'message'),
    'Service & API down try later', 'without a title: the text, markup, scripts and entities resolved')
  t.equal(vendorMessage('<html><head><title> </title></head><body></body></html>', undefined, 'message'), null)
  t.equal(vendorMessage('x', { message: 'value must be <= 100' }, 'message'), 'value must be <= 100', 'JSON messages are text, not markup')

  const forged = 'bad value\r\n{"level":30,"msg":"forged"}\u0000\u001b[31m\u0085\u2028\u202e'
  const clean = vendorMessage('', { message: forged }, 'message')!
  t.equal(clean, 'bad value {"level":30,"msg":"forged"} [31m')
  t.notMatch(clean, UNSAFE_TEST)

  const long = 'é'.repeat(1000)
  const cut = vendorMessage('', { message: long }, 'message')!
  t.equal(Array.from(cut).length, MAX_VENDOR_MESSAGE, 'truncated')
  t.ok(cut.endsWith('…'))
  const emoji = vendorMessage('', { message: '😀'.repeat(400) }, 'message')!
  t.equal(Array.from(emoji).length, MAX_VENDOR_MESSAGE)
  t.notMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no surrogate pair split')
  t.equal(vendorMessage('', { message: 'x'.repeat(MAX_VENDOR_MESSAGE) }, 'message'), 'x'.repeat(MAX_VENDOR_MESSAGE), 'exactly the limit is kept whole')
})

t.test('property: a vendor message is short, single-line and free of control characters', async () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.boolean(), (text, asJson) => {
    const m = asJson ? vendorMessage('', { message: text }, 'message') : vendorMessage(text, undefined, 'message')
    return m === null || (m.length > 0 && Array.from(m).length <= MAX_VENDOR_MESSAGE && !UNSAFE_TEST.test(m) && m === m.trim())
  }), { numRuns: 2000 })
})
