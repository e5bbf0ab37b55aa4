// ZWA records are mapped after their exchange: a record the gateway cannot place (no valid
// internalId or createdAt) fails the call as upstream_error, but the exchange itself succeeded, so
// the provider's health stays ok and its circuit closed (src/vendors/zwa/adapter.ts).
import t from 'tap'
import { MockAgent } from 'undici'
import { createZwaAdapter } from '../../src/vendors/zwa/adapter.ts'
import { testResilience } from '../helpers/resilience.ts'

const off = { per_minute: 0, per_hour: 0 }

const ID = '1-152-KQWX-17500012345678901234'
const UNPLACEABLE = { internalId: 'not an id!', createdAt: 'yesterday', severity: 'HIGH' }

t.test('an unplaceable record is a data error, not a health failure', async (t) => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  const pool = agent.get('http://zwa.test')
  const json = { headers: { 'content-type': 'application/json' } }
  pool.intercept({ path: '/v1/auth/api-key/token', method: 'POST' })
    .reply(201, { token: 'tok', token_type: 'Bearer', expires_in: 43200 }, json)
  pool.intercept({ path: `/dlp/v1/incidents/${ID}`, method: 'GET' }).reply(200, UNPLACEABLE, json).times(6)
  pool.intercept({ path: (p) => p.startsWith('/dlp/v1/incidents/search'), method: 'POST' })
    .reply(200, { incidents: [UNPLACEABLE], cursor: { totalElements: 1 } }, json).times(6)
  const adapter = createZwaAdapter({
    id: 'zwa-data',
    type: 'zwa',
    base_url: 'http://zwa.test',
    path_prefix: '/dlp/v1',
    auth: { mode: 'api_key', key_id: 'k', key_secret: 's' },
    timeouts: { connect_ms: 500, headers_ms: 500, body_ms: 500 },
    max_connections: 1,
    resilience: testResilience({ light: off, medium: off, token: off },
      { breaker: { failure_threshold: 3, open_ms: 60_000, half_open_probes: 1 } })
  } as never, { dispatcher: agent })
  t.teardown(() => adapter.shutdown())
  for (let i = 0; i < 6; i++) {
    await t.rejects(adapter.get(ID), { code: 'upstream_error', detail: /internalId or createdAt/ })
    await t.rejects(adapter.listPage({ filters: {}, position: null, pinnedAt: new Date().toISOString(), want: 5 }),
      { code: 'upstream_error' })
  }
  t.match(adapter.health(), { status: 'ok', circuit: 'closed', last_error: null },
    'twelve unplaceable answers past a breaker threshold of 3: health untouched')
})
