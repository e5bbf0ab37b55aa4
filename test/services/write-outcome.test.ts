// The decision of src/services/write-outcome.ts on its own: which failures leave the outcome
// unknown, and when "not there" counts as "not applied" (a timed-out write may still be running).
import t from 'tap'
import { UpstreamFailure } from '../../src/upstream/http/upstream-errors.ts'
import type { ProviderAdapter } from '../../src/adapters/types.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { markLocal } from '../../src/upstream/resilience/local-errors.ts'
import { lostAnswer, newTracker, performWrite } from '../../src/services/write-outcome.ts'

const failure = (code: 'upstream_error' | 'upstream_timeout', status: number | null, notSent = false) =>
  new UpstreamFailure(code, 'x', { provider: 'p' }, { upstreamStatus: status, notSent })

t.test('lost answers', async (t) => {
  t.same(lostAnswer(failure('upstream_timeout', null)), { timedOut: true }, 'timeout after sending')
  t.same(lostAnswer(failure('upstream_error', null)), { timedOut: false }, 'reset after sending')
  t.same(lostAnswer(failure('upstream_timeout', 504)), { timedOut: true }, 'a proxy 504')
  t.same(lostAnswer(failure('upstream_error', 200)), { timedOut: false }, 'an unreadable 2xx')
  t.same(lostAnswer(new GatewayError('upstream_error', 'unmappable record')), { timedOut: false })
  t.same(lostAnswer(new TypeError('bug')), { timedOut: false }, 'anything unrecognised is unknown')
  t.equal(lostAnswer(failure('upstream_error', null, true)), null, 'never sent')
  t.same(lostAnswer(failure('upstream_error', 500)), { timedOut: false }, 'a 500 may follow an applied write: read back')
  t.same(lostAnswer(failure('upstream_error', 502)), { timedOut: false }, 'a proxy 502 likewise')
  t.equal(lostAnswer(failure('upstream_error', 429)), null, 'a rate limit refused it')
  t.equal(lostAnswer(failure('upstream_error', 503)), null, 'a 503 refused it')
  t.equal(lostAnswer(failure('upstream_error', 400)), null, 'a 400 refused it')
  t.equal(lostAnswer(markLocal(new GatewayError('upstream_rate_limited', 'local'))), null, 'refused locally')
  t.equal(lostAnswer(new GatewayError('unsupported_value', 'checked first')), null)
})

t.test('a timed-out write that is not there yet stays unknown until it has had time to land', async (t) => {
  let clock = 1_000
  let incident = { status: 'new', severity: 'low', external_ref: null, labels: [], notes: [] } as any
  let writes = 0
  const adapter = {
    id: 'p',
    type: 'cloudlock',
    capabilities: new Set(),
    get: async () => incident,
    update: async () => { writes++; throw failure('upstream_timeout', null) }
  } as unknown as ProviderAdapter
  const tracker = newTracker()
  const ctx = { opts: {}, tracker, keyed: true, settleMs: 5_000, now: () => clock }
  const first = await performWrite(adapter, '1', { kind: 'update', patch: { external_ref: 'R' } }, ctx).catch((e) => e)
  t.equal(first.code, 'write_outcome_unknown')
  t.equal(tracker.state, 'maybe_applied')
  const prior = tracker.outcome!
  clock += 1_000
  const early = await performWrite(adapter, '1', { kind: 'update', patch: { external_ref: 'R' } }, { ...ctx, tracker: newTracker(), prior }).catch((e) => e)
  t.equal(early.code, 'write_outcome_unknown', 'too early to call it not applied')
  clock += 5_000
  const settled = newTracker()
  const late = await performWrite(adapter, '1', { kind: 'update', patch: { external_ref: 'R' } }, { ...ctx, tracker: settled, prior }).catch((e) => e)
  t.equal(late.code, 'upstream_error')
  t.equal(settled.state, 'not_applied', 'the key is released')
  incident = { ...incident, external_ref: 'R' }
  const landed = newTracker()
  const found = await performWrite(adapter, '1', { kind: 'update', patch: { external_ref: 'R' } }, { ...ctx, tracker: landed, prior })
  t.equal(found.external_ref, 'R')
  t.equal(landed.state, 'applied')
  t.equal(writes, 1, 'only the first request wrote')
})
