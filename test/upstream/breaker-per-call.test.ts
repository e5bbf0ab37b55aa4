// The circuit breaker counts calls, not attempts: a read that fails three times (two retries) is
// one failure, so a threshold of 3 needs three failed calls (src/upstream/resilience/circuit-breaker.ts).
import t from 'tap'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { UpstreamClient } from '../../src/upstream/http/upstream-client.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'
import { UNGUARDED, type GuardSettings } from '../../src/upstream/resilience/settings.ts'

t.test('one call with two failed retries is one failure for the breaker', async (t) => {
  let sent = 0
  const transport = {
    origin: 'http://vendor.test',
    basePath: '',
    request: async () => { sent++; return { status: 503, headers: {}, text: '', json: {} } },
    close: async () => {}
  } as unknown as UpstreamClient
  const settings: GuardSettings = {
    ...UNGUARDED,
    retries: 2,
    retryBudget: { ratio: 1, burst: 100 },
    backoff: { baseMs: 1, maxMs: 1 },
    breaker: { failureThreshold: 3, openMs: 60_000, halfOpenProbes: 1 }
  }
  const p = new UpstreamPipeline({
    providerId: 'p',
    providerType: 'test',
    settings,
    transport,
    authenticator: staticBearer('t'),
    errorMessageKey: 'message',
    budget: createRateBudget({ providerId: 'p', windowsByClass: {}, fallbackShare: 0.25 }),
    random: () => 0
  })
  t.teardown(() => p.close())
  const read: Operation<unknown> =
    { name: 'get', method: 'GET', path: '/x', rateClass: 'default', idempotent: true, parse: (b) => b }
  for (let call = 1; call <= 2; call++) {
    await t.rejects(p.call(read, {}, {}), { code: 'upstream_error' })
    t.equal(sent, call * 3, `call ${call}: one attempt and two retries`)
    t.equal(p.circuit(), 'closed', `failed attempts: ${call * 3}, failed calls: ${call}; still closed`)
  }
  await t.rejects(p.call(read, {}, {}), { code: 'upstream_error' })
  t.equal(p.circuit(), 'open', 'the third failed call opens it')
})
