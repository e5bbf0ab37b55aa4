// Envelopes are checked inside the exchange, records mapped after it (issue 15): an answer that is
// not even the envelope the operation expects is the vendor's failure (health, breaker), while a
// well-formed envelope with an odd record in it is a data error that leaves the provider healthy.
import t from 'tap'
import { MockAgent } from 'undici'
import { createCloudlockAdapter } from '../../src/vendors/cloudlock/adapter.ts'
import { createZwaAdapter } from '../../src/vendors/zwa/adapter.ts'
import { testResilience } from '../helpers/resilience.ts'

const ID = '1-152-KQWX-17500012345678901234'
const json = { headers: { 'content-type': 'application/json' } }
const common = {
  timeouts: { connect_ms: 500, headers_ms: 500, body_ms: 500 },
  max_connections: 1
}
const resilience = (classes: Record<string, { per_minute: number, per_hour: number }>) =>
  testResilience(classes, { breaker: { failure_threshold: 3, open_ms: 60_000, half_open_probes: 1 } })
const off = { per_minute: 0, per_hour: 0 }

function zwa (agent: MockAgent) {
  return createZwaAdapter({
    id: 'zwa-env',
    type: 'zwa',
    base_url: 'http://zwa.test',
    path_prefix: '/dlp/v1',
    auth: { mode: 'api_key', key_id: 'k', key_secret: 's' },
    ...common,
    resilience: resilience({ light: off, medium: off, token: off })
  } as never, { dispatcher: agent })
}

function mockZwa (t: { teardown: (fn: () => unknown) => void }) {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  const pool = agent.get('http://zwa.test')
  pool.intercept({ path: '/v1/auth/api-key/token', method: 'POST' })
    .reply(201, { token: 'tok', token_type: 'Bearer', expires_in: 43200 }, json).persist()
  return { agent, pool }
}

const sub: Array<[string, string, unknown, (a: ReturnType<typeof zwa>) => Promise<unknown>]> = [
  ['evidence', '/evidence', [1, 2], (a) => a.evidence(ID)],
  ['history', '/change-history', { changeHistory: 'oops' }, (a) => a.history(ID)],
  ['tickets', '/tickets', 'just text', (a) => a.tickets(ID)],
  ['triggers', '/triggers?fetchTriggerContext=true', null, (a) => a.triggers(ID)],
  ['a note\'s answer', '/notes', [{ internalId: ID }], (a) => a.addNote(ID, 'n')]
]

for (const [what, path, body, call] of sub) {
  t.test(`ZWA ${what}: a broken envelope is the vendor's failure`, async (t) => {
    const { agent, pool } = mockZwa(t)
    pool.intercept({ path: `/dlp/v1/incidents/${ID}${path}`, method: path === '/notes' ? 'POST' : 'GET' })
      .reply(200, body as object, json).times(3)
    const adapter = zwa(agent)
    t.teardown(() => adapter.shutdown())
    for (let i = 0; i < 3; i++) await t.rejects(call(adapter), { code: 'upstream_error' })
    t.match(adapter.health(), { status: 'unavailable', circuit: 'open', last_error: { code: 'upstream_error' } },
      'three broken answers open a circuit with a threshold of 3')
  })
}

t.test('ZWA write answered with an unplaceable record: a data error, the provider healthy', async (t) => {
  const { agent, pool } = mockZwa(t)
  pool.intercept({ path: `/dlp/v1/incidents/${ID}/close`, method: 'POST' })
    .reply(200, { internalId: 'not an id!', createdAt: 'yesterday' }, json).times(4)
  const adapter = zwa(agent)
  t.teardown(() => adapter.shutdown())
  for (let i = 0; i < 4; i++) await t.rejects(adapter.close(ID, {}), { code: 'upstream_error', detail: /internalId/ })
  t.match(adapter.health(), { status: 'ok', circuit: 'closed', last_error: null })
})

t.test('Cloudlock get answered with something that is not an incident object: the vendor\'s failure', async (t) => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  agent.get('http://cl.test').intercept({ path: '/api/v2/incidents/42', method: 'GET' })
    .reply(200, '"no"', json).times(3)
  const adapter = createCloudlockAdapter({
    id: 'cl-env',
    type: 'cloudlock',
    base_url: 'http://cl.test/api/v2',
    token: 'tok',
    ...common,
    resilience: resilience({ default: off })
  } as never, { dispatcher: agent })
  t.teardown(() => adapter.shutdown())
  for (let i = 0; i < 3; i++) await t.rejects(adapter.get('42'), { code: 'upstream_error' })
  t.match(adapter.health(), { circuit: 'open' })
})
