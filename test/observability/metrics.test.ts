import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { GatewayMetrics, outcomeOfError, outcomeOfStatus } from '../../src/observability/metrics.ts'
import { buildTestApp } from '../helpers/build.ts'
import { parseMetrics, READER_KEY, samples, startObsStack, value } from './helpers.ts'

const HTTP = 'dlp_gateway_http_request_duration_seconds'
const UPSTREAM = 'dlp_gateway_upstream_request_duration_seconds'

// Label names each gateway metric may carry: nothing that can hold an id, a key or a URL.
const ALLOWED_LABELS: Record<string, string[]> = {
  [HTTP]: ['method', 'route', 'status_code', 'le'],
  [UPSTREAM]: ['provider', 'operation', 'outcome', 'le'],
  dlp_gateway_upstream_retries_total: ['provider', 'operation'],
  dlp_gateway_upstream_calls_total: ['provider', 'purpose'],
  dlp_gateway_changes_emitted_total: ['provider', 'type'],
  dlp_gateway_sync_polls_total: ['provider', 'outcome'],
  dlp_gateway_sync_lag_seconds: ['provider'],
  dlp_gateway_sync_last_poll_timestamp_seconds: ['provider'],
  dlp_gateway_upstream_circuit_state: ['provider'],
  dlp_gateway_upstream_rate_budget_wait_seconds: ['provider', 'class', 'le'],
  dlp_gateway_upstream_token_refreshes_total: ['provider', 'outcome'],
  dlp_gateway_upstream_budget_mode: ['provider'],
  dlp_gateway_shared_store_errors_total: ['store', 'operation'],
  dlp_gateway_audit_events_total: ['operation', 'outcome']
}
const baseName = (name: string) => name.replace(/_(bucket|sum|count)$/, '')

