// The ZWA token flow's own promises (src/vendors/zwa/token-manager.ts, auth-flows.ts): a failing
// shared token store is logged and metered while the token endpoint serves; one caller's deadline
// does not end the token request others wait on; a token that could not go into a header is
// refused before any incident call.
import { Writable } from 'node:stream'
import pino from 'pino'
import t, { type Test } from 'tap'
import { MockAgent } from 'undici'
import type { ZwaProviderConfigT } from '../../src/config/schema.ts'
import type { SharedStore } from '../../src/state/shared-store.ts'
import { storeErrorReporter } from '../../src/state/store-errors.ts'
import type { AdapterFactoryDeps } from '../../src/adapters/types.ts'
import { createZwaAdapter } from '../../src/vendors/zwa/adapter.ts'

const ID = '1-152-KQWX-17500012345678901234'
const ORIGIN = 'http://zwa.test'
const TOKEN_PATH = '/v1/auth/api-key/token'
const INCIDENT = `/dlp/v1/incidents/${ID}`
const JSON_HEADERS = { headers: { 'content-type': 'application/json' } }
const config: ZwaProviderConfigT = {
  id: 'zwa-t',
  type: 'zwa',
  base_url: ORIGIN,
  path_prefix: '/dlp/v1',
  auth: { mode: 'api_key', key_id: 'k', key_secret: 's' },
  timeouts: { connect_ms: 2_000, headers_ms: 2_000, body_ms: 2_000 },
  max_connections: 4
}

function vendor (t: Test) {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  return { agent, pool: agent.get(ORIGIN) }
}

function adapterOn (t: Test, agent: MockAgent, deps: AdapterFactoryDeps = {}) {
  const adapter = createZwaAdapter(config, { dispatcher: agent, ...deps })
  t.teardown(() => adapter.shutdown())
  return adapter
}

t.test('a failing shared token store is logged and metered; the token endpoint serves', async (t) => {
  const { agent, pool } = vendor(t)
  pool.intercept({ path: TOKEN_PATH, method: 'POST' }).reply(201, { token: 'tok', expires_in: 43200 }, JSON_HEADERS)
  pool.intercept({ path: INCIDENT, method: 'GET' }).reply(404, { internalMessage: 'none' }, JSON_HEADERS)
  const down = () => Promise.reject(new Error('redis down'))
  const store = { kind: 'redis', get: down, set: down } as unknown as SharedStore
  const metered: string[] = []
  let log = ''
  const logger = pino({ level: 'warn' }, new Writable({ write (chunk, _enc, cb) { log += String(chunk); cb() } }))
  const adapter = adapterOn(t, agent, {
    sharedStore: store,
    logger,
    reportStoreError: storeErrorReporter(logger, { sharedStoreError: (s, op) => metered.push(`${s}:${op}`) })
  })
  await t.rejects(adapter.get(ID), { code: 'not_found' }, 'the call went out with a token from the endpoint')
  t.same(metered, ['token:get', 'token:set'])
  t.match(log, /shared store operation failed/)
  t.match(log, /"store":"token"/)
  t.match(log, /redis down/)
  agent.assertNoPendingInterceptors()
})

t.test('a caller whose deadline ends does not end the token request the others wait on', async (t) => {
  const { agent, pool } = vendor(t)
  pool.intercept({ path: TOKEN_PATH, method: 'POST' })
    .reply(201, { token: 'tok', expires_in: 43200 }, JSON_HEADERS).delay(300)
  pool.intercept({ path: INCIDENT, method: 'GET' }).reply(404, { internalMessage: 'none' }, JSON_HEADERS)
  const adapter = adapterOn(t, agent)
  const hasty = adapter.get(ID, { signal: AbortSignal.timeout(50) })
  const patient = adapter.get(ID, { signal: AbortSignal.timeout(5_000) })
  await t.rejects(hasty, { code: 'upstream_timeout' }, 'the first caller gave up at its deadline')
  await t.rejects(patient, { code: 'not_found' }, 'the second got the shared token and made its call')
  agent.assertNoPendingInterceptors() // one token request in all
})

t.test('a token that cannot go into a header is refused before any incident call', async (t) => {
  for (const token of ['tok\r\nx-injected: 1', 'tok en', 'tök']) {
    const { agent, pool } = vendor(t)
    pool.intercept({ path: TOKEN_PATH, method: 'POST' }).reply(201, { token, expires_in: 43200 }, JSON_HEADERS)
    const incident = pool.intercept({ path: INCIDENT, method: 'GET' })
    incident.reply(404, { internalMessage: 'none' }, JSON_HEADERS)
    const adapter = adapterOn(t, agent)
    await t.rejects(adapter.get(ID), { code: 'upstream_error', detail: /without a usable token/ },
      JSON.stringify(token))
    t.equal(agent.pendingInterceptors().length, 1, 'the incident call was never made')
  }
})
