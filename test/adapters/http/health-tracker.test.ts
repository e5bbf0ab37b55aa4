import t from 'tap'
import { HealthTracker } from '../../../src/upstream/resilience/health-tracker.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

t.test('health follows the last upstream outcome; caller mistakes do not count', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00.000Z')
  const h = new HealthTracker(() => now)
  t.same(h.snapshot(), { status: 'unknown', circuit: 'closed', last_error: null })
  h.success()
  t.same(h.snapshot(), { status: 'ok', circuit: 'closed', last_error: null })
  for (const code of ['not_found', 'unsupported_value', 'capability_not_supported', 'validation_failed'] as const) {
    h.failure(new GatewayError(code, 'caller mistake'))
  }
  t.same(h.snapshot(), { status: 'ok', circuit: 'closed', last_error: null })
  now += 5000
  h.failure(new GatewayError('upstream_timeout', "Provider 'x' did not answer in time."))
  t.same(h.snapshot(), { status: 'degraded', circuit: 'closed', last_error: { code: 'upstream_timeout', detail: "Provider 'x' did not answer in time.", at: '2026-01-01T00:00:05.000Z' } })
  now += 1000
  h.failure(new Error('raw error text with a secret'))
  t.same(h.snapshot().last_error, { code: 'upstream_error', detail: 'upstream failure', at: '2026-01-01T00:00:06.000Z' }, 'foreign errors are summarised, never echoed')
  h.success()
  t.equal(h.snapshot().status, 'ok')
  t.equal(h.snapshot().last_error?.code, 'upstream_error', 'the last error stays visible after recovery')
})