t.test('metrics after real traffic: route patterns, upstream operations and outcomes, no ids', async (t) => {
  const stack = await startObsStack()
  t.teardown(() => stack.close())
  const initial = parseMetrics(await stack.metrics()) // before any vendor call

  const cl = (await stack.call('GET', '/v1/incidents?provider=cloudlock&limit=2')).body.data.map((i: any) => i.native_id)
  const zw = (await stack.call('GET', '/v1/incidents?provider=zwa&limit=2')).body.data.map((i: any) => i.native_id)
  t.equal(cl.length, 2)
  t.equal(zw.length, 2)
  for (const id of [`cloudlock:${cl[0]}`, `cloudlock:${cl[1]}`, `zwa:${zw[0]}`]) {
    t.equal((await stack.call('GET', `/v1/incidents/${id}`)).status, 200)
  }
  t.equal((await stack.call('GET', `/v1/incidents/zwa:${zw[1]}`, { key: null })).status, 401)
  t.equal((await stack.call('GET', `/v1/incidents/zwa:${zw[1]}/evidence`, { key: READER_KEY })).status, 403)
  t.equal((await stack.call('GET', `/no/such/route/${zw[1]}`)).status, 404)

  // Failures the vendor produces, each seen as one upstream outcome.
  const fault = (body: object) => stack.cloudlock.inject({ method: 'POST', url: '/__sim/faults', payload: { count: 1, ...body } })
  await fault({ route: 'GET /api/v2/incidents/', status: 500 })
  await stack.call('GET', `/v1/incidents/cloudlock:${cl[0]}`)
  await fault({ route: 'GET /api/v2/incidents/', status: 429, retry_after: 1 })
  await stack.call('GET', `/v1/incidents/cloudlock:${cl[0]}`)
  await fault({ route: 'GET /api/v2/incidents/', mode: 'reset' })
  await stack.call('GET', `/v1/incidents/cloudlock:${cl[0]}`)
  await stack.call('GET', '/v1/incidents/cloudlock:99999999999')

  const res = await stack.call('GET', '/metrics', { key: null })
  t.equal(res.status, 200, 'no API key needed')
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.text
  const all = parseMetrics(text)

  t.test('request durations are labelled by route pattern and status', async (t) => {
    // Three clean reads, a 401, three reads with a vendor fault (their status depends on retries) and a 404.
    t.ok(value(all, `${HTTP}_count`, { method: 'GET', route: '/v1/incidents/:id', status_code: '200' }) >= 3)
    t.equal(value(all, `${HTTP}_count`, { method: 'GET', route: '/v1/incidents/:id' }), 8, 'every request to the route, whatever its id')
    t.equal(value(all, `${HTTP}_count`, { route: '/v1/incidents/:id', status_code: '404' }), 1)
    t.equal(value(all, `${HTTP}_count`, { route: '/v1/incidents/:id', status_code: '401' }), 1)
    t.equal(value(all, `${HTTP}_count`, { route: '/v1/incidents/:id/evidence', status_code: '403' }), 1)
    t.equal(value(all, `${HTTP}_count`, { route: 'unmatched', status_code: '404' }), 1, 'unknown routes share one label')
    t.equal(value(all, `${HTTP}_count`, { route: '/v1/incidents', status_code: '200' }), 2)
    t.ok(samples(all, `${HTTP}_bucket`, { route: '/v1/incidents', le: '+Inf' }).length > 0, 'histogram buckets')
    t.ok(value(all, `${HTTP}_sum`, { route: '/v1/incidents' }) > 0, 'durations are recorded')
  })

  t.test('upstream calls by provider, operation and outcome', async (t) => {
    t.ok(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'list', outcome: 'ok' }) >= 1)
    t.ok(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'get', outcome: 'ok' }) >= 2)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'zwa', operation: 'details', outcome: 'ok' }), 1)
    t.ok(value(all, `${UPSTREAM}_count`, { provider: 'zwa', operation: 'search', outcome: 'ok' }) >= 1)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'zwa', operation: 'token', outcome: 'ok' }), 1, 'one token for all ZWA calls')
    t.equal(value(all, 'dlp_gateway_upstream_token_refreshes_total', { provider: 'zwa', outcome: 'ok' }), 1)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'get', outcome: 'server_error' }), 1)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'get', outcome: 'rate_limited' }), 1)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'get', outcome: 'network_error' }), 1)
    t.equal(value(all, `${UPSTREAM}_count`, { provider: 'cloudlock', operation: 'get', outcome: 'client_error' }), 1, 'the vendor 404')
    t.equal(value(all, `${UPSTREAM}_count`, { operation: 'other' }), 0, 'every adapter call has a named operation')
  })

  t.test('labels stay low-cardinality: no id, key or raw URL anywhere', async (t) => {
    // Label values, not the whole text: a float value may well contain a run of digits.
    const labelValues = all.flatMap((s) => Object.values(s.labels)).join('\n')
    for (const id of [...cl, ...zw, '99999999999']) t.notOk(labelValues.includes(id), `native id ${id} is in no label`)
    t.notOk(text.includes('obs-admin'), 'no key name')
    t.notOk(text.includes('/no/such/route'), 'no raw URL')
    for (const s of all.filter((s) => s.name.startsWith('dlp_gateway_'))) {
      const allowed = ALLOWED_LABELS[baseName(s.name)]
      t.ok(allowed, `${s.name} is documented`)
      for (const label of Object.keys(s.labels)) if (!allowed?.includes(label)) t.fail(`${s.name} has label ${label}`)
    }
    const routes = new Set(samples(all, `${HTTP}_count`).map((s) => s.labels.route))
    for (const route of routes) t.match(route, /^(\/[a-z0-9/:_*.-]*|unmatched)$/, `route label ${route} is a pattern`)
  })

  t.test('resilience metrics exist at zero before any traffic and move through the helpers', async (t) => {
    for (const provider of ['zwa', 'cloudlock']) {
      t.equal(value(initial, 'dlp_gateway_upstream_circuit_state', { provider }), 0, `${provider} circuit closed`)
      t.equal(value(initial, 'dlp_gateway_upstream_retries_total', { provider }), 0)
    }
    t.equal(samples(initial, 'dlp_gateway_upstream_retries_total', { provider: 'zwa' }).length, 12, 'one series per ZWA operation')
    t.equal(samples(initial, 'dlp_gateway_upstream_retries_total', { provider: 'cloudlock' }).length, 3)
    for (const cls of ['light', 'medium', 'token']) {
      t.equal(value(initial, 'dlp_gateway_upstream_rate_budget_wait_seconds_count', { provider: 'zwa', class: cls }), 0, `zwa ${cls} budget`)
    }
    t.equal(value(initial, 'dlp_gateway_upstream_rate_budget_wait_seconds_count', { provider: 'cloudlock', class: 'default' }), 0)
    t.equal(value(initial, 'dlp_gateway_upstream_token_refreshes_total', { provider: 'zwa', outcome: 'ok' }), 0)
    t.equal(samples(initial, 'dlp_gateway_upstream_token_refreshes_total', { provider: 'cloudlock' }).length, 0, 'Cloudlock has no token flow')

    const before = (name: string, labels: Record<string, string>) => value(all, name, labels)
    const retries = before('dlp_gateway_upstream_retries_total', { provider: 'zwa', operation: 'search' })
    const waited = before('dlp_gateway_upstream_rate_budget_wait_seconds_count', { provider: 'zwa', class: 'medium' })
    const waitedSum = before('dlp_gateway_upstream_rate_budget_wait_seconds_sum', { provider: 'zwa', class: 'medium' })
    const slow = before('dlp_gateway_upstream_rate_budget_wait_seconds_bucket', { provider: 'zwa', class: 'medium', le: '2.5' })
    const fast = before('dlp_gateway_upstream_rate_budget_wait_seconds_bucket', { provider: 'zwa', class: 'medium', le: '1' })
    stack.app.metrics.upstreamRetry('zwa', 'search')
    stack.app.metrics.upstreamRetry('zwa', 'search')
    stack.app.metrics.circuitState('cloudlock', 'open')
    stack.app.metrics.circuitState('zwa', 'half_open')
    stack.app.metrics.rateBudgetWait('zwa', 'medium', 1500)
    const after = parseMetrics(await stack.metrics())
    t.equal(value(after, 'dlp_gateway_upstream_retries_total', { provider: 'zwa', operation: 'search' }), retries + 2)
    t.equal(value(after, 'dlp_gateway_upstream_circuit_state', { provider: 'cloudlock' }), 2)
    t.equal(value(after, 'dlp_gateway_upstream_circuit_state', { provider: 'zwa' }), 1)
    t.equal(value(after, 'dlp_gateway_upstream_rate_budget_wait_seconds_count', { provider: 'zwa', class: 'medium' }), waited + 1)
    t.equal(value(after, 'dlp_gateway_upstream_rate_budget_wait_seconds_sum', { provider: 'zwa', class: 'medium' }), waitedSum + 1.5)
    t.equal(value(after, 'dlp_gateway_upstream_rate_budget_wait_seconds_bucket', { provider: 'zwa', class: 'medium', le: '1' }), fast, '1.5 s is above the 1 s bucket')
    t.equal(value(after, 'dlp_gateway_upstream_rate_budget_wait_seconds_bucket', { provider: 'zwa', class: 'medium', le: '2.5' }), slow + 1)
    t.equal(value(after, `${HTTP}_count`, { route: '/metrics', status_code: '200' }), 2, 'earlier scrapes are counted')
  })

  t.test('default process metrics', async (t) => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      t.equal(samples(all, name).length, 1, name)
    }
  })
})

