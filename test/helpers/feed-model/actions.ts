import fc from 'fast-check'
import type { Provider } from './model.ts'

// The actions of the change-feed property test, as plain data (fast-check generates and shrinks
// them; run.ts performs them). `pick` chooses among the incidents alive at that moment, `value`
// among the choices of the action, both modulo their length.

export type Action =
  | { t: 'create', p: Provider, value: number } // vendor console: a new incident
  | { t: 'status', p: Provider, pick: number, value: number } // vendor console: to an open status
  | { t: 'severity', p: Provider, pick: number, value: number }
  | { t: 'resolve', p: Provider, pick: number, value: number } // vendor console: closed with a resolution
  | { t: 'label', pick: number, value: number } // ZWA console: the labels replaced
  | { t: 'delete', pick: number } // ZWA: deleted (Cloudlock deletions are not detectable)
  | { t: 'activity', p: Provider, count: number } // the simulator's own random console activity
  | { t: 'gw-patch', p: Provider, pick: number, value: number } // gateway writes over HTTP
  | { t: 'gw-close', p: Provider, pick: number, value: number }
  | { t: 'gw-note', pick: number }
  | { t: 'gw-labels', pick: number, value: number }
  | { t: 'sync', extraS: number, zwaFirst: boolean } // time passes, both providers poll
  | { t: 'read', limit: number, pages: number } // GET /v1/changes from the stored token
  | { t: 'restart' }

export const ZWA_OPEN = ['NEW', 'INVESTIGATING', 'VALIDATING_WITH_USER', 'JUSTIFICATION_RESPONSE_RECEIVED', 'ESCALATED']
export const ZWA_RESOLUTIONS = ['FALSE_POSITIVE', 'TRUE_POSITIVE', 'BENIGN']
export const ZWA_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'INFO']
export const ZWA_LABELS = [
  [],
  [{ key: 'team', value: 'red' }],
  [{ key: 'team', value: 'blue' }],
  [{ key: 'team', value: 'red' }, { key: 'case', value: '42' }]
]
export const CL_OPEN = ['NEW', 'IN PROGRESS']
export const CL_CLOSED = ['RESOLVED', 'DISMISSED']
export const CL_SEVERITIES = ['INFO', 'WARNING', 'ALERT', 'CRITICAL']

// Gateway writes each provider accepts (anything else is a 422 before any vendor call).
export const GW_PATCH: Record<Provider, Array<Record<string, unknown>>> = {
  cloudlock: [
    { status: 'new' }, { status: 'in_progress' }, { status: 'resolved' }, { status: 'dismissed' },
    { severity: 'informational' }, { severity: 'medium' }, { severity: 'high' }, { severity: 'critical' },
    { external_ref: 'SOAR-7' }, { external_ref: null }
  ],
  zwa: [{ status: 'resolved' }]
}
export const GW_CLOSE: Record<Provider, Array<Record<string, unknown>>> = {
  cloudlock: [{}, { classification: 'false_positive' }],
  zwa: [
    {}, { classification: 'false_positive' }, { notes: 'closed by the SOAR' },
    { classification: 'false_positive', label: { key: 'soar', value: 'done' } }
  ]
}

const provider = fc.constantFrom<Provider>('zwa', 'cloudlock')
const pick = fc.nat({ max: 1000 })
const value = fc.nat({ max: 100 })

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('create' as const), p: provider, value }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('status' as const), p: provider, pick, value }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('severity' as const), p: provider, pick, value }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('resolve' as const), p: provider, pick, value }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('label' as const), pick, value }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('activity' as const), p: provider, count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('gw-patch' as const), p: provider, pick, value }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('gw-close' as const), p: provider, pick, value }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gw-note' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gw-labels' as const), pick, value }) },
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('sync' as const), extraS: fc.integer({ min: 0, max: 30 }), zwaFirst: fc.boolean() })
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('read' as const), limit: fc.integer({ min: 1, max: 7 }), pages: fc.integer({ min: 1, max: 4 })
    })
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('restart' as const) }) }
)

export const scenarioArb = fc.record({
  seed: fc.integer({ min: 1, max: 1000 }),
  zwaCount: fc.integer({ min: 0, max: 12 }),
  cloudlockCount: fc.integer({ min: 0, max: 12 }),
  actions: fc.array(actionArb, { minLength: 10, maxLength: 25 })
})
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never
