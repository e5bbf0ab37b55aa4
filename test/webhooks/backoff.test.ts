import fc from 'fast-check'
import t from 'tap'
import { backoffMs } from '../../src/webhooks/backoff.ts'

t.test('full jitter: between 0 and min(max, base * 2^(n-1)), and reaching both ends', async (t) => {
  const settings = { baseMs: 1_000, maxMs: 3_600_000 }
  fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    (n, r) => {
      const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** (n - 1))
      const d = backoffMs(n, settings, () => r)
      return d >= 0 && d < ceiling + 1 && d === Math.floor(r * ceiling)
    }), { numRuns: 1000 })
  t.equal(backoffMs(1, settings, () => 0.999999), 999)
  t.equal(backoffMs(5, settings, () => 0.999999), 15_999)
  t.equal(backoffMs(30, settings, () => 0.999999), 3_599_996)
  t.equal(backoffMs(3, settings, () => 0), 0)
})

t.test('24 hours of retries: attempts stay within the window by their bounds', async (t) => {
  // With the default settings, a delivery retried until 24 h after its first attempt makes at most
  // about 36 attempts at the top of every range (12 doubling, then hourly) and many more when the
  // jitter draws low; none waits longer than an hour.
  const settings = { baseMs: 1_000, maxMs: 3_600_000 }
  let at = 0
  let attempts = 1
  while (at < 24 * 3_600_000) {
    at += backoffMs(attempts, settings, () => 0.999999)
    attempts++
  }
  t.ok(attempts >= 30 && attempts <= 40, `${attempts} attempts`)
})