t.test('outcomes of vendor statuses and undici failures', async (t) => {
  t.same([200, 201, 304, 400, 401, 403, 404, 429, 500, 503].map(outcomeOfStatus),
    ['ok', 'ok', 'ok', 'client_error', 'auth_error', 'auth_error', 'client_error', 'rate_limited', 'server_error', 'server_error'])
  const err = (code?: string, name = 'Error') => Object.assign(new Error('x'), { code, name })
  t.equal(outcomeOfError(err('UND_ERR_HEADERS_TIMEOUT')), 'timeout')
  t.equal(outcomeOfError(err('UND_ERR_CONNECT_TIMEOUT')), 'timeout')
  t.equal(outcomeOfError(err(undefined, 'TimeoutError')), 'timeout', 'the request deadline')
  t.equal(outcomeOfError(err('UND_ERR_ABORTED')), 'aborted')
  t.equal(outcomeOfError(err(undefined, 'AbortError')), 'aborted')
  t.equal(outcomeOfError(err('ECONNREFUSED')), 'network_error')
  t.equal(outcomeOfError(err('UND_ERR_SOCKET')), 'network_error')
  t.equal(outcomeOfError(null), 'network_error')
})

t.test('METRICS_ENABLED=false: no /metrics route, helpers are no-ops', async (t) => {
  const { app } = await buildTestApp({ METRICS_ENABLED: 'false', AUDIT_LOG: 'off' })
  t.teardown(() => app.close())
  t.notOk(app.metrics instanceof GatewayMetrics)
  app.metrics.upstreamRetry('zwa', 'search')
  app.metrics.circuitState('zwa', 'open')
  app.metrics.rateBudgetWait('zwa', 'light', 10)
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'not_found')
})

t.test('/metrics is documented as an unauthenticated text/plain operation', async (t) => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'))
  const op = doc.paths['/metrics']?.get
  t.ok(op, 'GET /metrics is in openapi.yaml')
  t.same(op.tags, ['operations'])
  t.equal(op.operationId, 'getMetrics')
  t.same(op.security, [])
  t.same(Object.keys(op.responses['200'].content), ['text/plain'])
  t.equal(op.responses['200'].content['text/plain'].schema.type, 'string')
})
