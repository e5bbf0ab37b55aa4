import { readFileSync } from 'node:fs'
import t from 'tap'
import { GatewayMetrics } from '../../src/observability/metrics.ts'
import { VENDORS } from '../../src/vendors/index.ts'
import { parseMetrics } from './helpers.ts'

// The Grafana dashboard must only query metrics and labels the gateway really exports.
const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/dlp-incident-gateway.json', import.meta.url), 'utf8'))
const SCRAPE_LABELS = ['job', 'instance'] // added by Prometheus
const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'increase', 'histogram_quantile', 'max', 'clamp_min', 'label_values', 'le'])

async function exported () {
  const metrics = new GatewayMetrics({ providers: (['zwa', 'cloudlock'] as const).map((id) => ({ id, ...VENDORS[id] })) })
  metrics.httpRequest('GET', '/v1/incidents', 200, 0.01)
  metrics.upstreamCall('zwa', 'search', 'ok', 0.02)
  metrics.tokenRefresh('zwa', 'ok')
  metrics.auditEvent('close', 'ok')
  const labels = new Map<string, Set<string>>()
  for (const s of parseMetrics(await metrics.render())) {
    const set = labels.get(s.name) ?? new Set(SCRAPE_LABELS)
    for (const l of Object.keys(s.labels)) set.add(l)
    labels.set(s.name, set)
  }
  // Reported by Node after the first garbage collection, which a short test may not see.
  if (!labels.has('nodejs_gc_duration_seconds_sum')) labels.set('nodejs_gc_duration_seconds_sum', new Set([...SCRAPE_LABELS, 'kind']))
  return labels
}

function queries (): Array<{ panel: string, expr: string }> {
  const out: Array<{ panel: string, expr: string }> = []
  for (const p of dashboard.panels) for (const target of p.targets ?? []) out.push({ panel: p.title, expr: target.expr })
  for (const v of dashboard.templating.list) if (v.type === 'query') out.push({ panel: `variable ${v.name}`, expr: v.query.query })
  return out
}

t.test('the dashboard is importable JSON with a Prometheus data source variable', async (t) => {
  t.equal(dashboard.uid, 'dlp-incident-gateway')
  t.ok(dashboard.templating.list.some((v: any) => v.type === 'datasource' && v.query === 'prometheus'))
  const ids = dashboard.panels.map((p: any) => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const p of dashboard.panels) {
    if (p.type === 'row') continue
    t.equal(p.datasource.uid, '$' + '{datasource}', `${p.title} uses the data source variable`)
    t.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`)
  }
})

t.test('every query names exported metrics and labels they carry', async (t) => {
  const labels = await exported()
  const used = new Set<string>()
  for (const { panel, expr } of queries()) {
    const names = [...expr.matchAll(/\b(dlp_gateway_[a-z_]+|process_[a-z_]+|nodejs_[a-z0-9_]+)\b/g)].map((m) => m[1])
    t.ok(names.length > 0, `${panel}: queries a gateway metric`)
    const known = new Set<string>()
    for (const name of names) {
      used.add(name)
      const l = labels.get(name)
      t.ok(l, `${panel}: ${name} is exported`)
      for (const x of l ?? []) known.add(x)
    }
    const mentioned = [
      ...[...expr.matchAll(/[{,]\s*([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]),
      ...[...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()))
    ]
    for (const label of mentioned) {
      if (!known.has(label) && !PROMQL_WORDS.has(label)) t.fail(`${panel}: label '${label}' is not on ${names.join(', ')}`)
    }
  }
  for (const base of ['dlp_gateway_http_request_duration_seconds', 'dlp_gateway_upstream_request_duration_seconds', 'dlp_gateway_upstream_retries_total',
    'dlp_gateway_upstream_circuit_state', 'dlp_gateway_upstream_rate_budget_wait_seconds', 'dlp_gateway_upstream_token_refreshes_total', 'dlp_gateway_audit_events_total']) {
    t.ok([...used].some((n) => n.startsWith(base)), `the dashboard shows ${base}`)
  }
})
