// Vendor-call metrics are labelled at the source (issue 15): two provider instances on one base URL
// with the same credential, which the old URL-and-bearer reverse mapping could not tell apart, get
// their own series; the operation label is the descriptor's name.
import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { sha256Hex } from '../../src/util/hash.ts'
import { ADMIN_KEY, parseMetrics, samples, writeYaml } from './helpers.ts'

t.test('two tenants on one base URL and token: each provider its own series', async (t) => {
  const sim = await buildCloudlockSimulator({ token: 'shared-token', count: 5, seed: 3 })
  const simUrl = await sim.listen({ host: '127.0.0.1', port: 0 })
  const file = writeYaml(`
cursor: { secret: ${'l'.repeat(40)} }
providers:
  - { id: tenant-a, type: cloudlock, base_url: '${simUrl}/api/v2', token: shared-token }
  - { id: tenant-b, type: cloudlock, base_url: '${simUrl}/api/v2', token: shared-token }
api_keys:
  - { name: obs-admin, sha256: ${sha256Hex(ADMIN_KEY)}, scopes: [incidents:read] }
`)
  const logs = new Writable({ write (_chunk, _enc, cb) { cb() } })
  const app = await buildApp(loadConfig({ GATEWAY_CONFIG: file }), { logger: createLogger({ level: 'silent', stream: logs }) })
  t.teardown(async () => { await app.close(); await sim.close() })
  const auth = { authorization: `Bearer ${ADMIN_KEY}` }

  const list = await app.inject({ url: '/v1/incidents?provider=tenant-b&limit=2', headers: auth })
  t.equal(list.statusCode, 200)
  const metrics = parseMetrics((await app.inject({ url: '/metrics' })).body)
  const calls = samples(metrics, 'dlp_gateway_upstream_request_duration_seconds_count')
  t.ok(calls.some((s) => s.labels.provider === 'tenant-b' && s.labels.operation === 'list' && s.labels.outcome === 'ok'),
    'the call is tenant-b\'s list')
  t.notOk(calls.some((s) => s.labels.provider === 'tenant-a'), 'nothing is put on tenant-a')
  t.notOk(calls.some((s) => String(s.labels.provider).includes('+')), 'no joined label')
})
